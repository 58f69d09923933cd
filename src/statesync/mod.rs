//! The two synchronized states of a mosh session: the user's input stream
//! (client to server) and the complete terminal (server to client).
