//! The client's connection figures: datagrams and bytes each way,
//! datagrams dropped, and a recent loss estimate for the server-to-client
//! direction (from the gaps in the server's sequence numbers over the
//! last [`LOSS_WINDOW`] datagrams it sent).

/// Datagrams from the server per loss estimate.
pub(crate) const LOSS_WINDOW: u64 = 64;

/// Counters kept where datagrams are sent and received.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct ConnectionStats {
    /// Datagrams sent.
    pub datagrams_sent: u64,
    /// UDP payload bytes sent.
    pub bytes_sent: u64,
    /// Authentic datagrams received.
    pub datagrams_received: u64,
    /// UDP payload bytes of those.
    pub bytes_received: u64,
    /// Datagrams dropped (failed decryption, malformed, wrong direction…).
    pub dropped: u64,
    /// Fraction (0..=1) of the server's datagrams lost in the last
    /// complete window; `None` until one is complete.
    pub recent_loss: Option<f64>,
    window_start_peer_sent: u64,
    window_start_received: u64,
}

impl ConnectionStats {
    /// Counts a datagram of `len` bytes sent.
    pub fn sent(&mut self, len: usize) {
        self.datagrams_sent = self.datagrams_sent.saturating_add(1);
        self.bytes_sent = self.bytes_sent.saturating_add(len as u64);
    }

    /// Counts an authentic datagram of `len` bytes received; `peer_sent`
    /// is how many datagrams the peer has sent as far as its sequence
    /// numbers tell.
    pub fn received(&mut self, len: usize, peer_sent: u64) {
        self.datagrams_received = self.datagrams_received.saturating_add(1);
        self.bytes_received = self.bytes_received.saturating_add(len as u64);
        let span = peer_sent.saturating_sub(self.window_start_peer_sent);
        if span >= LOSS_WINDOW {
            let got = self
                .datagrams_received
                .saturating_sub(self.window_start_received);
            let lost = span.saturating_sub(got);
            self.recent_loss = Some(lost as f64 / span as f64);
            self.window_start_peer_sent = peer_sent;
            self.window_start_received = self.datagrams_received;
        }
    }

    /// Counts a datagram that was dropped.
    pub fn dropped(&mut self) {
        self.dropped = self.dropped.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_way() {
        let mut s = ConnectionStats::default();
        s.sent(100);
        s.sent(50);
        s.received(70, 1);
        s.dropped();
        assert_eq!((s.datagrams_sent, s.bytes_sent), (2, 150));
        assert_eq!((s.datagrams_received, s.bytes_received), (1, 70));
        assert_eq!(s.dropped, 1);
        assert_eq!(s.recent_loss, None, "no complete window yet");
    }

    #[test]
    fn loss_follows_the_gaps_in_the_peers_sequence() {
        let mut s = ConnectionStats::default();
        // Every datagram of the first window arrives.
        for seq in 1..=LOSS_WINDOW {
            s.received(10, seq);
        }
        assert_eq!(s.recent_loss, Some(0.0));
        // Then only every fourth one.
        for seq in (LOSS_WINDOW + 1..=2 * LOSS_WINDOW).filter(|n| n % 4 == 0) {
            s.received(10, seq);
        }
        let loss = s.recent_loss.unwrap();
        assert!((loss - 0.75).abs() < 0.02, "{loss}");
        // Duplicates never make the loss negative.
        for _ in 0..200 {
            s.received(10, 2 * LOSS_WINDOW + 1);
        }
        s.received(10, 3 * LOSS_WINDOW);
        assert_eq!(s.recent_loss, Some(0.0));
    }
}
