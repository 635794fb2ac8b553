//! What an incident keeps of its alerts: the groups it took from the inbox,
//! its detection time measured from them, and a timeline entry whenever
//! one of their alerts fires or resolves (which never resolves the
//! incident: people decide that).

use super::*;

impl Incident {
    pub(super) fn fold_alerts(&mut self, ev: &Event) -> Option<EntryWhat> {
        match &ev.body {
            EventBody::AlertsLinked {
                group,
                source,
                title,
                alerts,
                started_at,
                ..
            } => {
                if !self.alert_groups.contains(group) {
                    self.alert_groups.push(group.clone());
                }
                // Detection is the first alert's start, unless something
                // earlier is on record: the earliest signal is when we knew.
                self.detected_at =
                    Some(self.detected_at.map_or(*started_at, |d| d.min(*started_at)));
                Some(EntryWhat::AlertsLinked {
                    title: title.clone(),
                    source: *source,
                    alerts: *alerts,
                    started_at: *started_at,
                })
            }
            EventBody::AlertsChanged {
                firing,
                resolved,
                omitted,
                ..
            } => Some(EntryWhat::Alerts {
                firing: firing.clone(),
                resolved: resolved.clone(),
                omitted: *omitted,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::model::{AlertBrief, AlertSource, Labels};

    fn declared(detected_at: Option<i64>) -> Event {
        Event::new(
            "d",
            "inc-1",
            "ana",
            10_000,
            EventBody::Declared {
                title: "Checkout errors".into(),
                severity: Severity::Sev2,
                summary: String::new(),
                started_at: 1_000,
                detected_at,
            },
        )
    }

    fn linked(id: &str, started_at: i64) -> Event {
        Event::new(
            id,
            "inc-1",
            "ana",
            10_001,
            EventBody::AlertsLinked {
                group: format!("g-{id}"),
                episode: "r1".into(),
                source: AlertSource::Alertmanager,
                title: "HighErrorRate".into(),
                labels: Labels::new(),
                alerts: 2,
                started_at,
            },
        )
    }

    #[test]
    fn detection_is_the_earliest_start_of_the_linked_alerts() {
        let mut inc = Incident::new("inc-1".into());
        inc.apply(&declared(None));
        inc.apply(&linked("l1", 4_000));
        assert_eq!(inc.detected_at, Some(4_000));
        assert_eq!(inc.time_to_detect_ms(), Some(3_000));
        inc.apply(&linked("l2", 3_500));
        assert_eq!(
            inc.detected_at,
            Some(3_500),
            "an earlier alert moves it back"
        );
        inc.apply(&linked("l3", 9_000));
        assert_eq!(inc.detected_at, Some(3_500), "a later one does not");
        assert_eq!(inc.alert_groups, ["g-l1", "g-l2", "g-l3"]);
        let mut typed = Incident::new("inc-1".into());
        typed.apply(&declared(Some(2_000)));
        typed.apply(&linked("l1", 4_000));
        assert_eq!(
            typed.detected_at,
            Some(2_000),
            "an earlier typed detection stands"
        );
    }

    #[test]
    fn a_resolved_alert_is_an_entry_and_never_resolves_the_incident() {
        let mut inc = Incident::new("inc-1".into());
        inc.apply(&declared(None));
        let brief = AlertBrief {
            fingerprint: "a".into(),
            name: "HighErrorRate".into(),
            labels: Labels::new(),
            at: 20_000,
        };
        inc.apply(&Event::new(
            "c",
            "inc-1",
            "sitrep-server",
            20_000,
            EventBody::AlertsChanged {
                group: "g".into(),
                firing: Vec::new(),
                resolved: vec![brief],
                omitted: 0,
            },
        ));
        assert_eq!(inc.status, Status::Investigating);
        assert_eq!(inc.resolved_at, None);
        let last = inc.timeline.last().unwrap();
        assert_eq!(last.what.kind(), EntryKind::Alerts);
        assert!(matches!(&last.what, EntryWhat::Alerts { resolved, .. } if resolved.len() == 1));
    }
}
