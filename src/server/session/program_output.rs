//! The way from the program's pty output to the emulator, through the
//! two places it may wait: an update the program holds open
//! (synchronized output, so no state shows part of it), then a flood's
//! batch (so the flood skipper can jump over what scrollback would drop).
//! Output leaves both in the order it was written.

use super::output_batch::OutputBatch;
use super::synchronized_output::SynchronizedOutput;
use crate::statesync::HostState;
use crate::transport::Millis;

/// The program's output not yet given to the emulator.
#[derive(Debug, Default)]
pub(super) struct ProgramOutput {
    synchronized: SynchronizedOutput,
    batch: OutputBatch,
}

impl ProgramOutput {
    /// Takes in one read from the pty; what may be shown now reaches
    /// `state`, and its answers to the program go to `replies`.
    pub(super) fn pass<S: HostState>(
        &mut self,
        bytes: &[u8],
        now: Millis,
        state: &mut S,
        replies: &mut Vec<u8>,
    ) {
        let batch = &mut self.batch;
        self.synchronized
            .pass(bytes, now, |shown| route(batch, shown, now, state, replies));
        self.feed_batch_if_ready(now, state, replies);
    }

    /// Lets out what has waited long enough.
    pub(super) fn release_due<S: HostState>(
        &mut self,
        now: Millis,
        state: &mut S,
        replies: &mut Vec<u8>,
    ) {
        let batch = &mut self.batch;
        self.synchronized
            .release_if_due(now, |shown| route(batch, shown, now, state, replies));
        self.feed_batch_if_ready(now, state, replies);
    }

    /// Feeds the flood's batch once it is full or has waited its frame.
    fn feed_batch_if_ready<S: HostState>(
        &mut self,
        now: Millis,
        state: &mut S,
        replies: &mut Vec<u8>,
    ) {
        if self.batch.ready(now) {
            feed_batch(&mut self.batch, state, replies);
        }
    }

    /// When something held must be let out, if anything is held.
    pub(super) fn deadline(&self) -> Option<Millis> {
        match (self.synchronized.deadline(), self.batch.due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Lets everything out (the program has ended).
    pub(super) fn flush<S: HostState>(
        &mut self,
        now: Millis,
        state: &mut S,
        replies: &mut Vec<u8>,
    ) {
        let batch = &mut self.batch;
        self.synchronized
            .release(&mut |shown| route(batch, shown, now, state, replies));
        feed_batch(&mut self.batch, state, replies);
    }
}

/// Output that may be shown: into the flood's batch when one is open or
/// this starts one, else straight to the emulator.
fn route<S: HostState>(
    batch: &mut OutputBatch,
    bytes: &[u8],
    now: Millis,
    state: &mut S,
    replies: &mut Vec<u8>,
) {
    if batch.takes(bytes.len()) {
        batch.hold(bytes, now);
        state.set_output_held(true);
    } else {
        state.host_output(bytes, replies);
    }
}

fn feed_batch<S: HostState>(batch: &mut OutputBatch, state: &mut S, replies: &mut Vec<u8>) {
    batch.feed_with(|bytes| state.host_output(bytes, replies));
    state.set_output_held(false);
}
