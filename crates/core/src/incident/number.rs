//! Incident numbers: the short `INC-42` the backend gives an incident when
//! its declaration is first stored, as people write it (in the palette, the
//! list's search, the `/i/42` address) and as the console shows it.

use crate::incident::Incident;

/// What every number is written after.
pub const PREFIX: &str = "INC-";

/// What the console shows before the backend has answered: an incident
/// declared offline has no number yet.
pub const PENDING: &str = "number pending";

/// `INC-42`.
pub fn label(number: u64) -> String {
    format!("{PREFIX}{number}")
}

/// The label, or "number pending" while the declaration is unconfirmed.
pub fn shown(number: Option<u64>) -> String {
    number.map_or_else(|| PENDING.to_string(), label)
}

/// The number someone typed: `42`, `INC-42`, `inc 42`, `inc42`, `#42`
/// (surrounding space ignored). Numbers start at 1; anything else, a
/// number with other text around it included, is not one.
pub fn parse(text: &str) -> Option<u64> {
    let t = text.trim();
    let t = t.strip_prefix('#').unwrap_or(t);
    let digits = match t.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("inc") => {
            let rest = &t[3..];
            rest.strip_prefix(['-', ' ']).unwrap_or(rest)
        }
        _ => t,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// The incident with this number, if this replica has heard of it.
pub fn find<'a>(
    incidents: impl IntoIterator<Item = &'a Incident>,
    number: u64,
) -> Option<&'a Incident> {
    incidents.into_iter().find(|i| i.number == Some(number))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::event::{Event, EventBody};
    use crate::vocabulary::Severity;

    fn declared(id: &str, number: Option<u64>) -> Incident {
        let mut ev = Event::new(
            format!("d-{id}"),
            id,
            "ana",
            1_000,
            EventBody::Declared {
                title: format!("Outage {id}"),
                severity: Severity::Sev2,
                summary: String::new(),
                started_at: 900,
                detected_at: None,
            },
        );
        if let Some(n) = number {
            ev = ev.stored(n + 10, 1_001);
            ev.number = Some(n);
        }
        let mut i = Incident::new(id.into());
        i.apply(&ev);
        i
    }

    #[test]
    fn a_number_is_written_with_its_prefix_and_pending_without_one() {
        assert_eq!(label(42), "INC-42");
        assert_eq!(shown(Some(7)), "INC-7");
        assert_eq!(shown(None), "number pending");
    }

    #[test]
    fn people_write_a_number_several_ways() {
        for typed in [
            "42", " 42 ", "INC-42", "inc-42", "Inc 42", "inc42", "#42", "#INC-42",
        ] {
            assert_eq!(parse(typed), Some(42), "{typed:?}");
        }
    }

    #[test]
    fn other_text_zero_and_overflow_are_not_numbers() {
        for typed in [
            "",
            "INC-",
            "INC--42",
            "42a",
            "4 2",
            "INC-42x",
            "checkout",
            "0",
            "INC-0",
            "-42",
            "99999999999999999999999",
        ] {
            assert_eq!(parse(typed), None, "{typed:?}");
        }
    }

    #[test]
    fn the_fold_takes_the_number_from_the_confirmed_declaration() {
        assert_eq!(declared("a", Some(42)).number, Some(42));
        assert_eq!(declared("b", None).number, None);
    }

    #[test]
    fn a_later_declaration_does_not_renumber_the_incident() {
        let mut i = declared("a", Some(3));
        let mut again = Event::new(
            "d-again",
            "a",
            "bo",
            2_000,
            EventBody::Declared {
                title: "Outage a".into(),
                severity: Severity::Sev1,
                summary: String::new(),
                started_at: 900,
                detected_at: None,
            },
        )
        .stored(99, 2_001);
        again.number = Some(9);
        i.apply(&again);
        assert_eq!(i.number, Some(3));
    }

    #[test]
    fn find_looks_up_by_number_and_search_matches_it() {
        let list = [
            declared("a", Some(41)),
            declared("b", Some(42)),
            declared("c", None),
        ];
        assert_eq!(find(&list, 42).map(|i| i.id.0.as_ref()), Some("b"));
        assert!(find(&list, 43).is_none());
        assert!(list[1].mentions("inc-42"));
        assert!(list[1].mentions("42"));
        assert!(!list[0].mentions("42"));
        assert!(!list[2].mentions("42"));
    }
}
