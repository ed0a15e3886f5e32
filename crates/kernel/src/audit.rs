//! The audit hash chain (全过程留痕): every event carries the SM3 hash of the one before it,
//! so an event that is edited, removed or moved breaks the chain at that very place.
//!
//! The hash covers the sequence number, the time, the actor, the action, the subject and the
//! SM3 digest of the payload, each length-prefixed so that no two different events can
//! serialize alike.

use crate::crypto::sm3;

/// The previous-hash of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an event that its hash covers.
#[derive(Debug, Clone, Copy)]
pub struct EventFields<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub payload_digest: &'a str,
}

/// The SM3 digest (hex) of an event's payload (its canonical JSON text).
pub fn payload_digest(payload: &str) -> String {
    hex::encode(sm3(payload.as_bytes()))
}

/// The event's own hash (hex), chained to `prev_hash`.
pub fn event_hash(prev_hash: &str, e: &EventFields<'_>) -> String {
    let mut buf = Vec::with_capacity(256);
    let seq = e.seq.to_string();
    for field in [
        prev_hash,
        seq.as_str(),
        e.at,
        e.actor,
        e.action,
        e.subject,
        e.payload_digest,
    ] {
        buf.extend_from_slice(&(field.len() as u64).to_be_bytes());
        buf.extend_from_slice(field.as_bytes());
    }
    hex::encode(sm3(&buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(actor: &str) -> EventFields<'_> {
        EventFields {
            seq: 1,
            at: "2026-01-01T00:00:00.000000Z",
            actor,
            action: "a",
            subject: "s",
            payload_digest: "d",
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_change_the_hash() {
        let base = event_hash(GENESIS, &fields("x"));
        assert_eq!(base.len(), 64);
        assert_ne!(base, event_hash(GENESIS, &fields("y")));
        assert_ne!(base, event_hash(&base, &fields("x")));
        // Length prefixes: moving a boundary between fields changes the hash.
        let a = EventFields {
            actor: "ab",
            action: "c",
            ..fields("")
        };
        let b = EventFields {
            actor: "a",
            action: "bc",
            ..fields("")
        };
        assert_ne!(event_hash(GENESIS, &a), event_hash(GENESIS, &b));
    }
}
