//! Thin safe wrappers over libc: the only place in mosh-rs with `unsafe`.
//!
//! Every `unsafe` block here states the invariant it relies on; callers
//! outside this module never see raw pointers or file descriptors they must
//! close by hand.
