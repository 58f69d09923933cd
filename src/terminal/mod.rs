//! The terminal model shared by client and server: parser, emulator,
//! framebuffer and display renderer. It knows nothing of the network.
