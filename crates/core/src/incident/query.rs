//! What the incident list shows: filters by status, severity and component,
//! a text search over titles and notes, and the sort order.

use crate::incident::{list_order, Incident};
use crate::vocabulary::{ComponentId, Severity, Status};
use crate::workspace::Workspace;
use std::borrow::Borrow;
use std::cmp::Ordering;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub status: StatusFilter,
    pub severity: Option<Severity>,
    pub component: Option<ComponentId>,
    /// Matched case-insensitively against titles, summaries and notes.
    pub text: String,
    pub sort: Sort,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusFilter {
    #[default]
    Any,
    Open,
    Is(Status),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Open first, then the most severe, then the newest.
    #[default]
    Triage,
    Newest,
    Oldest,
    RecentlyUpdated,
}

impl StatusFilter {
    pub fn wire(self) -> &'static str {
        match self {
            StatusFilter::Any => "any",
            StatusFilter::Open => "open",
            StatusFilter::Is(s) => s.wire(),
        }
    }

    pub fn from_wire(s: &str) -> StatusFilter {
        match s {
            "open" => StatusFilter::Open,
            other => Status::from_wire(other).map_or(StatusFilter::Any, StatusFilter::Is),
        }
    }
}

impl Sort {
    pub const ALL: [Sort; 4] = [
        Sort::Triage,
        Sort::Newest,
        Sort::Oldest,
        Sort::RecentlyUpdated,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Sort::Triage => "Open first, most severe",
            Sort::Newest => "Newest first",
            Sort::Oldest => "Oldest first",
            Sort::RecentlyUpdated => "Recently updated",
        }
    }

    pub fn wire(self) -> &'static str {
        match self {
            Sort::Triage => "triage",
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::RecentlyUpdated => "updated",
        }
    }

    pub fn from_wire(s: &str) -> Sort {
        Sort::ALL
            .into_iter()
            .find(|o| o.wire() == s)
            .unwrap_or_default()
    }
}

/// How a search lowercases text: `str::to_lowercase` here and on the
/// server. The console passes the browser's own (`toLowerCase`): Rust's
/// case tables (about 16 KiB) would otherwise be in its first load, only
/// for the list's search box.
pub type Lower = fn(&str) -> String;

impl Query {
    pub fn matches(&self, i: &Incident) -> bool {
        self.matches_lowering(i, str::to_lowercase)
    }

    /// `matches`, lowercasing with `lower`.
    pub fn matches_lowering(&self, i: &Incident, lower: Lower) -> bool {
        let status = match self.status {
            StatusFilter::Any => true,
            StatusFilter::Open => i.status.is_open(),
            StatusFilter::Is(s) => i.status == s,
        };
        status
            && self.severity.is_none_or(|s| i.severity == s)
            && self
                .component
                .as_ref()
                .is_none_or(|c| i.components.contains_key(c))
            && i.mentions_lowering(&lower(self.text.trim()), lower)
    }

    pub fn compare(&self, a: &Incident, b: &Incident) -> Ordering {
        match self.sort {
            Sort::Triage => list_order(a, b),
            Sort::Newest => b.declared_at.cmp(&a.declared_at),
            Sort::Oldest => a.declared_at.cmp(&b.declared_at),
            Sort::RecentlyUpdated => b.updated_at.cmp(&a.updated_at),
        }
        .then_with(|| a.id.cmp(&b.id))
    }

    /// The query as URL query pairs; defaults are left out so the plain
    /// list has a plain URL.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.status != StatusFilter::Any {
            out.push(("status", self.status.wire().to_string()));
        }
        if let Some(s) = self.severity {
            out.push(("severity", s.wire().to_string()));
        }
        if let Some(c) = &self.component {
            out.push(("component", c.0.to_string()));
        }
        if !self.text.trim().is_empty() {
            out.push(("q", self.text.clone()));
        }
        if self.sort != Sort::Triage {
            out.push(("sort", self.sort.wire().to_string()));
        }
        out
    }

    /// Reads a query back from URL query pairs; a value it does not know
    /// (a hand-edited or old link) falls back to the default for that field.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Query {
        Query {
            status: get("status")
                .map_or_else(StatusFilter::default, |s| StatusFilter::from_wire(&s)),
            severity: get("severity").and_then(|s| Severity::from_wire(&s)),
            component: get("component")
                .filter(|c| !c.is_empty())
                .map(|c| ComponentId(c.into())),
            text: get("q").unwrap_or_default(),
            sort: get("sort").map_or_else(Sort::default, |s| Sort::from_wire(&s)),
        }
    }

    /// Each filter in force, in words, to say what hides incidents when
    /// nothing matches.
    pub fn filters_in_words(&self, workspace: &Workspace) -> Vec<String> {
        let mut out = Vec::new();
        match self.status {
            StatusFilter::Any => {}
            StatusFilter::Open => out.push("status: open".to_string()),
            StatusFilter::Is(s) => out.push(format!("status: {}", s.label())),
        }
        if let Some(s) = self.severity {
            out.push(format!("severity: {}", s.label()));
        }
        if let Some(c) = &self.component {
            out.push(format!("component: {}", workspace.component_name(c)));
        }
        if !self.text.trim().is_empty() {
            out.push(format!("search: \u{201c}{}\u{201d}", self.text.trim()));
        }
        out
    }

    /// The incidents this query shows, in its order. Takes incidents or
    /// anything holding one (the console shares them in `Arc`s).
    pub fn apply<'a, I: Borrow<Incident>>(
        &self,
        all: impl IntoIterator<Item = &'a I>,
    ) -> Vec<&'a I> {
        self.apply_lowering(all, str::to_lowercase)
    }

    /// `apply`, lowercasing with `lower`.
    pub fn apply_lowering<'a, I: Borrow<Incident>>(
        &self,
        all: impl IntoIterator<Item = &'a I>,
        lower: Lower,
    ) -> Vec<&'a I> {
        let mut out: Vec<&I> = all
            .into_iter()
            .filter(|i| {
                let i: &Incident = (*i).borrow();
                i.declared && self.matches_lowering(i, lower)
            })
            .collect();
        crate::ordering::sort_by(&mut out, |a, b| self.compare((*a).borrow(), (*b).borrow()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::event::{Event, EventBody};
    use crate::vocabulary::{ComponentStatus, IncidentId};

    fn incident(id: &str, title: &str, sev: Severity, status: Status, at: i64) -> Incident {
        let mut i = Incident::new(IncidentId(id.into()));
        let mut apply =
            |n: &str, at, body| i.apply(&Event::new(format!("{id}-{n}"), id, "ana", at, body));
        apply(
            "d",
            at,
            EventBody::Declared {
                title: title.into(),
                severity: sev,
                summary: String::new(),
                started_at: at,
                detected_at: None,
            },
        );
        apply("s", at + 1, EventBody::StatusChanged { status });
        i
    }

    fn sample() -> Vec<Incident> {
        let mut db = incident(
            "a",
            "Database failover",
            Severity::Sev2,
            Status::Resolved,
            10,
        );
        db.apply(&Event::new(
            "a-n",
            "a",
            "bo",
            50,
            EventBody::note("Replica lag hit **40s** on eu-west"),
        ));
        let mut cdn = incident("b", "CDN errors", Severity::Sev1, Status::Investigating, 20);
        cdn.components
            .insert(ComponentId("cdn".into()), ComponentStatus::MajorOutage);
        let login = incident("c", "Login slow", Severity::Sev3, Status::Monitoring, 30);
        vec![db, cdn, login]
    }

    fn ids(q: &Query, all: &[Incident]) -> Vec<String> {
        q.apply(all).iter().map(|i| i.id.0.to_string()).collect()
    }

    #[test]
    fn search_matches_notes_as_well_as_titles_ignoring_case() {
        let all = sample();
        let q = Query {
            text: "REPLICA lag".into(),
            ..Query::default()
        };
        assert_eq!(ids(&q, &all), ["a"]);
        let q = Query {
            text: "cdn".into(),
            ..Query::default()
        };
        assert_eq!(ids(&q, &all), ["b"]);
        let q = Query {
            text: "nothing like this".into(),
            ..Query::default()
        };
        assert!(ids(&q, &all).is_empty());
    }

    #[test]
    fn search_lowercases_the_query_and_the_texts_with_the_function_given() {
        // The console passes the browser's toLowerCase; whatever it is,
        // both sides go through it, and nothing else lowercases.
        let all = sample();
        let q = Query {
            text: "REPLICA".into(),
            ..Query::default()
        };
        let found = |lower: Lower| -> Vec<String> {
            q.apply_lowering(&all, lower)
                .iter()
                .map(|i| i.id.0.to_string())
                .collect()
        };
        assert_eq!(found(|s| s.to_ascii_lowercase()), ["a"]);
        assert_eq!(found(|s| s.to_ascii_uppercase()), ["a"]);
        assert!(found(|s| s.to_string()).is_empty());
    }

    #[test]
    fn filters_combine() {
        let all = sample();
        let open = Query {
            status: StatusFilter::Open,
            ..Query::default()
        };
        assert_eq!(ids(&open, &all), ["b", "c"]);
        let sev3 = Query {
            severity: Some(Severity::Sev3),
            ..open.clone()
        };
        assert_eq!(ids(&sev3, &all), ["c"]);
        let cdn = Query {
            component: Some(ComponentId("cdn".into())),
            ..Query::default()
        };
        assert_eq!(ids(&cdn, &all), ["b"]);
        let resolved = Query {
            status: StatusFilter::Is(Status::Resolved),
            ..Query::default()
        };
        assert_eq!(ids(&resolved, &all), ["a"]);
    }

    #[test]
    fn sorts_by_triage_age_or_last_update() {
        let all = sample();
        let by = |sort| {
            ids(
                &Query {
                    sort,
                    ..Query::default()
                },
                &all,
            )
        };
        assert_eq!(by(Sort::Triage), ["b", "c", "a"]);
        assert_eq!(by(Sort::Newest), ["c", "b", "a"]);
        assert_eq!(by(Sort::Oldest), ["a", "b", "c"]);
        assert_eq!(by(Sort::RecentlyUpdated), ["a", "c", "b"]);
    }

    #[test]
    fn a_query_survives_the_round_trip_through_url_pairs() {
        let q = Query {
            status: StatusFilter::Is(Status::Monitoring),
            severity: Some(Severity::Sev1),
            component: Some(ComponentId("payments-api".into())),
            text: "replica lag".into(),
            sort: Sort::Oldest,
        };
        let pairs = q.to_params();
        let back = Query::from_params(|k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.clone())
        });
        assert_eq!(back, q);
        assert!(Query::default().to_params().is_empty());
    }

    #[test]
    fn unknown_url_values_fall_back_to_the_defaults() {
        let q = Query::from_params(|k| match k {
            "status" => Some("exploded".into()),
            "severity" => Some("sev9".into()),
            "sort" => Some("random".into()),
            _ => None,
        });
        assert_eq!(q, Query::default());
        let open = Query::from_params(|k| (k == "status").then(|| "open".to_string()));
        assert_eq!(open.status, StatusFilter::Open);
    }

    #[test]
    fn the_filters_in_force_are_named_in_words() {
        let q = Query {
            status: StatusFilter::Open,
            severity: Some(Severity::Sev2),
            component: Some(ComponentId("gone".into())),
            text: " lag ".into(),
            sort: Sort::Newest,
        };
        assert_eq!(
            q.filters_in_words(&Workspace::default()),
            [
                "status: open",
                "severity: SEV2",
                "component: Unknown component (gone)",
                "search: \u{201c}lag\u{201d}"
            ]
        );
        assert!(Query::default()
            .filters_in_words(&Workspace::default())
            .is_empty());
    }

    #[test]
    fn undeclared_fragments_are_not_listed() {
        let stray = Incident::new(IncidentId("z".into()));
        assert!(Query::default().apply([&stray]).is_empty());
    }
}
