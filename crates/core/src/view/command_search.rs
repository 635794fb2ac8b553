//! The command palette's search: which commands match what was typed, and
//! in what order (whole-label prefix, then word starts, then anywhere).

/// How well `label` matches `query`; lower is better, `None` is no match.
/// Every whitespace-separated word of the query must occur in the label,
/// ignoring case. An empty query matches everything equally.
pub fn score(query: &str, label: &str) -> Option<u32> {
    let label = label.to_lowercase();
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return Some(0);
    }
    let mut total = 0;
    for word in query.split_whitespace() {
        let at = label.find(word)?;
        let starts_word = at == 0
            || label[..at]
                .chars()
                .next_back()
                .is_some_and(|c| !c.is_alphanumeric());
        total += if at == 0 {
            0
        } else if starts_word {
            1
        } else {
            3
        };
    }
    Some(total)
}

/// The items whose label matches, best first; ties keep their given order.
pub fn filter<T>(query: &str, items: Vec<T>, label: impl Fn(&T) -> &str) -> Vec<T> {
    let mut scored: Vec<(u32, usize, T)> = items
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| score(query, label(&item)).map(|s| (s, i, item)))
        .collect();
    crate::ordering::sort_by_key(&mut scored, |(s, i, _)| (*s, *i));
    scored.into_iter().map(|(_, _, item)| item).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_must_occur_ignoring_case() {
        assert!(score("CHECK eu", "Open: Checkout fails for EU customers").is_some());
        assert!(score("checkout asia", "Open: Checkout fails for EU customers").is_none());
    }

    #[test]
    fn an_empty_query_keeps_every_item_in_order() {
        let items = vec!["Declare an incident", "Go to incidents", "Open settings"];
        assert_eq!(filter("  ", items.clone(), |s| s), items);
    }

    #[test]
    fn a_prefix_beats_a_word_start_which_beats_the_middle_of_a_word() {
        let items = vec![
            "Open: Checkout fails",
            "Open: Outage in EU",
            "Outbox settings",
            "Go to incidents",
        ];
        assert_eq!(
            filter("out", items, |s| s),
            [
                "Outbox settings",
                "Open: Outage in EU",
                "Open: Checkout fails"
            ]
        );
    }
}
