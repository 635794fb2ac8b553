//! Readable ids for things people name (components, custom roles): a slug
//! of the name, made unique among the ids already taken.

use crate::log::limits::MAX_ID_BYTES;

/// Lowercase ASCII letters and digits, runs of anything else as one `-`.
/// Empty when the name has no ASCII letter or digit.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    // Leaves room for a "-N" suffix within the id limit.
    out.truncate(MAX_ID_BYTES - 8);
    out.trim_end_matches('-').to_string()
}

/// The slug of `name` (or `fallback` when it has none), with `-2`, `-3`…
/// appended until `taken` says no. Two people who name the same thing
/// offline get the same id, so their definitions merge into one.
pub fn unique(name: &str, fallback: &str, taken: impl Fn(&str) -> bool) -> String {
    let base = match slug(name) {
        s if s.is_empty() => fallback.to_string(),
        s => s,
    };
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        .unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_keeps_letters_and_digits_and_joins_the_rest_with_dashes() {
        assert_eq!(slug("Payments API"), "payments-api");
        assert_eq!(slug("  EU / West-1  "), "eu-west-1");
        assert_eq!(
            slug("<img src=x onerror=alert(1)>"),
            "img-src-x-onerror-alert-1"
        );
        assert_eq!(slug("数据库"), "");
    }

    #[test]
    fn a_long_name_gives_an_id_within_the_limit_even_with_a_suffix() {
        let id = unique(&"a".repeat(500), "c", |id| id.len() < 60);
        assert!(id.len() <= MAX_ID_BYTES, "{}", id.len());
    }

    #[test]
    fn a_taken_slug_gets_the_next_free_number() {
        let taken = ["api", "api-2"];
        assert_eq!(
            unique("API", "component", |id| taken.contains(&id)),
            "api-3"
        );
        assert_eq!(unique("Web", "component", |id| taken.contains(&id)), "web");
    }

    #[test]
    fn a_name_without_ascii_letters_uses_the_fallback() {
        assert_eq!(unique("数据库", "component", |_| false), "component");
        assert_eq!(
            unique("数据库", "component", |id| id == "component"),
            "component-2"
        );
    }
}
