//! SSP, the state synchronization protocol, as a sans-IO state machine:
//! the caller passes `now`, hands datagrams in, takes datagrams out and
//! asks when to wake it next.
