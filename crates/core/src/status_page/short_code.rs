//! The short, stable code in each public incident's address
//! (`/status/incidents/k3m9x2qd`). Incident ids are made by clients and are
//! long; the code is derived from the id alone, so a link in an email or a
//! post stays right for as long as the page exists, and it says nothing
//! about how many incidents there were.
//!
//! Eight characters of a 64-bit FNV-1a hash in a lower-case alphabet without
//! look-alikes (no 0/o, 1/l/i). Should two incidents ever share a code, the
//! one published first keeps it and the other takes longer prefixes, then a
//! numbered suffix: the earlier link never changes meaning.

use std::collections::{BTreeMap, BTreeSet};

const ALPHABET: &[u8; 31] = b"23456789abcdefghjkmnpqrstuvwxyz";
const LEN: usize = 8;

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The full 13-character code of an id; the page uses its first 8.
fn full(id: &str) -> String {
    let mut h = fnv1a(id.as_bytes());
    let mut out = String::with_capacity(13);
    for _ in 0..13 {
        out.push(ALPHABET[(h % 31) as usize] as char);
        h /= 31;
    }
    out
}

/// Codes for incidents given in the order they were first published.
pub fn assign<'a>(
    ids_in_publication_order: impl IntoIterator<Item = &'a str>,
) -> BTreeMap<String, String> {
    assign_by(ids_in_publication_order, full)
}

fn assign_by<'a>(
    ids_in_publication_order: impl IntoIterator<Item = &'a str>,
    full: impl Fn(&str) -> String,
) -> BTreeMap<String, String> {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut out = BTreeMap::new();
    for id in ids_in_publication_order {
        if out.contains_key(id) {
            continue;
        }
        let f = full(id);
        let mut code = None;
        for len in LEN..=f.len() {
            if !taken.contains(&f[..len]) {
                code = Some(f[..len].to_string());
                break;
            }
        }
        let code = code.unwrap_or_else(|| {
            (2..)
                .map(|n| format!("{f}-{n}"))
                .find(|c| !taken.contains(c))
                .unwrap_or_default()
        });
        taken.insert(code.clone());
        out.insert(id.to_string(), code);
    }
    out
}

/// Whether text could be a code at all (before looking it up): refuses
/// anything long or odd without touching the page.
pub fn plausible(code: &str) -> bool {
    (LEN..=20).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_short_stable_and_readable() {
        let a = assign(["01937a2b-7c1d-7e4f-9a00-000000000001"]);
        let code = &a["01937a2b-7c1d-7e4f-9a00-000000000001"];
        assert_eq!(code.len(), 8);
        assert!(plausible(code));
        assert!(!code.contains(['0', 'o', '1', 'l', 'i']), "{code}");
        // The same id gives the same code whatever else is published.
        let b = assign(["other", "01937a2b-7c1d-7e4f-9a00-000000000001", "x"]);
        assert_eq!(&b["01937a2b-7c1d-7e4f-9a00-000000000001"], code);
    }

    #[test]
    fn different_ids_get_different_codes() {
        let ids: Vec<String> = (0..5000).map(|i| format!("inc-{i}")).collect();
        let codes = assign(ids.iter().map(String::as_str));
        let distinct: BTreeSet<&String> = codes.values().collect();
        assert_eq!(distinct.len(), 5000);
    }

    #[test]
    fn on_a_collision_the_first_published_keeps_its_code() {
        // Real collisions are rare; a hash that maps every id alike makes them.
        let same = |_: &str| "abcdefghjkmnp".to_string();
        let codes = assign_by(["first", "second", "third"], same);
        assert_eq!(codes["first"], "abcdefgh");
        assert_eq!(codes["second"], "abcdefghj");
        assert_eq!(codes["third"], "abcdefghjk");
        let many: Vec<String> = (0..8).map(|i| format!("i{i}")).collect();
        let codes = assign_by(many.iter().map(String::as_str), same);
        assert_eq!(codes["i6"], "abcdefghjkmnp-2");
        assert_eq!(codes["i7"], "abcdefghjkmnp-3");
        // A second mention of an id is the same incident.
        assert_eq!(assign(["a", "a"]).len(), 1);
    }

    #[test]
    fn implausible_codes_are_refused_before_any_lookup() {
        for bad in ["", "abc", "ABCDEFGH", "abcd/efgh", &"a".repeat(21)] {
            assert!(!plausible(bad), "{bad}");
        }
    }
}
