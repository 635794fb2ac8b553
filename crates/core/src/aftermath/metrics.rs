//! Figures across incidents: mean time to detect and to resolve by severity
//! and by month, incidents per component, time since the last SEV1, and the
//! remediation tasks still open. Pure aggregation over folded incidents.

use crate::incident::Incident;
use crate::log::sync::Status as SyncStatus;
use crate::time::utc;
use crate::vocabulary::{ComponentId, EventId, IncidentId, Severity};
use crate::workspace::Workspace;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metrics {
    /// One row per severity, SEV1 first, including those with no incidents.
    pub by_severity: Vec<Row>,
    /// One row per month (UTC) an incident's impact started in, oldest first.
    pub by_month: Vec<Row>,
    /// Components by how many incidents touched them, most first.
    pub by_component: Vec<ComponentCount>,
    pub last_sev1: Option<LastSev1>,
    pub open_remediation: Vec<OpenRemediation>,
}

/// The incidents of one group and their means. A mean covers only the
/// incidents that have the time it needs (`detected`, `resolved` say how
/// many), so an incident without a detection time does not count as zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub label: String,
    pub incidents: usize,
    pub detected: usize,
    pub mttd_ms: Option<i64>,
    pub resolved: usize,
    pub mttr_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentCount {
    pub component: ComponentId,
    pub name: String,
    pub incidents: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastSev1 {
    pub incident: IncidentId,
    pub title: String,
    pub started_at: i64,
    /// From its impact start to `now`.
    pub since_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenRemediation {
    pub incident: IncidentId,
    pub incident_title: String,
    pub task: EventId,
    pub title: String,
    pub assignee: Option<String>,
    pub due_at: Option<i64>,
}

/// Sums for one group, turned into a `Row` at the end.
#[derive(Default)]
struct Tally {
    incidents: usize,
    detect: Vec<i64>,
    resolve: Vec<i64>,
}

impl Tally {
    fn add(&mut self, inc: &Incident) {
        self.incidents += 1;
        self.detect.extend(inc.time_to_detect_ms());
        self.resolve.extend(inc.time_to_resolve_ms());
    }

    fn row(&self, label: String) -> Row {
        Row {
            label,
            incidents: self.incidents,
            detected: self.detect.len(),
            mttd_ms: mean(&self.detect),
            resolved: self.resolve.len(),
            mttr_ms: mean(&self.resolve),
        }
    }
}

fn mean(v: &[i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    let sum: i128 = v.iter().map(|&x| i128::from(x)).sum();
    Some((sum / v.len() as i128) as i64)
}

/// Severity is each incident's current one: the level it ended at.
pub fn aggregate(
    incidents: &[impl std::borrow::Borrow<Incident>],
    w: &Workspace,
    now: i64,
) -> Metrics {
    // A maintenance window is planned work, not an incident, until it
    // converts into one.
    let declared = || {
        incidents
            .iter()
            .map(|i| -> &Incident { i.borrow() })
            .filter(|i| i.declared && !i.is_maintenance())
    };
    let mut by_severity: BTreeMap<Severity, Tally> = Severity::ALL
        .into_iter()
        .map(|s| (s, Tally::default()))
        .collect();
    let mut by_month: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_component: BTreeMap<&ComponentId, usize> = BTreeMap::new();
    for inc in declared() {
        by_severity.entry(inc.severity).or_default().add(inc);
        by_month
            .entry(utc::month(inc.started_at))
            .or_default()
            .add(inc);
        for c in inc.components.keys() {
            *by_component.entry(c).or_default() += 1;
        }
    }
    let mut components: Vec<ComponentCount> = by_component
        .into_iter()
        .map(|(c, n)| ComponentCount {
            component: c.clone(),
            name: w.component_name(c),
            incidents: n,
        })
        .collect();
    crate::ordering::sort_by(&mut components, |a, b| {
        b.incidents.cmp(&a.incidents).then(a.name.cmp(&b.name))
    });
    let last_sev1 = declared()
        .filter(|i| i.severity == Severity::Sev1)
        .max_by_key(|i| (i.started_at, i.id.clone()))
        .map(|i| LastSev1 {
            incident: i.id.clone(),
            title: i.title.clone(),
            started_at: i.started_at,
            since_ms: (now - i.started_at).max(0),
        });
    let mut open_remediation: Vec<OpenRemediation> = declared()
        .flat_map(|i| {
            i.remediation_tasks()
                .filter(|t| t.done_at.is_none())
                .map(move |t| OpenRemediation {
                    incident: i.id.clone(),
                    incident_title: i.title.clone(),
                    task: t.id.clone(),
                    title: t.title.clone(),
                    assignee: t.assignee.clone(),
                    due_at: t.due_at,
                })
        })
        .collect();
    // Soonest due first; undated ones after, in the order they were made.
    crate::ordering::sort_by_key(&mut open_remediation, |r| (r.due_at.is_none(), r.due_at));
    Metrics {
        by_severity: by_severity
            .into_iter()
            .map(|(s, t)| t.row(w.severity_name(s)))
            .collect(),
        by_month: by_month.into_iter().map(|(m, t)| t.row(m)).collect(),
        by_component: components,
        last_sev1,
        open_remediation,
    }
}

/// Whether a replica's figures can be shown yet. They count only the
/// incidents it holds, so while it still catches up with the backend they
/// would be low (zeros in a fresh browser) and look complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completeness {
    /// The local copy is still being read, or the log still arriving.
    Loading,
    /// The replica has held everything the backend had (a catch-up ended).
    Complete,
    /// The backend has not been reached since the page opened: the figures
    /// are this browser's copy, which may miss recent incidents.
    LocalCopyOnly,
}

/// `loaded`: the local copy was read; `caught_up`: a catch-up from the
/// backend has ended since the page opened; `status`: the link now.
pub fn completeness(loaded: bool, caught_up: bool, status: SyncStatus) -> Completeness {
    match (loaded, caught_up, status) {
        (false, _, _) => Completeness::Loading,
        (true, true, _) => Completeness::Complete,
        // Connected or about to be: the catch-up is under way.
        (true, false, SyncStatus::Connecting | SyncStatus::Online) => Completeness::Loading,
        // Waiting on a retry, or no network: nothing more is coming soon.
        (
            true,
            false,
            SyncStatus::Degraded { .. } | SyncStatus::Reconnecting { .. } | SyncStatus::Offline,
        ) => Completeness::LocalCopyOnly,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::event::{Event, EventBody};
    use crate::vocabulary::{ComponentStatus, Status};

    const MIN: i64 = 60_000;
    // 2025-11-18 11:20 UTC and 2025-12-02 09:00 UTC.
    const NOV: i64 = 1_763_464_800_000;
    const DEC: i64 = 1_764_666_000_000;

    fn incident(
        id: &str,
        sev: Severity,
        start: i64,
        detect: Option<i64>,
        resolve: Option<i64>,
    ) -> Incident {
        let mut inc = Incident::new(IncidentId(id.into()));
        let mut n = 0;
        let mut apply = |inc: &mut Incident, at: i64, body: EventBody| {
            n += 1;
            inc.apply(&Event::new(format!("{id}-{n}"), id, "ana", at, body));
        };
        apply(
            &mut inc,
            start + 20 * MIN,
            EventBody::Declared {
                title: format!("Incident {id}"),
                severity: sev,
                summary: String::new(),
                started_at: start,
                detected_at: detect.map(|d| start + d),
            },
        );
        apply(
            &mut inc,
            start + 21 * MIN,
            EventBody::ComponentStatusSet {
                component: ComponentId("api".into()),
                status: ComponentStatus::MajorOutage,
            },
        );
        if let Some(r) = resolve {
            apply(
                &mut inc,
                start + r,
                EventBody::StatusChanged {
                    status: Status::Resolved,
                },
            );
        }
        inc
    }

    #[test]
    fn means_by_severity_skip_incidents_without_the_time_they_need() {
        let list = [
            incident("a", Severity::Sev1, NOV, Some(4 * MIN), Some(60 * MIN)),
            incident("b", Severity::Sev1, NOV, Some(8 * MIN), None),
            incident("c", Severity::Sev1, NOV, None, Some(120 * MIN)),
            incident("d", Severity::Sev3, NOV, None, None),
        ];
        let m = aggregate(&list, &Workspace::default(), NOV + 1000 * MIN);
        let sev1 = &m.by_severity[0];
        assert!(sev1.label.starts_with("SEV1"), "{}", sev1.label);
        assert_eq!((sev1.incidents, sev1.detected, sev1.resolved), (3, 2, 2));
        assert_eq!(sev1.mttd_ms, Some(6 * MIN));
        assert_eq!(sev1.mttr_ms, Some(90 * MIN));
        let sev3 = &m.by_severity[2];
        assert_eq!(
            (sev3.incidents, sev3.mttd_ms, sev3.mttr_ms),
            (1, None, None)
        );
        // Every severity has its row, even with no incidents.
        assert_eq!(m.by_severity.len(), 4);
        assert_eq!(m.by_severity[1].incidents, 0);
    }

    #[test]
    fn months_group_by_impact_start_oldest_first() {
        let list = [
            incident("dec", Severity::Sev2, DEC, Some(10 * MIN), Some(30 * MIN)),
            incident("nov", Severity::Sev2, NOV, Some(2 * MIN), Some(50 * MIN)),
        ];
        let m = aggregate(&list, &Workspace::default(), DEC);
        let labels: Vec<&str> = m.by_month.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["2025-11", "2025-12"]);
        assert_eq!(m.by_month[0].mttr_ms, Some(50 * MIN));
        assert_eq!(m.by_month[1].mttd_ms, Some(10 * MIN));
    }

    #[test]
    fn components_count_each_incident_that_touched_them() {
        let mut other = incident("b", Severity::Sev2, NOV, None, None);
        other
            .components
            .insert(ComponentId("db".into()), ComponentStatus::PartialOutage);
        let list = [incident("a", Severity::Sev2, NOV, None, None), other];
        let m = aggregate(&list, &Workspace::default(), NOV);
        let counts: Vec<(&str, usize)> = m
            .by_component
            .iter()
            .map(|c| (&*c.component.0, c.incidents))
            .collect();
        assert_eq!(counts, [("api", 2), ("db", 1)]);
    }

    #[test]
    fn the_last_sev1_is_the_latest_to_start_and_none_without_one() {
        let list = [
            incident("old", Severity::Sev1, NOV, None, None),
            incident("new", Severity::Sev1, DEC, None, None),
            incident("later-sev2", Severity::Sev2, DEC + 60 * MIN, None, None),
        ];
        let m = aggregate(&list, &Workspace::default(), DEC + 90 * MIN);
        let last = m.last_sev1.expect("there was a SEV1");
        assert_eq!(&*last.incident.0, "new");
        assert_eq!(last.since_ms, 90 * MIN);
        let m = aggregate(&list[2..], &Workspace::default(), DEC);
        assert_eq!(m.last_sev1, None);
    }

    #[test]
    fn a_maintenance_window_counts_only_once_it_converts_into_an_incident() {
        let planned = |id: &str| {
            let mut m = Incident::new(IncidentId(id.into()));
            m.apply(&Event::new(
                format!("{id}-plan"),
                id,
                "ana",
                NOV,
                EventBody::MaintenancePlanned {
                    title: "Database upgrade".into(),
                    starts_at: NOV,
                    ends_at: NOV + 60 * MIN,
                    components: Vec::new(),
                    customer_notice: String::new(),
                    freeze_reason: None,
                },
            ));
            m
        };
        let mut converted = planned("converted");
        converted.apply(&Event::new(
            "converted-conv",
            "converted",
            "ana",
            NOV + 30 * MIN,
            EventBody::MaintenanceConverted {
                severity: Severity::Sev2,
            },
        ));
        let m = aggregate(
            &[planned("quiet"), converted],
            &Workspace::default(),
            NOV + 90 * MIN,
        );
        let counted: usize = m.by_severity.iter().map(|r| r.incidents).sum();
        assert_eq!(counted, 1);
    }

    #[test]
    fn open_remediation_lists_undone_remediation_tasks_only() {
        let mut inc = incident("a", Severity::Sev2, NOV, None, None);
        for (id, title, remediation) in [
            ("t1", "Add alert", true),
            ("t2", "Page DBA", false),
            ("t3", "Fix pool", true),
        ] {
            inc.apply(&Event::new(
                id,
                "a",
                "ana",
                NOV,
                EventBody::TaskAdded {
                    title: title.into(),
                    assignee: None,
                    due_at: None,
                    remediation,
                },
            ));
        }
        inc.apply(&Event::new(
            "done",
            "a",
            "ana",
            NOV,
            EventBody::TaskDone {
                task: EventId("t3".into()),
                done: true,
            },
        ));
        let m = aggregate(&[inc], &Workspace::default(), NOV);
        let titles: Vec<&str> = m
            .open_remediation
            .iter()
            .map(|r| r.title.as_str())
            .collect();
        assert_eq!(titles, ["Add alert"]);
        assert_eq!(m.open_remediation[0].incident_title, "Incident a");
    }

    #[test]
    fn no_incidents_give_empty_figures_not_zeros() {
        let m = aggregate(&[] as &[Incident], &Workspace::default(), NOV);
        assert!(m
            .by_severity
            .iter()
            .all(|r| r.incidents == 0 && r.mttd_ms.is_none()));
        assert!(m.by_month.is_empty() && m.by_component.is_empty());
    }

    #[test]
    fn figures_wait_for_the_local_copy_and_then_for_the_catch_up() {
        use Completeness::*;
        assert_eq!(completeness(false, false, SyncStatus::Online), Loading);
        assert_eq!(completeness(false, true, SyncStatus::Online), Loading);
        // Read locally, the stream open or opening, the catch-up not ended.
        assert_eq!(completeness(true, false, SyncStatus::Connecting), Loading);
        assert_eq!(completeness(true, false, SyncStatus::Online), Loading);
        assert_eq!(completeness(true, true, SyncStatus::Online), Complete);
        // A later outage does not take back what a catch-up brought.
        assert_eq!(completeness(true, true, SyncStatus::Offline), Complete);
    }

    #[test]
    fn figures_from_the_local_copy_alone_say_so_rather_than_load_forever() {
        use Completeness::*;
        assert_eq!(
            completeness(true, false, SyncStatus::Offline),
            LocalCopyOnly
        );
        let retry = SyncStatus::Reconnecting { next_attempt_at: 5 };
        assert_eq!(completeness(true, false, retry), LocalCopyOnly);
        let degraded = SyncStatus::Degraded {
            next_attempt_at: None,
        };
        assert_eq!(completeness(true, false, degraded), LocalCopyOnly);
    }
}
