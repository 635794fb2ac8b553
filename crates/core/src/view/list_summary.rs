//! The incident list as it was last shown, small enough for localStorage,
//! so a reload paints the rows before the log is read from IndexedDB
//! (issue 21 item 3). The log stays the truth: the fold replaces these rows
//! as soon as it is read, and a summary that does not decode is ignored.

use crate::comms::cadence::next_due;
use crate::incident::{Incident, Maintenance};
use crate::vocabulary::{IncidentId, Severity, Status};
use crate::workspace::Workspace;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Bumped when the shape changes: a summary of another version is ignored.
pub const VERSION: u32 = 1;
/// A stored summary longer than this is not parsed (localStorage is read
/// synchronously at start; a few hundred rows are far below it).
pub const MAX_LEN: usize = 256 * 1024;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListSummary {
    pub v: u32,
    /// The cadence policy's warning minutes, for the rows' due badges.
    pub warn_minutes: u32,
    /// Declared incidents in list order (open first, most severe on top).
    pub rows: Vec<SummaryRow>,
}

/// What one row of the list shows, already worked out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    pub id: IncidentId,
    pub number: Option<u64>,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    /// Present while the stream is a maintenance (not converted).
    pub maintenance: Option<Window>,
    /// The affected components' names, as the row shows them.
    pub components: String,
    pub started_at: i64,
    /// Edits this browser has not sent yet.
    pub pending: usize,
    /// When the next public update is due, when the summary was written.
    pub next_due: Option<i64>,
}

/// A maintenance window's times: what its state at a given time needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub starts_at: i64,
    pub ends_at: i64,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
}

impl Window {
    pub fn maintenance(&self) -> Maintenance {
        Maintenance {
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            components: Vec::new(),
            customer_notice: String::new(),
            started_at: self.started_at,
            completed_at: self.completed_at,
            converted_at: None,
        }
    }
}

impl ListSummary {
    /// The summary of `list` (declared incidents in list order) at `now`.
    pub fn of(list: &[Arc<Incident>], workspace: &Workspace, now: i64) -> ListSummary {
        let policy = &workspace.comms.cadence;
        let rows = list
            .iter()
            .map(|i| SummaryRow {
                id: i.id.clone(),
                number: i.number,
                title: i.title.clone(),
                severity: i.severity,
                status: i.status,
                maintenance: i
                    .maintenance
                    .as_ref()
                    .filter(|_| i.is_maintenance())
                    .map(|m| Window {
                        starts_at: m.starts_at,
                        ends_at: m.ends_at,
                        started_at: m.started_at,
                        completed_at: m.completed_at,
                    }),
                components: i
                    .components
                    .keys()
                    .map(|c| workspace.component_name(c))
                    .collect::<Vec<_>>()
                    .join(", "),
                started_at: i.started_at,
                pending: i.pending_entries(),
                next_due: next_due(i, policy, now),
            })
            .collect();
        ListSummary {
            v: VERSION,
            warn_minutes: policy.warn_minutes,
            rows,
        }
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The stored summary, or nothing when it is missing, too long, not
    /// JSON, of another version or of another shape.
    pub fn decode(text: &str) -> Option<ListSummary> {
        if text.len() > MAX_LEN {
            return None;
        }
        serde_json::from_str::<ListSummary>(text)
            .ok()
            .filter(|s| s.v == VERSION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::list_order;
    use crate::log::event::{Event, EventBody};

    const MIN: i64 = 60_000;

    fn declared(id: &str, title: &str, severity: Severity, at: i64) -> Arc<Incident> {
        let mut i = Incident::new(IncidentId(id.into()));
        i.apply(&Event::new(
            format!("{id}-d").as_str(),
            id,
            "cody",
            at,
            EventBody::Declared {
                title: title.into(),
                severity,
                summary: String::new(),
                started_at: at - 10 * MIN,
                detected_at: None,
            },
        ));
        Arc::new(i)
    }

    fn summary() -> ListSummary {
        let mut list = vec![
            declared("a", "Search latency high", Severity::Sev3, 1_000 * MIN),
            declared("b", "Checkout fails", Severity::Sev1, 1_000 * MIN),
        ];
        crate::ordering::sort_by(&mut list, |a, b| list_order(a, b));
        ListSummary::of(&list, &Workspace::default(), 1_005 * MIN)
    }

    #[test]
    fn keeps_what_the_rows_show_in_list_order() {
        let s = summary();
        let titles: Vec<&str> = s.rows.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(titles, ["Checkout fails", "Search latency high"]);
        let row = &s.rows[0];
        assert_eq!(row.severity, Severity::Sev1);
        assert_eq!(row.started_at, 990 * MIN);
        // Declared locally and not yet stored by a backend: one edit unsent.
        assert_eq!(row.pending, 1);
        assert!(row.next_due.is_some());
    }

    #[test]
    fn reads_back_what_it_wrote() {
        let s = summary();
        assert_eq!(ListSummary::decode(&s.encode()), Some(s));
    }

    #[test]
    fn ignores_a_summary_that_is_not_json_or_not_this_shape() {
        for bad in [
            "",
            "not json",
            "null",
            "[]",
            "{}",
            r#"{"v":1}"#,
            r#"{"v":1,"warn_minutes":5,"rows":[{"id":"a"}]}"#,
            r#"{"v":1,"warn_minutes":5,"rows":[{"id":"a","number":null,"title":"x","severity":"sev9","status":"investigating","maintenance":null,"components":"","started_at":0,"pending":0,"next_due":null}]}"#,
            r#"{"v":1,"warn_minutes":-5,"rows":[]}"#,
            r#"{"v":1,"warn_minutes":5,"rows":[]"#,
        ] {
            assert_eq!(ListSummary::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn ignores_another_version_and_an_oversized_one() {
        let mut s = summary();
        s.v = VERSION + 1;
        assert_eq!(ListSummary::decode(&s.encode()), None);
        let mut big = summary();
        big.rows[0].title = "x".repeat(MAX_LEN);
        assert_eq!(ListSummary::decode(&big.encode()), None);
        let empty = r#"{"v":1,"warn_minutes":5,"rows":[]}"#;
        assert!(ListSummary::decode(empty).is_some_and(|s| s.rows.is_empty()));
    }
}
