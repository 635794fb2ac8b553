//! Words the pages print: counts ("1 entry", "2 entries", written once so
//! no page says "1 entries") and labels shortened to fit a fixed space.

/// `n` followed by the noun's singular for exactly one, its plural otherwise.
pub fn count(n: usize, one: &str, many: &str) -> String {
    let noun = if n == 1 { one } else { many };
    format!("{n} {noun}")
}

/// `text` in at most `max` characters: whole when it fits, else its start
/// and an ellipsis (never cut at the front, where the name begins).
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", head.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "entry", "entries"), "1 entry");
        assert_eq!(count(0, "entry", "entries"), "0 entries");
        assert_eq!(count(2, "entry", "entries"), "2 entries");
        assert_eq!(count(10_000, "entry", "entries"), "10000 entries");
    }

    #[test]
    fn a_label_that_fits_is_whole_and_a_longer_one_keeps_its_start() {
        assert_eq!(shorten("Payments API", 20), "Payments API");
        assert_eq!(
            shorten("Payments / Payments API", 20),
            "Payments / Payments…"
        );
        assert_eq!(
            shorten("Payments / Payments API", 23),
            "Payments / Payments API"
        );
        // No space before the ellipsis, and characters beyond ASCII count as one.
        assert_eq!(shorten("Zürich edge nodes", 8), "Zürich…");
    }
}
