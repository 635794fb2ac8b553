//! What the server writes when a group's waiting alerts go out: the
//! `alerts_received` event on the alerts stream and, as the book and the
//! routing rules decide, an entry on the incident the group is attached
//! to, or a whole incident declared at once when a rule says so.

use crate::alerts::book::{AlertBook, Triage};
use crate::alerts::model::{AlertBrief, AlertStatus};
use crate::alerts::pacing::Batch;
use crate::alerts::routing;
use crate::log::event::{Event, EventBody};
use crate::log::limits::MAX_ALERT_BRIEFS;
use crate::vocabulary::{ComponentStatus, EventId, IncidentId};
use crate::workspace::Workspace;

/// Ids the server gives the events it writes for alerts start with this
/// (clients may not use it; see `limits::SERVER_ID_PREFIXES`).
pub const ID_PREFIX: &str = "alerts/";

/// The events for one batch, in the order to store them. `sender` is the
/// account that posted the alerts (the events' author); `unique` makes the
/// ids (the server's clock and a counter).
pub fn events(
    book: &AlertBook,
    workspace: &Workspace,
    batch: &Batch,
    sender: &str,
    now: i64,
    unique: &str,
) -> Vec<Event> {
    let id = |what: &str| EventId(format!("{ID_PREFIX}{unique}/{what}").into());
    let received = Event::new(
        id("received"),
        IncidentId::alerts(),
        sender,
        now,
        EventBody::AlertsReceived {
            group: batch.group.clone(),
            source: batch.source,
            receiver: batch.receiver.clone(),
            group_labels: batch.group_labels.clone(),
            alerts: batch.alerts.clone(),
            omitted: batch.omitted,
        },
    );
    let mut out = Vec::new();
    let starts = book.starts_episode(&batch.group, &batch.alerts);
    if starts {
        // The group as it will be once this event is folded.
        let fresh = AlertBook::of([&received]);
        if let Some(group) = fresh.group(&batch.group) {
            let proposal = routing::propose(group, &workspace.alert_routes);
            if proposal.open_incident && group.is_firing() {
                let incident = IncidentId(format!("alert-{unique}").into());
                let on = |what: &str, body: EventBody| {
                    Event::new(id(what), incident.clone(), sender, now, body)
                };
                out.push(received.clone());
                out.push(on(
                    "declared",
                    EventBody::Declared {
                        title: proposal.title.clone(),
                        severity: proposal.severity,
                        summary: proposal.summary.clone(),
                        started_at: proposal.started_at,
                        detected_at: None,
                    },
                ));
                for (n, component) in proposal.components.iter().enumerate() {
                    out.push(on(
                        &format!("component-{n}"),
                        EventBody::ComponentStatusSet {
                            component: component.clone(),
                            status: ComponentStatus::PartialOutage,
                        },
                    ));
                }
                out.push(on(
                    "linked",
                    EventBody::AlertsLinked {
                        group: batch.group.clone(),
                        episode: received.id.clone(),
                        source: batch.source,
                        title: proposal.title,
                        labels: group.common_labels(),
                        alerts: group.firing() as u32,
                        started_at: proposal.detected_at,
                    },
                ));
                out.push(Event::new(
                    id("attached"),
                    IncidentId::alerts(),
                    sender,
                    now,
                    EventBody::AlertGroupAttached {
                        group: batch.group.clone(),
                        episode: received.id.clone(),
                        incident,
                    },
                ));
                return out;
            }
        }
        return vec![received];
    }
    out.push(received);
    let Some(group) = book.group(&batch.group) else {
        return out;
    };
    if let Triage::Attached { incident, .. } = &group.triage {
        let mut firing: Vec<AlertBrief> = Vec::new();
        let mut resolved: Vec<AlertBrief> = Vec::new();
        for a in &batch.alerts {
            match a.status {
                AlertStatus::Firing if !group.alerts.contains_key(&a.fingerprint) => {
                    firing.push(a.brief())
                }
                AlertStatus::Resolved => resolved.push(a.brief()),
                AlertStatus::Firing => {}
            }
        }
        let listed = firing.len() + resolved.len();
        if listed > 0 {
            let omitted = listed.saturating_sub(MAX_ALERT_BRIEFS) as u64;
            resolved.truncate(MAX_ALERT_BRIEFS);
            firing.truncate(MAX_ALERT_BRIEFS - resolved.len());
            out.push(Event::new(
                id("changed"),
                incident.clone(),
                sender,
                now,
                EventBody::AlertsChanged {
                    group: batch.group.clone(),
                    firing,
                    resolved,
                    omitted,
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::model::{Alert, AlertRoute, AlertSource, Labels, MatchOp, Matcher};
    use crate::log::limits;
    use crate::vocabulary::{ComponentId, Severity};
    use crate::Incident;

    fn alert(fp: &str, status: AlertStatus, starts_at: i64) -> Alert {
        Alert {
            fingerprint: fp.into(),
            status,
            labels: Labels::from([
                ("alertname".to_string(), "HighErrorRate".to_string()),
                ("severity".to_string(), "page".to_string()),
            ]),
            annotations: Labels::new(),
            starts_at,
            ends_at: (status == AlertStatus::Resolved).then_some(starts_at + 1),
            url: String::new(),
        }
    }

    fn batch(alerts: Vec<Alert>) -> Batch {
        Batch {
            group: "alertmanager:{}".into(),
            source: AlertSource::Alertmanager,
            receiver: "sitrep".into(),
            group_labels: Labels::new(),
            alerts,
            omitted: 0,
            through: 1,
        }
    }

    fn paging_rule() -> Workspace {
        Workspace {
            alert_routes: vec![AlertRoute {
                name: "Pages".into(),
                matchers: vec![Matcher {
                    label: "severity".into(),
                    op: MatchOp::Equals,
                    value: "page".into(),
                }],
                components: vec![ComponentId("payments-api".into())],
                severity: Some(Severity::Sev1),
                open_incident: true,
            }],
            ..Workspace::default()
        }
    }

    fn stored(events: Vec<Event>, from: u64) -> Vec<Event> {
        events
            .into_iter()
            .enumerate()
            .map(|(i, e)| e.stored(from + i as u64, 0))
            .collect()
    }

    #[test]
    fn a_group_waits_in_the_inbox_unless_a_rule_opens_an_incident_at_once() {
        let b = batch(vec![alert("a", AlertStatus::Firing, 5_000)]);
        let quiet = events(
            &AlertBook::default(),
            &Workspace::default(),
            &b,
            "am",
            9_000,
            "9000-1",
        );
        assert_eq!(quiet.len(), 1);
        assert_eq!(quiet[0].body.kind(), "alerts_received");
        let paged = events(
            &AlertBook::default(),
            &paging_rule(),
            &b,
            "am",
            9_000,
            "9000-1",
        );
        let kinds: Vec<&str> = paged.iter().map(|e| e.body.kind()).collect();
        assert_eq!(
            kinds,
            [
                "alerts_received",
                "declared",
                "component_status_set",
                "alerts_linked",
                "alert_group_attached"
            ]
        );
        for ev in &paged {
            assert!(ev.id.0.starts_with(ID_PREFIX));
            // The server's own ids aside, each is an event any backend accepts.
            let mut probe = ev.clone();
            probe.id = "probe".into();
            let verdict = limits::check(&probe);
            assert!(verdict.is_ok(), "{}: {verdict:?}", ev.body.kind());
        }
        let paged = stored(paged, 1);
        let book = AlertBook::of(&paged);
        assert!(book.inbox().is_empty(), "attached at once");
        assert_eq!(
            book.refusal(&paged[3]),
            None,
            "the server's own link passes its checks"
        );
        let mut inc = Incident::new(paged[1].incident.clone());
        paged[1..4].iter().for_each(|e| inc.apply(e));
        assert_eq!(
            (inc.severity, inc.detected_at),
            (Severity::Sev1, Some(5_000))
        );
        assert_eq!(inc.started_at, 5_000);
    }

    #[test]
    fn an_attached_group_tells_its_incident_what_resolved_and_what_newly_fired() {
        let first = stored(
            events(
                &AlertBook::default(),
                &paging_rule(),
                &batch(vec![alert("a", AlertStatus::Firing, 5_000)]),
                "am",
                9_000,
                "1",
            ),
            1,
        );
        let book = AlertBook::of(&first);
        let incident = first[1].incident.clone();
        let later = batch(vec![
            alert("a", AlertStatus::Resolved, 5_000),
            alert("b", AlertStatus::Firing, 6_000),
        ]);
        let out = events(&book, &paging_rule(), &later, "am", 10_000, "2");
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].incident, incident);
        match &out[1].body {
            EventBody::AlertsChanged {
                firing, resolved, ..
            } => {
                assert_eq!(resolved[0].fingerprint, "a");
                assert_eq!(firing[0].fingerprint, "b");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_group_firing_again_after_resolving_is_not_routed_to_the_old_incident() {
        let mut log = stored(
            events(
                &AlertBook::default(),
                &Workspace::default(),
                &batch(vec![alert("a", AlertStatus::Firing, 5_000)]),
                "am",
                9_000,
                "1",
            ),
            1,
        );
        log.push(
            Event::new(
                "t",
                IncidentId::alerts(),
                "ana",
                9_500,
                EventBody::AlertGroupAttached {
                    group: "alertmanager:{}".into(),
                    episode: log[0].id.clone(),
                    incident: "inc-1".into(),
                },
            )
            .stored(2, 0),
        );
        let resolved = events(
            &AlertBook::of(&log),
            &Workspace::default(),
            &batch(vec![alert("a", AlertStatus::Resolved, 5_000)]),
            "am",
            10_000,
            "2",
        );
        assert_eq!(resolved.len(), 2, "the resolution is an entry on inc-1");
        log.extend(stored(resolved, 3));
        let again = events(
            &AlertBook::of(&log),
            &Workspace::default(),
            &batch(vec![alert("a", AlertStatus::Firing, 20_000)]),
            "am",
            20_000,
            "3",
        );
        assert_eq!(again.len(), 1, "back to the inbox, nothing on inc-1");
    }
}
