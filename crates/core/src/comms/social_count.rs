//! The length of a social post as X/Twitter counts it (twitter-text v3
//! weighting): most Latin text weighs 1, other characters (CJK, most
//! emoji) 2, an emoji sequence counts once, and every URL counts 23.

/// The platform's limit in weighted characters.
pub const LIMIT: usize = 280;
/// What every URL counts, however long (the t.co link it becomes).
pub const URL_LENGTH: usize = 23;

/// Code point ranges that weigh 1 in twitter-text's v3 configuration;
/// everything else weighs 2.
const LIGHT: [(u32, u32); 4] = [
    (0x0000, 0x10FF),
    (0x2000, 0x200D),
    (0x2010, 0x201F),
    (0x2032, 0x2037),
];

/// Top-level domains recognised in a bare `example.com` link. twitter-text
/// knows every TLD; these are the ones status posts actually use.
const TLDS: [&str; 24] = [
    "com", "net", "org", "io", "co", "dev", "app", "ai", "info", "biz", "me", "us", "uk", "de",
    "fr", "eu", "nl", "se", "ch", "ca", "au", "jp", "cloud", "status",
];

/// The weighted length of `text`.
pub fn count(text: &str) -> usize {
    let mut total = 0;
    let mut rest = text;
    let mut prev: Option<char> = None;
    while !rest.is_empty() {
        // A URL starts a word: twitter-text will not link `abc.com` in `xabc.com`.
        let starts_word = prev.is_none_or(|c| c.is_whitespace() || "([\"'".contains(c));
        if starts_word {
            if let Some(len) = url_at(rest) {
                total += URL_LENGTH;
                prev = rest[..len].chars().last();
                rest = &rest[len..];
                continue;
            }
        }
        if let Some(len) = emoji_at(rest) {
            total += 2;
            prev = rest[..len].chars().last();
            rest = &rest[len..];
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        total += weight(c);
        prev = Some(c);
        rest = &rest[c.len_utf8()..];
    }
    total
}

fn weight(c: char) -> usize {
    let cp = c as u32;
    if LIGHT.iter().any(|(lo, hi)| (*lo..=*hi).contains(&cp)) {
        1
    } else {
        2
    }
}

/// The byte length of a URL at the start of `s`, if one starts there.
fn url_at(s: &str) -> Option<usize> {
    let end = s
        .find(|c: char| c.is_whitespace() || "<>\"".contains(c))
        .unwrap_or(s.len());
    let word = &s[..end];
    // Trailing punctuation ends a sentence, not the URL.
    let word = word.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'', ']']);
    let lower = word.to_ascii_lowercase();
    let (scheme, rest) = if let Some(r) = lower.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (true, r)
    } else {
        (false, lower.as_str())
    };
    let host_end = rest.find(['/', '?', '#', ':']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    let labels: Vec<&str> = host.split('.').collect();
    let valid_labels = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !valid_labels {
        return None;
    }
    let tld = labels[labels.len() - 1];
    let known = TLDS.contains(&tld);
    // With a scheme any alphabetic TLD will do; a bare domain needs a known one.
    let plausible = tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic());
    if known || (scheme && plausible) {
        Some(word.len())
    } else {
        None
    }
}

fn pictographic(cp: u32) -> bool {
    matches!(cp,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2300..=0x23FF | 0x2B00..=0x2BFF
        | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x00A9 | 0x00AE
        | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x2194..=0x21AA)
}

fn regional(cp: u32) -> bool {
    (0x1F1E6..=0x1F1FF).contains(&cp)
}

/// The byte length of one emoji sequence at the start of `s` (a flag pair,
/// a keycap, or a pictograph with its modifiers and ZWJ joins).
fn emoji_at(s: &str) -> Option<usize> {
    let mut chars = s.char_indices().peekable();
    let (_, first) = chars.next()?;
    let cp = first as u32;
    // Keycap: 1️⃣ is a digit, VS16, then the combining keycap.
    if first.is_ascii_digit() || first == '#' || first == '*' {
        let tail: Vec<char> = s[first.len_utf8()..].chars().take(2).collect();
        return match tail.as_slice() {
            ['\u{FE0F}', '\u{20E3}', ..] => Some(first.len_utf8() + 3 + 3),
            ['\u{20E3}', ..] => Some(first.len_utf8() + 3),
            _ => None,
        };
    }
    if !pictographic(cp) {
        return None;
    }
    // Latin-range symbols (©, ®) are emoji only when asked to be.
    let needs_vs16 = cp < 0x2000 || (0x2000..0x2600).contains(&cp) && cp < 0x2300;
    let mut end = first.len_utf8();
    if regional(cp) {
        if let Some(&(i, c)) = chars.peek() {
            if regional(c as u32) {
                return Some(i + c.len_utf8());
            }
        }
        return Some(end);
    }
    let mut saw_vs16 = false;
    while let Some(&(i, c)) = chars.peek() {
        let x = c as u32;
        if x == 0xFE0F || (0x1F3FB..=0x1F3FF).contains(&x) || (0xE0020..=0xE007F).contains(&x) {
            saw_vs16 |= x == 0xFE0F;
            end = i + c.len_utf8();
            chars.next();
        } else if x == 0x200D {
            chars.next();
            match chars.peek() {
                Some(&(j, n)) if pictographic(n as u32) => {
                    end = j + n.len_utf8();
                    chars.next();
                }
                _ => break,
            }
        } else {
            break;
        }
    }
    if needs_vs16 && !saw_vs16 {
        return None;
    }
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_text_counts_one_per_character() {
        assert_eq!(count("Hello, world"), 12);
        assert_eq!(count("café – “ok”"), 11);
    }

    #[test]
    fn cjk_characters_count_two() {
        assert_eq!(count("障害"), 4);
        assert_eq!(count("ok 障害"), 7);
    }

    #[test]
    fn a_url_counts_twenty_three_whatever_its_length() {
        let long = format!("https://status.example.com/incidents/{}", "x".repeat(80));
        assert_eq!(count(&long), 23);
        assert_eq!(count("see http://a.co"), 4 + 23);
        assert_eq!(count("Details: status.example.com."), 9 + 23 + 1);
    }

    #[test]
    fn a_word_with_a_dot_that_is_no_domain_counts_as_text() {
        assert_eq!(count("v1.2"), 4);
        assert_eq!(count("file.txt"), 8);
        assert_eq!(count("xhttp://a.com"), 13);
    }

    #[test]
    fn an_emoji_sequence_counts_two_once() {
        assert_eq!(count("🔥"), 2);
        assert_eq!(count("👍🏽"), 2);
        assert_eq!(count("👩\u{200D}💻"), 2);
        assert_eq!(count("🇩🇪"), 2);
        assert_eq!(count("1\u{FE0F}\u{20E3}"), 2);
        assert_eq!(count("⚠\u{FE0F} down"), 2 + 5);
    }

    #[test]
    fn two_hundred_eighty_latin_characters_fit_and_one_more_does_not() {
        assert_eq!(count(&"a".repeat(280)), LIMIT);
        assert!(count(&"a".repeat(281)) > LIMIT);
        assert!(count(&"障".repeat(141)) > LIMIT);
    }
}
