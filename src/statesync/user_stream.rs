//! The client-to-server state: everything the user did, in order — bytes
//! typed or pasted and window resizes (and, first, a mosh-rs client's
//! features, for a mosh-rs server only). The diff between two states is a
//! `UserMessage` with the events the newer one has after the older one.
//!
//! Events are stored merged (adjacent keystrokes share one buffer), and
//! positions are counted in actions: one per byte typed, one per resize,
//! as upstream counts them.

use crate::transport::SyncState;
use crate::wire::{decode_user_message, encode_user_message, PeerFeatures, UserEvent, WireError};

/// An append-only stream of user events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserStream {
    /// Canonical: no empty keystroke, never two keystrokes in a row.
    events: Vec<UserEvent>,
    /// Number of actions (bytes + resizes) held.
    actions: usize,
}

impl UserStream {
    /// An empty stream.
    pub fn new() -> UserStream {
        UserStream::default()
    }

    /// Appends typed bytes.
    pub fn push_keys(&mut self, keys: &[u8]) {
        if keys.is_empty() {
            return;
        }
        self.actions += keys.len();
        if let Some(UserEvent::Keystroke(last)) = self.events.last_mut() {
            last.extend_from_slice(keys);
        } else {
            self.events.push(UserEvent::Keystroke(keys.to_vec()));
        }
    }

    /// Appends a window resize.
    pub fn push_resize(&mut self, width: i32, height: i32) {
        self.actions += 1;
        self.events.push(UserEvent::Resize { width, height });
    }

    /// Appends the client's features (sent once, first, to a mosh-rs
    /// server only).
    pub fn push_features(&mut self, features: PeerFeatures) {
        self.actions += 1;
        self.events.push(UserEvent::Features(features));
    }

    /// Appends one event.
    pub fn push(&mut self, event: &UserEvent) {
        match event {
            UserEvent::Keystroke(keys) => self.push_keys(keys),
            UserEvent::Resize { width, height } => self.push_resize(*width, *height),
            UserEvent::Features(features) => self.push_features(*features),
        }
    }

    /// How many actions (bytes and resizes) the stream holds.
    pub fn len(&self) -> usize {
        self.actions
    }

    /// Whether the stream holds nothing.
    pub fn is_empty(&self) -> bool {
        self.actions == 0
    }

    /// The events held, merged.
    pub fn events(&self) -> &[UserEvent] {
        &self.events
    }

    /// The events this stream has after `older`, an earlier state of it.
    pub(crate) fn events_after(&self, older: &UserStream) -> Vec<UserEvent> {
        self.events_after_count(older.actions)
    }

    fn events_after_count(&self, mut skip: usize) -> Vec<UserEvent> {
        let mut out = Vec::new();
        for event in &self.events {
            let weight = event_actions(event);
            if skip >= weight {
                skip -= weight;
                continue;
            }
            match event {
                UserEvent::Keystroke(keys) => out.push(UserEvent::Keystroke(
                    keys.get(skip..).unwrap_or_default().to_vec(),
                )),
                UserEvent::Resize { .. } | UserEvent::Features(_) => out.push(event.clone()),
            }
            skip = 0;
        }
        out
    }

    /// Drops the first `count` actions.
    fn drop_front(&mut self, count: usize) {
        let remaining = self.events_after_count(count);
        self.actions = self.actions.saturating_sub(count);
        self.events = remaining;
    }
}

fn event_actions(event: &UserEvent) -> usize {
    match event {
        UserEvent::Keystroke(keys) => keys.len(),
        UserEvent::Resize { .. } | UserEvent::Features(_) => 1,
    }
}

impl SyncState for UserStream {
    fn diff_from(&self, existing: &Self) -> Vec<u8> {
        encode_user_message(&self.events_after(existing))
    }

    fn apply_diff(&mut self, diff: &[u8]) -> Result<(), WireError> {
        for event in decode_user_message(diff)? {
            self.push(&event);
        }
        Ok(())
    }

    fn subtract(&mut self, prefix: &Self) {
        self.drop_front(prefix.actions);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(parts: &[UserEvent]) -> UserStream {
        let mut s = UserStream::new();
        for p in parts {
            s.push(p);
        }
        s
    }

    fn keys(k: &str) -> UserEvent {
        UserEvent::Keystroke(k.as_bytes().to_vec())
    }

    #[test]
    fn adjacent_keystrokes_merge_and_count_per_byte() {
        let s = stream(&[
            keys("ab"),
            keys("c"),
            UserEvent::Resize {
                width: 80,
                height: 24,
            },
            keys("d"),
        ]);
        assert_eq!(s.len(), 5);
        assert_eq!(
            s.events(),
            &[
                keys("abc"),
                UserEvent::Resize {
                    width: 80,
                    height: 24
                },
                keys("d")
            ]
        );
        assert_eq!(
            stream(&[keys("abc")]),
            stream(&[keys("a"), keys(""), keys("bc")])
        );
    }

    #[test]
    fn diff_carries_exactly_the_new_events_even_mid_keystroke() {
        let old = stream(&[keys("ls -")]);
        let mut new = old.clone();
        new.push_keys(b"l\r");
        new.push_resize(100, 30);
        let diff = new.diff_from(&old);
        assert_eq!(
            decode_user_message(&diff).unwrap(),
            vec![
                keys("l\r"),
                UserEvent::Resize {
                    width: 100,
                    height: 30
                }
            ]
        );
        let mut replica = old.clone();
        replica.apply_diff(&diff).unwrap();
        assert_eq!(replica, new);
        assert!(new.diff_from(&new).is_empty());
    }

    #[test]
    fn subtract_keeps_later_diffs_identical() {
        let a = stream(&[keys("hello")]);
        let mut b = a.clone();
        b.push_resize(1, 2);
        b.push_keys(b"world");
        let mut c = b.clone();
        c.push_keys(b"!");
        let before = c.diff_from(&b);
        let prefix = stream(&[keys("hel")]);
        let (mut b2, mut c2) = (b.clone(), c.clone());
        b2.subtract(&prefix);
        c2.subtract(&prefix);
        assert_eq!(c2.diff_from(&b2), before);
        assert_eq!(c2.events()[0], keys("lo"));
        let mut same = c.clone();
        same.subtract(&c);
        assert!(same.is_empty());
    }

    #[test]
    fn garbage_diffs_are_errors_not_panics() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut s = UserStream::new();
        for len in 0..2000usize {
            let mut bytes = Vec::with_capacity(len % 64);
            for _ in 0..len % 64 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                bytes.push(seed as u8);
            }
            let _ = s.apply_diff(&bytes);
        }
        assert!(s.len() < 2000 * 64);
    }
}
