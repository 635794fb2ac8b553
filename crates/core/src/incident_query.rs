//! What the incident list shows: filters by status, severity and component,
//! a text search over titles and notes, and the sort order.

use crate::event::{ComponentId, Severity, Status};
use crate::incident::{list_order, Incident};
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

impl Query {
    pub fn matches(&self, i: &Incident) -> bool {
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
            && i.mentions(&self.text.trim().to_lowercase())
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

    /// The incidents this query shows, in its order.
    pub fn apply<'a>(&self, all: impl IntoIterator<Item = &'a Incident>) -> Vec<&'a Incident> {
        let mut out: Vec<&Incident> = all
            .into_iter()
            .filter(|i| i.declared && self.matches(i))
            .collect();
        out.sort_by(|a, b| self.compare(a, b));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ComponentStatus, Event, EventBody, EventId, IncidentId};

    fn incident(id: &str, title: &str, sev: Severity, status: Status, at: i64) -> Incident {
        let mut i = Incident::new(IncidentId(id.into()));
        let mut apply = |n: &str, at, body| {
            i.apply(&Event {
                id: EventId(format!("{id}-{n}").into()),
                incident: IncidentId(id.into()),
                author: "ana".into(),
                at,
                body,
                seq: None,
                received_at: None,
                clock_offset: None,
            })
        };
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
        db.apply(&Event {
            id: EventId("a-n".into()),
            incident: IncidentId("a".into()),
            author: "bo".into(),
            at: 50,
            body: EventBody::note("Replica lag hit **40s** on eu-west"),
            seq: None,
            received_at: None,
            clock_offset: None,
        });
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
    fn undeclared_fragments_are_not_listed() {
        let stray = Incident::new(IncidentId("z".into()));
        assert!(Query::default().apply([&stray]).is_empty());
    }
}
