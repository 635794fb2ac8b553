//! Every webhook we send is signed so its receiver can tell it came from
//! us and was not replayed later:
//!
//! - `Sitrep-Timestamp`: the send time, seconds since the epoch (UTC);
//! - `Sitrep-Signature`: `v1=` and the lower-case hex HMAC-SHA256, keyed
//!   with the hook's secret, of the timestamp, a `.`, and the raw body bytes;
//! - `Sitrep-Delivery`: the delivery's id, the same on every attempt, so a
//!   receiver that saw it already can ignore a repeat.
//!
//! A receiver recomputes the HMAC over `{timestamp}.{body}` and compares in
//! constant time, and refuses a timestamp more than five minutes from its
//! clock (docs/webhooks.md has a worked example). The HMAC itself is the
//! server's (it has the crypto crates); the base string is decided here so
//! the documentation, the sender and the tests agree on it.

pub const TIMESTAMP_HEADER: &str = "Sitrep-Timestamp";
pub const SIGNATURE_HEADER: &str = "Sitrep-Signature";
pub const DELIVERY_HEADER: &str = "Sitrep-Delivery";
pub const EVENT_HEADER: &str = "Sitrep-Event";
/// How far a receiver should let the timestamp stray from its clock.
pub const TOLERANCE_SECS: i64 = 300;
/// Bytes of randomness in a generated secret.
pub const SECRET_BYTES: usize = 32;
/// Prefix of a generated secret, so one found in a log is recognisable.
pub const SECRET_PREFIX: &str = "whsec_";

/// The bytes the HMAC covers: `{timestamp}.{body}`.
pub fn base_string(timestamp_secs: i64, body: &[u8]) -> Vec<u8> {
    let mut out = format!("{timestamp_secs}.").into_bytes();
    out.extend_from_slice(body);
    out
}

/// The `Sitrep-Signature` value for a MAC.
pub fn signature_value(mac: &[u8]) -> String {
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

/// Whether a timestamp is fresh enough to accept, as a receiver checks.
pub fn fresh(timestamp_secs: i64, now_secs: i64) -> bool {
    (now_secs - timestamp_secs).abs() <= TOLERANCE_SECS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_string_is_the_timestamp_a_dot_and_the_raw_body() {
        assert_eq!(
            base_string(1_795_965_450, b"{\"a\":1}"),
            b"1795965450.{\"a\":1}"
        );
    }

    #[test]
    fn the_signature_is_versioned_lower_case_hex() {
        assert_eq!(signature_value(&[0x0f, 0xa0, 0xff]), "v1=0fa0ff");
    }

    #[test]
    fn a_timestamp_five_minutes_off_is_the_limit() {
        assert!(fresh(1000, 1300));
        assert!(!fresh(1000, 1301));
        assert!(!fresh(1301, 1000));
    }
}
