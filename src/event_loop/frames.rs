//! `MOSH_LOG`'s frame lines: one for each datagram sent and received,
//! with the link's timing figures at the time.

use crate::diag::{DiagLog, Event, LinkFigures};
use crate::transport::{SyncState, Transport};

/// Moves the transport's frame records into the log (only when the log
/// wants them; the transport keeps none otherwise).
pub(crate) fn log_frames<L: SyncState, R: SyncState>(
    transport: &mut Transport<L, R>,
    diag: &mut DiagLog,
) {
    if !diag.wants_frames() {
        return;
    }
    let link = LinkFigures {
        srtt: transport.srtt(),
        rttvar: transport.rttvar(),
        rto: transport.rto(),
        interval: transport.send_interval(),
    };
    while let Some(record) = transport.poll_frame_record() {
        diag.record(&Event::Frame(record, link));
    }
}
