//! How the server turns a storm into a trickle: alerts that are news wait
//! per group and go out as one `alerts_received` event at most once per
//! interval (a second), each event within a byte budget. Memory is bounded:
//! a group holds at most `MAX_PENDING` waiting alerts (more are counted,
//! like the book's own cap), and at most `MAX_GROUPS` groups may wait at
//! once (more are refused so the sender retries). Time is passed in.

use crate::alerts::intake::Received;
use crate::alerts::model::{Alert, AlertSource, Labels};
use std::collections::{BTreeMap, HashMap};

pub const INTERVAL_MS: i64 = 1000;
pub const MAX_PENDING: usize = crate::alerts::book::MAX_GROUP_ALERTS;
pub const MAX_GROUPS: usize = 1000;
/// What one event's alerts may weigh, well under a POST body and a
/// stream message.
pub const EVENT_BUDGET_BYTES: usize = 512 * 1024;

/// A group's alerts waiting to be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub group: String,
    pub source: AlertSource,
    pub receiver: String,
    pub group_labels: Labels,
    pub alerts: Vec<Alert>,
    pub omitted: u64,
    /// Every alert added up to this ticket is in this batch or an earlier one.
    pub through: u64,
}

#[derive(Debug, Default)]
struct Slot {
    flushed_at: Option<i64>,
    source: Option<AlertSource>,
    receiver: String,
    group_labels: Labels,
    /// Waiting alerts by ticket, oldest first; `by_fingerprint` indexes them.
    waiting: BTreeMap<u64, Alert>,
    by_fingerprint: HashMap<String, u64>,
    omitted: u64,
    /// When the waiting alerts go out; None when nothing waits.
    due: Option<i64>,
}

/// The waiting room, per group.
#[derive(Debug, Default)]
pub struct Pacer {
    slots: HashMap<String, Slot>,
    ticket: u64,
}

/// Too many groups are waiting already: the sender should retry shortly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Full;

impl Pacer {
    pub fn new() -> Self {
        Self::default()
    }

    /// A waiting alert, for deduplication against what is not stored yet.
    pub fn waiting(&self, group: &str, fingerprint: &str) -> Option<&Alert> {
        let slot = self.slots.get(group)?;
        slot.waiting.get(slot.by_fingerprint.get(fingerprint)?)
    }

    /// Queues the news of a payload. Returns the ticket to wait for (see
    /// `taken_through`) and when the group is due.
    pub fn add(
        &mut self,
        received: &Received,
        news: Vec<Alert>,
        now: i64,
    ) -> Result<(u64, i64), Full> {
        let waiting_groups = self.slots.values().filter(|s| s.due.is_some()).count();
        let slot_waits = self
            .slots
            .get(&received.group)
            .is_some_and(|s| s.due.is_some());
        if !slot_waits && waiting_groups >= MAX_GROUPS {
            return Err(Full);
        }
        let slot = self.slots.entry(received.group.clone()).or_default();
        slot.source = Some(received.source);
        slot.receiver = received.receiver.clone();
        slot.group_labels = received.group_labels.clone();
        slot.omitted += received.truncated;
        for alert in news {
            if let Some(old) = slot.by_fingerprint.remove(&alert.fingerprint) {
                slot.waiting.remove(&old);
            } else if slot.waiting.len() >= MAX_PENDING {
                slot.omitted += 1;
                continue;
            }
            self.ticket += 1;
            slot.by_fingerprint
                .insert(alert.fingerprint.clone(), self.ticket);
            slot.waiting.insert(self.ticket, alert);
        }
        let due = match slot.flushed_at {
            Some(t) => now.max(t + INTERVAL_MS),
            None => now,
        };
        if slot.waiting.is_empty() && slot.omitted == 0 {
            return Ok((self.ticket, now));
        }
        let due = slot.due.map_or(due, |d| d.min(due));
        slot.due = Some(due);
        Ok((self.ticket, due))
    }

    /// When the next group is due, if any waits.
    pub fn next_due(&self) -> Option<i64> {
        self.slots.values().filter_map(|s| s.due).min()
    }

    /// Takes every group due at `now`, each within the event budget (the
    /// rest waits another interval), and forgets groups that have been
    /// quiet for a while.
    pub fn take_due(&mut self, now: i64) -> Vec<Batch> {
        let mut out = Vec::new();
        for (group, slot) in &mut self.slots {
            if slot.due.is_none_or(|d| d > now) {
                continue;
            }
            let mut alerts = Vec::new();
            let mut bytes = 0;
            while let Some((&ticket, alert)) = slot.waiting.first_key_value() {
                let weight = weight(alert);
                if !alerts.is_empty() && bytes + weight > EVENT_BUDGET_BYTES {
                    break;
                }
                bytes += weight;
                slot.by_fingerprint.remove(&alert.fingerprint);
                let Some(alert) = slot.waiting.remove(&ticket) else {
                    break;
                };
                alerts.push(alert);
            }
            let through = match slot.waiting.first_key_value() {
                Some((&next, _)) => next - 1,
                None => self.ticket,
            };
            out.push(Batch {
                group: group.clone(),
                source: slot.source.unwrap_or(AlertSource::Generic),
                receiver: slot.receiver.clone(),
                group_labels: slot.group_labels.clone(),
                alerts,
                omitted: std::mem::take(&mut slot.omitted),
                through,
            });
            slot.flushed_at = Some(now);
            slot.due = (!slot.waiting.is_empty()).then_some(now + INTERVAL_MS);
        }
        // A group quiet for a whole interval since its last flush needs no slot.
        self.slots
            .retain(|_, s| s.due.is_some() || s.flushed_at.is_some_and(|t| now < t + INTERVAL_MS));
        crate::ordering::sort_by(&mut out, |a, b| a.group.cmp(&b.group));
        out
    }

    /// Alerts waiting, over all groups.
    pub fn waiting_alerts(&self) -> usize {
        self.slots.values().map(|s| s.waiting.len()).sum()
    }

    /// Groups with alerts waiting.
    pub fn waiting_groups(&self) -> usize {
        self.slots.values().filter(|s| s.due.is_some()).count()
    }
}

/// An alert's size on the wire, near enough (its text plus the JSON around it).
pub fn weight(a: &Alert) -> usize {
    let text: usize = a
        .labels
        .iter()
        .chain(a.annotations.iter())
        .map(|(k, v)| k.len() + v.len() + 8)
        .sum();
    text + a.fingerprint.len() + a.url.len() + 120
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::model::AlertStatus;

    fn alert(fp: &str, status: AlertStatus) -> Alert {
        Alert {
            fingerprint: fp.into(),
            status,
            labels: Labels::from([("alertname".to_string(), "X".to_string())]),
            annotations: Labels::new(),
            starts_at: 1,
            ends_at: None,
            url: String::new(),
        }
    }

    fn payload(group: &str) -> Received {
        Received {
            source: AlertSource::Generic,
            group: group.into(),
            receiver: String::new(),
            group_labels: Labels::new(),
            alerts: Vec::new(),
            truncated: 0,
        }
    }

    #[test]
    fn the_first_news_goes_at_once_and_the_rest_of_the_second_waits() {
        let mut p = Pacer::new();
        let (_, due) = p
            .add(&payload("g"), vec![alert("a", AlertStatus::Firing)], 10_000)
            .unwrap();
        assert_eq!(due, 10_000);
        assert_eq!(p.take_due(10_000).len(), 1);
        let (t2, due) = p
            .add(&payload("g"), vec![alert("b", AlertStatus::Firing)], 10_100)
            .unwrap();
        assert_eq!(due, 11_000, "one event per group per second");
        assert!(p.take_due(10_500).is_empty());
        let batch = p.take_due(11_000);
        assert_eq!(batch.len(), 1);
        assert!(batch[0].through >= t2);
    }

    #[test]
    fn a_thousand_alerts_in_a_second_make_two_events_for_their_group() {
        let mut p = Pacer::new();
        let mut events = 0;
        for i in 0..1000 {
            let now = 50_000 + i;
            p.add(
                &payload("g"),
                vec![alert(&format!("f{i}"), AlertStatus::Firing)],
                now,
            )
            .unwrap();
            events += p.take_due(now).len();
        }
        events += p.take_due(51_000).len();
        assert_eq!(events, 2);
        assert_eq!(p.waiting_alerts(), 0);
    }

    #[test]
    fn a_later_word_about_a_waiting_alert_replaces_it() {
        let mut p = Pacer::new();
        p.add(&payload("g"), vec![alert("a", AlertStatus::Firing)], 0)
            .unwrap();
        p.take_due(0);
        p.add(&payload("g"), vec![alert("b", AlertStatus::Firing)], 10)
            .unwrap();
        p.add(&payload("g"), vec![alert("b", AlertStatus::Resolved)], 20)
            .unwrap();
        assert_eq!(p.waiting("g", "b").unwrap().status, AlertStatus::Resolved);
        let batch = p.take_due(1_000);
        assert_eq!(batch[0].alerts.len(), 1);
    }

    #[test]
    fn memory_is_bounded_per_group_and_in_groups() {
        let mut p = Pacer::new();
        p.add(&payload("g"), vec![alert("first", AlertStatus::Firing)], 0)
            .unwrap();
        p.take_due(0);
        let storm: Vec<Alert> = (0..MAX_PENDING + 10)
            .map(|i| alert(&format!("f{i}"), AlertStatus::Firing))
            .collect();
        p.add(&payload("g"), storm, 1).unwrap();
        assert_eq!(p.waiting_alerts(), MAX_PENDING);
        let batch = p.take_due(1_000);
        assert_eq!(batch[0].omitted, 10);
        for g in 0..MAX_GROUPS {
            p.add(
                &payload(&format!("h{g}")),
                vec![alert("a", AlertStatus::Firing)],
                1_500,
            )
            .unwrap();
        }
        assert_eq!(
            p.add(
                &payload("one-too-many"),
                vec![alert("a", AlertStatus::Firing)],
                1_500
            ),
            Err(Full)
        );
        p.take_due(1_500);
        assert_eq!(p.waiting_groups(), 0);
        p.take_due(10_000);
        assert!(p.slots.is_empty(), "quiet groups are forgotten");
    }

    #[test]
    fn a_batch_stays_within_the_event_budget_and_the_rest_follows() {
        let mut p = Pacer::new();
        let big = |i: usize| {
            let mut a = alert(&format!("f{i}"), AlertStatus::Firing);
            a.annotations.insert("description".into(), "x".repeat(2000));
            a
        };
        let (ticket, _) = p
            .add(&payload("g"), (0..MAX_PENDING).map(big).collect(), 0)
            .unwrap();
        let first = p.take_due(0);
        let weight: usize = first[0].alerts.iter().map(weight).sum();
        assert!(weight <= EVENT_BUDGET_BYTES);
        assert!(first[0].through < ticket, "not everything is stored yet");
        let mut now = 0;
        let mut stored = first[0].alerts.len();
        while p.waiting_alerts() > 0 {
            now += INTERVAL_MS;
            let b = p.take_due(now);
            stored += b[0].alerts.len();
            if p.waiting_alerts() == 0 {
                assert_eq!(b[0].through, ticket);
            }
        }
        assert_eq!(stored, MAX_PENDING);
    }
}
