//! The alerts stream folded: one group per sender group key, its alerts by
//! fingerprint, and what responders did with it. A group's *episode* runs
//! from the event in which it started firing until every alert resolved;
//! triage (attached to an incident, dismissed) belongs to an episode, so a
//! group that fires again after resolving comes back to the inbox.
//! Deduplication is decided here too: an alert is news only when its
//! fingerprint is new to the episode or its status changed.

use crate::alerts::intake::Received;
use crate::alerts::model::{Alert, AlertSource, AlertStatus, Labels};
use crate::log::event::{Event, EventBody};
use crate::vocabulary::{EventId, IncidentId};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Alerts one group keeps by fingerprint; more are counted, not kept, so a
/// storm of distinct alerts cannot grow a group without end.
pub const MAX_GROUP_ALERTS: usize = 1000;
/// Groups kept; beyond it the quiet ones (nothing firing) that changed
/// longest ago are forgotten.
pub const MAX_GROUPS: usize = 5000;

/// What responders decided about a group's episode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Triage {
    /// Waiting in the inbox.
    Open,
    Attached {
        incident: IncidentId,
        by: Arc<str>,
        at: i64,
    },
    Dismissed {
        reason: String,
        by: Arc<str>,
        at: i64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub source: AlertSource,
    pub receiver: String,
    pub group_labels: Labels,
    /// The episode's alerts by fingerprint (at most `MAX_GROUP_ALERTS`).
    pub alerts: BTreeMap<String, Alert>,
    /// Alerts of the episode not kept or left out by the sender.
    pub omitted: u64,
    /// The `alerts_received` event that started the episode.
    pub episode: EventId,
    /// When the episode started (that event's time).
    pub since: i64,
    /// When the group last changed.
    pub changed_at: i64,
    /// The account that posted its alerts.
    pub sender: Arc<str>,
    pub triage: Triage,
    /// Seq of the last event that changed it (for forgetting the oldest).
    last_seq: u64,
}

impl Group {
    pub fn firing(&self) -> usize {
        self.alerts
            .values()
            .filter(|a| a.status == AlertStatus::Firing)
            .count()
    }

    pub fn is_firing(&self) -> bool {
        self.alerts
            .values()
            .any(|a| a.status == AlertStatus::Firing)
    }

    /// The earliest start among the episode's alerts: the detection time of
    /// an incident that takes this group.
    pub fn earliest_start(&self) -> Option<i64> {
        self.alerts.values().map(|a| a.starts_at).min()
    }

    /// Labels every alert of the episode shares, with the group labels.
    pub fn common_labels(&self) -> Labels {
        let mut alerts = self.alerts.values();
        let mut common = match alerts.next() {
            Some(a) => a.labels.clone(),
            None => return self.group_labels.clone(),
        };
        for a in alerts {
            common.retain(|k, v| a.labels.get(k) == Some(v));
        }
        for (k, v) in &self.group_labels {
            common.entry(k.clone()).or_insert_with(|| v.clone());
        }
        common
    }

    /// The group's name as people read it: its alert name, with the other
    /// labels it is grouped by.
    pub fn title(&self) -> String {
        let common = self.common_labels();
        let name = common
            .get("alertname")
            .cloned()
            .or_else(|| self.alerts.values().next().map(|a| a.name().to_string()))
            .unwrap_or_else(|| self.id.clone());
        let rest: Vec<String> = self
            .group_labels
            .iter()
            .filter(|(k, _)| k.as_str() != "alertname")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if rest.is_empty() {
            name
        } else {
            format!("{name} ({})", rest.join(", "))
        }
    }

    /// Alerts in the order people read them: firing first, oldest start first.
    pub fn alerts_in_order(&self) -> Vec<&Alert> {
        let mut all: Vec<&Alert> = self.alerts.values().collect();
        crate::ordering::sort_by(&mut all, |a, b| {
            (a.status != AlertStatus::Firing, a.starts_at, &a.fingerprint).cmp(&(
                b.status != AlertStatus::Firing,
                b.starts_at,
                &b.fingerprint,
            ))
        });
        all
    }
}

/// Whether `incoming` says something the book (or what is already waiting
/// to be stored) does not: a fingerprint new to the episode, or a changed
/// status. Repeats, new annotation values and a firing alert's moving end
/// are not news: senders resend the whole group every few minutes.
pub fn is_news(known: Option<&Alert>, incoming: &Alert) -> bool {
    match known {
        None => true,
        Some(k) => k.status != incoming.status,
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertBook {
    groups: BTreeMap<String, Group>,
}

impl AlertBook {
    /// The book of a whole alerts stream, in log order.
    pub fn of<'a>(events: impl IntoIterator<Item = &'a Event>) -> AlertBook {
        let mut book = AlertBook::default();
        for ev in events {
            book.apply(ev);
        }
        book
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.get(id)
    }

    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
    }

    /// Firing groups waiting for a responder, the newest episode first.
    pub fn inbox(&self) -> Vec<&Group> {
        let mut open: Vec<&Group> = self
            .groups
            .values()
            .filter(|g| g.triage == Triage::Open && g.is_firing())
            .collect();
        crate::ordering::sort_by(&mut open, |a, b| (b.since, &a.id).cmp(&(a.since, &b.id)));
        open
    }

    /// Firing groups someone attached or dismissed, the newest first.
    pub fn handled(&self) -> Vec<&Group> {
        let mut done: Vec<&Group> = self
            .groups
            .values()
            .filter(|g| g.triage != Triage::Open && g.is_firing())
            .collect();
        crate::ordering::sort_by(&mut done, |a, b| (b.since, &a.id).cmp(&(a.since, &b.id)));
        done
    }

    /// The alerts of a payload that are news (see `is_news`), in the order given.
    pub fn news(&self, received: &Received) -> Vec<Alert> {
        self.news_beside(received, |_| None)
    }

    /// The same, where `waiting` gives what is already on its way to the
    /// book for a fingerprint (it counts before the book's own copy).
    pub fn news_beside<'a>(
        &'a self,
        received: &Received,
        waiting: impl Fn(&str) -> Option<&'a Alert>,
    ) -> Vec<Alert> {
        let group = self.groups.get(&received.group);
        let mut seen: BTreeMap<&str, &Alert> = BTreeMap::new();
        let mut out: Vec<Alert> = Vec::new();
        for a in &received.alerts {
            // Within one payload the last word about a fingerprint counts.
            seen.insert(&a.fingerprint, a);
        }
        for a in &received.alerts {
            if !std::ptr::eq(seen[a.fingerprint.as_str()], a) {
                continue;
            }
            let known = waiting(&a.fingerprint)
                .or_else(|| group.and_then(|g| g.alerts.get(&a.fingerprint)));
            if is_news(known, a) {
                out.push(a.clone());
            }
        }
        out
    }

    /// Whether storing these alerts for `group` starts a new episode: the
    /// group is unknown, or nothing of it fires and one of these does.
    pub fn starts_episode(&self, group: &str, alerts: &[Alert]) -> bool {
        match self.groups.get(group) {
            None => true,
            Some(g) => !g.is_firing() && alerts.iter().any(|a| a.status == AlertStatus::Firing),
        }
    }

    /// Folds one event in; events of other streams and kinds are ignored.
    pub fn apply(&mut self, ev: &Event) {
        if !ev.incident.is_alerts() {
            return;
        }
        let seq = ev.seq.unwrap_or(u64::MAX);
        match &ev.body {
            EventBody::AlertsReceived {
                group,
                source,
                receiver,
                group_labels,
                alerts,
                omitted,
            } => {
                let starts = self.starts_episode(group, alerts);
                let g = self.groups.entry(group.clone()).or_insert_with(|| Group {
                    id: group.clone(),
                    source: *source,
                    receiver: String::new(),
                    group_labels: Labels::new(),
                    alerts: BTreeMap::new(),
                    omitted: 0,
                    episode: ev.id.clone(),
                    since: ev.at,
                    changed_at: ev.at,
                    sender: ev.author.clone(),
                    triage: Triage::Open,
                    last_seq: seq,
                });
                if starts {
                    g.alerts.clear();
                    g.omitted = 0;
                    g.episode = ev.id.clone();
                    g.since = ev.at;
                    g.triage = Triage::Open;
                }
                // A new alert joining a dismissed episode has not been judged.
                let joins = alerts.iter().any(|a| {
                    a.status == AlertStatus::Firing && !g.alerts.contains_key(&a.fingerprint)
                });
                if joins && matches!(g.triage, Triage::Dismissed { .. }) {
                    g.triage = Triage::Open;
                }
                for a in alerts {
                    if g.alerts.len() < MAX_GROUP_ALERTS || g.alerts.contains_key(&a.fingerprint) {
                        g.alerts.insert(a.fingerprint.clone(), a.clone());
                    } else {
                        g.omitted += 1;
                    }
                }
                g.omitted += omitted;
                g.source = *source;
                g.receiver = receiver.clone();
                g.group_labels = group_labels.clone();
                g.sender = ev.author.clone();
                g.changed_at = ev.at;
                g.last_seq = seq;
                self.forget_the_oldest_quiet_groups();
            }
            EventBody::AlertGroupDismissed {
                group,
                episode,
                reason,
            } => {
                if let Some(g) = self.groups.get_mut(group).filter(|g| &g.episode == episode) {
                    if !matches!(g.triage, Triage::Attached { .. }) {
                        g.triage = Triage::Dismissed {
                            reason: reason.clone(),
                            by: ev.author.clone(),
                            at: ev.best_time(),
                        };
                        g.last_seq = seq;
                    }
                }
            }
            EventBody::AlertGroupAttached {
                group,
                episode,
                incident,
            } => {
                if let Some(g) = self.groups.get_mut(group).filter(|g| &g.episode == episode) {
                    if !matches!(&g.triage, Triage::Attached { incident: i, .. } if i != incident) {
                        g.triage = Triage::Attached {
                            incident: incident.clone(),
                            by: ev.author.clone(),
                            at: ev.best_time(),
                        };
                        g.last_seq = seq;
                    }
                }
            }
            _ => {}
        }
    }

    fn forget_the_oldest_quiet_groups(&mut self) {
        if self.groups.len() <= MAX_GROUPS {
            return;
        }
        let mut quiet: Vec<(u64, String)> = self
            .groups
            .values()
            .filter(|g| !g.is_firing())
            .map(|g| (g.last_seq, g.id.clone()))
            .collect();
        quiet.sort();
        let excess = self.groups.len() - MAX_GROUPS;
        for (_, id) in quiet.into_iter().take(excess) {
            self.groups.remove(&id);
        }
    }

    /// Why the server refuses a responder's event about alert groups (a
    /// triage on the alerts stream, or `alerts_linked` on an incident), or
    /// None. The console offers only what passes; a client that does not
    /// is held to the same rules.
    pub fn refusal(&self, ev: &Event) -> Option<String> {
        let (group, episode) = match &ev.body {
            EventBody::AlertGroupDismissed { group, episode, .. }
            | EventBody::AlertGroupAttached { group, episode, .. }
            | EventBody::AlertsLinked { group, episode, .. } => (group, episode),
            _ => return None,
        };
        let Some(g) = self.groups.get(group) else {
            return Some(format!("there is no alert group {group:?}"));
        };
        if &g.episode != episode {
            return Some(
                "this alert group has fired again since; look at it again in the inbox".into(),
            );
        }
        let attached_to = match &g.triage {
            Triage::Attached { incident, .. } => Some(incident),
            _ => None,
        };
        match &ev.body {
            EventBody::AlertGroupDismissed { .. } => attached_to.map(|i| {
                format!("this alert group is attached to incident {i}; it cannot be dismissed")
            }),
            EventBody::AlertGroupAttached { incident, .. } => attached_to
                .filter(|i| *i != incident)
                .map(|i| format!("this alert group is already attached to incident {i}")),
            EventBody::AlertsLinked { started_at, .. } => {
                if let Some(i) = attached_to.filter(|i| **i != ev.incident) {
                    return Some(format!(
                        "this alert group is already attached to incident {i}"
                    ));
                }
                match g.earliest_start() {
                    Some(t) if t == *started_at => None,
                    Some(t) => Some(format!(
                        "the group's alerts started at {} ({t} ms), not {started_at} ms: detection time is measured from them",
                        crate::time::utc::rfc3339(t)
                    )),
                    None => Some("this alert group has no alerts".into()),
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::model::AlertStatus::{Firing, Resolved};

    fn alert(fp: &str, status: AlertStatus, starts_at: i64) -> Alert {
        Alert {
            fingerprint: fp.into(),
            status,
            labels: Labels::from([
                ("alertname".to_string(), "HighErrorRate".to_string()),
                ("instance".to_string(), format!("web-{fp}")),
                ("service".to_string(), "checkout".to_string()),
            ]),
            annotations: Labels::new(),
            starts_at,
            ends_at: (status == Resolved).then_some(starts_at + 60_000),
            url: String::new(),
        }
    }

    fn received(id: &str, seq: u64, alerts: Vec<Alert>) -> Event {
        Event::new(
            id,
            IncidentId::alerts(),
            "alertmanager",
            1_000 * seq as i64,
            EventBody::AlertsReceived {
                group: "g1".into(),
                source: AlertSource::Alertmanager,
                receiver: "sitrep".into(),
                group_labels: Labels::from([("alertname".into(), "HighErrorRate".into())]),
                alerts,
                omitted: 0,
            },
        )
        .stored(seq, 0)
    }

    fn triage(id: &str, seq: u64, body: EventBody) -> Event {
        Event::new(id, IncidentId::alerts(), "ana", 0, body).stored(seq, 0)
    }

    fn payload(alerts: Vec<Alert>) -> Received {
        Received {
            source: AlertSource::Alertmanager,
            group: "g1".into(),
            receiver: "sitrep".into(),
            group_labels: Labels::new(),
            alerts,
            truncated: 0,
        }
    }

    #[test]
    fn alerts_of_one_group_make_one_inbox_entry_with_the_earliest_start() {
        let book = AlertBook::of(&[
            received("r1", 1, vec![alert("a", Firing, 5_000)]),
            received(
                "r2",
                2,
                vec![alert("b", Firing, 3_000), alert("c", Firing, 9_000)],
            ),
        ]);
        let inbox = book.inbox();
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0].firing(), 3);
        assert_eq!(inbox[0].earliest_start(), Some(3_000));
        assert_eq!(inbox[0].title(), "HighErrorRate");
        assert_eq!(inbox[0].common_labels()["service"], "checkout");
        assert!(!inbox[0].common_labels().contains_key("instance"));
    }

    #[test]
    fn repeats_are_not_news_but_new_fingerprints_and_changed_states_are() {
        let book = AlertBook::of(&[received("r1", 1, vec![alert("a", Firing, 5_000)])]);
        let mut later = alert("a", Firing, 5_000);
        later.annotations.insert("value".into(), "0.93".into());
        assert!(book.news(&payload(vec![later])).is_empty());
        let news = book.news(&payload(vec![
            alert("a", Resolved, 5_000),
            alert("b", Firing, 6_000),
        ]));
        let fps: Vec<&str> = news.iter().map(|a| a.fingerprint.as_str()).collect();
        assert_eq!(fps, ["a", "b"]);
        // The same fingerprint twice in one payload: the last word counts.
        let twice = book.news(&payload(vec![
            alert("z", Firing, 1),
            alert("z", Resolved, 1),
        ]));
        assert_eq!(twice.len(), 1);
        assert_eq!(twice[0].status, Resolved);
    }

    #[test]
    fn a_group_that_fires_again_after_resolving_is_a_new_episode_back_in_the_inbox() {
        let r1 = received("r1", 1, vec![alert("a", Firing, 5_000)]);
        let dismissed = triage(
            "d1",
            2,
            EventBody::AlertGroupDismissed {
                group: "g1".into(),
                episode: "r1".into(),
                reason: "known flake".into(),
            },
        );
        let mut book = AlertBook::of(&[r1, dismissed]);
        assert!(book.inbox().is_empty());
        assert_eq!(book.handled().len(), 1);
        book.apply(&received("r3", 3, vec![alert("a", Resolved, 5_000)]));
        assert!(book.handled().is_empty(), "nothing fires");
        assert!(book.starts_episode("g1", &[alert("a", Firing, 50_000)]));
        book.apply(&received("r4", 4, vec![alert("a", Firing, 50_000)]));
        let g = book.group("g1").unwrap();
        assert_eq!(g.episode, EventId::from("r4"));
        assert_eq!(g.triage, Triage::Open);
        assert_eq!(
            g.earliest_start(),
            Some(50_000),
            "the old episode's alerts are gone"
        );
    }

    #[test]
    fn a_new_alert_joining_a_dismissed_group_reopens_it_but_a_repeat_does_not() {
        let mut book = AlertBook::of(&[
            received("r1", 1, vec![alert("a", Firing, 5_000)]),
            triage(
                "d1",
                2,
                EventBody::AlertGroupDismissed {
                    group: "g1".into(),
                    episode: "r1".into(),
                    reason: "known".into(),
                },
            ),
        ]);
        book.apply(&received("r3", 3, vec![alert("a", Firing, 5_000)]));
        assert!(book.inbox().is_empty());
        book.apply(&received("r4", 4, vec![alert("b", Firing, 6_000)]));
        assert_eq!(book.inbox().len(), 1);
    }

    #[test]
    fn triage_of_a_past_episode_is_refused_and_ignored() {
        let mut book = AlertBook::of(&[
            received("r1", 1, vec![alert("a", Firing, 5_000)]),
            received("r2", 2, vec![alert("a", Resolved, 5_000)]),
            received("r3", 3, vec![alert("a", Firing, 7_000)]),
        ]);
        let stale = triage(
            "d1",
            4,
            EventBody::AlertGroupDismissed {
                group: "g1".into(),
                episode: "r1".into(),
                reason: "old".into(),
            },
        );
        assert!(book.refusal(&stale).unwrap().contains("fired again"));
        book.apply(&stale);
        assert_eq!(book.inbox().len(), 1);
    }

    #[test]
    fn attaching_holds_one_incident_and_linking_must_state_the_measured_start() {
        let mut book = AlertBook::of(&[received(
            "r1",
            1,
            vec![alert("a", Firing, 5_000), alert("b", Firing, 4_000)],
        )]);
        let attach = |to: &str| {
            triage(
                "t",
                2,
                EventBody::AlertGroupAttached {
                    group: "g1".into(),
                    episode: "r1".into(),
                    incident: to.into(),
                },
            )
        };
        let link = |incident: &str, started_at: i64| {
            Event::new(
                "l",
                incident,
                "ana",
                0,
                EventBody::AlertsLinked {
                    group: "g1".into(),
                    episode: "r1".into(),
                    source: AlertSource::Alertmanager,
                    title: "HighErrorRate".into(),
                    labels: Labels::new(),
                    alerts: 2,
                    started_at,
                },
            )
        };
        assert_eq!(book.refusal(&link("inc-1", 4_000)), None);
        assert!(book
            .refusal(&link("inc-1", 3_000))
            .unwrap()
            .contains("not 3000"));
        assert_eq!(book.refusal(&attach("inc-1")), None);
        book.apply(&attach("inc-1"));
        assert!(book.inbox().is_empty());
        assert!(book
            .refusal(&attach("inc-2"))
            .unwrap()
            .contains("already attached"));
        assert!(book
            .refusal(&link("inc-2", 4_000))
            .unwrap()
            .contains("already attached"));
        assert_eq!(book.refusal(&link("inc-1", 4_000)), None);
        book.apply(&attach("inc-2"));
        assert!(
            matches!(&book.group("g1").unwrap().triage, Triage::Attached { incident, .. } if &*incident.0 == "inc-1"),
            "the first attachment stands"
        );
        let dismiss = triage(
            "d",
            3,
            EventBody::AlertGroupDismissed {
                group: "g1".into(),
                episode: "r1".into(),
                reason: "x".into(),
            },
        );
        assert!(book.refusal(&dismiss).unwrap().contains("attached"));
        let unknown = triage(
            "u",
            3,
            EventBody::AlertGroupDismissed {
                group: "nope".into(),
                episode: "r1".into(),
                reason: "x".into(),
            },
        );
        assert!(book.refusal(&unknown).unwrap().contains("no alert group"));
    }

    #[test]
    fn a_storm_of_distinct_alerts_keeps_at_most_the_cap_and_counts_the_rest() {
        let alerts: Vec<Alert> = (0..MAX_GROUP_ALERTS + 250)
            .map(|i| alert(&format!("f{i:05}"), Firing, 1_000))
            .collect();
        let book = AlertBook::of(&[received("r1", 1, alerts)]);
        let g = book.group("g1").unwrap();
        assert_eq!(g.alerts.len(), MAX_GROUP_ALERTS);
        assert_eq!(g.omitted, 250);
        assert_eq!(book.inbox().len(), 1);
    }
}
