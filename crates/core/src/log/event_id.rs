//! Event and incident ids: UUIDv7 strings, so ids made later sort later and
//! the server's primary key stays append-friendly. The browser supplies the
//! clock and the randomness; this module only lays out the bits.

/// Formats a UUIDv7 from a millisecond timestamp and 10 random bytes.
pub fn uuid_v7(unix_ms: u64, random: [u8; 10]) -> String {
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&unix_ms.to_be_bytes()[2..]);
    b[6..].copy_from_slice(&random);
    b[6] = 0x70 | (b[6] & 0x0f); // version 7
    b[8] = 0x80 | (b[8] & 0x3f); // RFC 4122 variant
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v7_id_carries_version_variant_and_time() {
        let id = uuid_v7(0x0190_0000_0001, [0xff; 10]);
        assert_eq!(id, "01900000-0001-7fff-bfff-ffffffffffff");
    }

    #[test]
    fn later_ids_sort_later() {
        assert!(uuid_v7(1000, [0xff; 10]) < uuid_v7(1001, [0; 10]));
    }
}
