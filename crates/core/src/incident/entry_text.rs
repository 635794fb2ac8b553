//! An incident timeline entry as plain text, named with the workspace's
//! names: what the room's one-line labels and the post-mortem both read.

use crate::comms::Review;
use crate::incident::severity_policy::percent;
use crate::incident::EntryWhat;
use crate::time::utc;
use crate::workspace::Workspace;

/// An entry as text: the fact itself, or a note's whole text after its kind.
pub fn line(what: &EntryWhat, w: &Workspace) -> String {
    match what {
        EntryWhat::Declared { title, severity } => {
            format!("Declared {} · {}", severity.label(), title)
        }
        EntryWhat::Status { from, to } => format!("Status {} → {}", from.label(), to.label()),
        EntryWhat::Severity { from, to } => format!("Severity {} → {}", from.label(), to.label()),
        EntryWhat::Note { text, kind } => format!("{}: {}", kind.label(), text),
        EntryWhat::Role { role, from, to } => {
            let role = w.role_name(role);
            match (from, to) {
                (Some(f), Some(t)) => format!("{role}: handed over from {f} to {t}"),
                (None, Some(t)) => format!("{role}: {t}"),
                (Some(f), None) => format!("{role}: released by {f}"),
                (None, None) => format!("{role}: released"),
            }
        }
        EntryWhat::ChangeStarted { what, outcome } => match outcome {
            Some(o) => format!("Change: {what} (outcome: {})", o.label()),
            None => format!("Change: {what} (no outcome yet)"),
        },
        EntryWhat::ChangeOutcome {
            what,
            outcome,
            note,
            ..
        } if note.is_empty() => {
            format!("Outcome of “{what}”: {}", outcome.label())
        }
        EntryWhat::ChangeOutcome {
            what,
            outcome,
            note,
            ..
        } => {
            format!("Outcome of “{what}”: {} — {note}", outcome.label())
        }
        EntryWhat::TaskAdded { title } => format!("Task added: {title}"),
        EntryWhat::TaskDone { title, done: true } => format!("Task done: {title}"),
        EntryWhat::TaskDone { title, done: false } => format!("Task reopened: {title}"),
        EntryWhat::Component { component, status } => match status {
            Some(s) => format!("{}: {}", w.component_name(component), s.label()),
            None => format!(
                "{}: no longer listed as affected",
                w.component_name(component)
            ),
        },
        EntryWhat::Impact {
            customer_impact,
            share_permille,
        } => {
            let who = if *customer_impact {
                "Customers affected"
            } else {
                "No customer impact"
            };
            match share_permille {
                Some(p) => format!("{who}; {} of users or traffic", percent(*p)),
                None => who.to_string(),
            }
        }
        EntryWhat::Times {
            started_at,
            detected_at,
            declared_at,
        } => {
            let mut parts = Vec::new();
            if let Some(t) = started_at {
                parts.push(format!("impact start {}", utc::format(*t)));
            }
            if let Some(t) = detected_at {
                parts.push(format!("detected {}", utc::format(*t)));
            }
            if let Some(t) = declared_at {
                parts.push(format!("declared {}", utc::format(*t)));
            }
            format!("Times corrected: {}", parts.join(", "))
        }
        EntryWhat::MaintenancePlanned {
            title,
            starts_at,
            ends_at,
            freeze_reason,
        } => format!(
            "Maintenance planned: {title}, {} to {}{}",
            utc::format(*starts_at),
            utc::format(*ends_at),
            during_freeze(freeze_reason.as_deref())
        ),
        EntryWhat::MaintenanceStarted { freeze_reason } => format!(
            "Maintenance started{}",
            during_freeze(freeze_reason.as_deref())
        ),
        EntryWhat::MaintenanceCompleted => "Maintenance completed".to_string(),
        EntryWhat::MaintenanceOverrun { note, ends_at } => format!(
            "Maintenance overrun: {note} (now expected to end {})",
            utc::format(*ends_at)
        ),
        EntryWhat::MaintenanceConverted { severity } => {
            format!("Maintenance converted into a {} incident", severity.label())
        }
        EntryWhat::AlertsLinked {
            title,
            source,
            alerts,
            started_at,
        } => format!(
            "Alerts attached: {title} from {} ({alerts} firing since {})",
            source.label(),
            utc::format(*started_at)
        ),
        EntryWhat::Alerts {
            firing,
            resolved,
            omitted,
        } => {
            let name = |b: &crate::alerts::model::AlertBrief| {
                let rest: Vec<String> = b
                    .labels
                    .iter()
                    .filter(|(k, _)| k.as_str() != "alertname")
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                if rest.is_empty() {
                    b.name.clone()
                } else {
                    format!("{} {{{}}}", b.name, rest.join(", "))
                }
            };
            let mut parts = Vec::new();
            if !resolved.is_empty() {
                let names: Vec<String> = resolved.iter().map(name).collect();
                let word = if resolved.len() == 1 {
                    "Alert resolved"
                } else {
                    "Alerts resolved"
                };
                parts.push(format!("{word}: {}", names.join("; ")));
            }
            if !firing.is_empty() {
                let names: Vec<String> = firing.iter().map(name).collect();
                let word = if firing.len() == 1 {
                    "Alert firing"
                } else {
                    "Alerts firing"
                };
                parts.push(format!("{word}: {}", names.join("; ")));
            }
            if *omitted > 0 {
                parts.push(format!("and {omitted} more"));
            }
            parts.join(". ")
        }
        EntryWhat::Update { phase, step, .. } => {
            let step = match step {
                Review::Draft => "drafted",
                Review::Approved => "approved",
                Review::Published => "published",
            };
            format!("Customer update ({}) {step}", phase.label())
        }
        EntryWhat::SocialPosted { url, .. } => format!("Social post posted: {url}"),
    }
}

/// The logged reason a maintenance went ahead during a change freeze.
fn during_freeze(reason: Option<&str>) -> String {
    match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => format!(" during a change freeze: {r}"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::{ComponentId, ComponentStatus, NoteKind, Status};

    #[test]
    fn facts_read_as_sentences_and_notes_keep_their_whole_text() {
        let w = Workspace::default();
        let status = EntryWhat::Status {
            from: Status::Investigating,
            to: Status::Resolved,
        };
        assert_eq!(line(&status, &w), "Status Investigating → Resolved");
        let note = EntryWhat::Note {
            text: "line one\nline two".into(),
            kind: NoteKind::Decision,
        };
        assert_eq!(line(&note, &w), "Decision: line one\nline two");
        let comp = EntryWhat::Component {
            component: ComponentId("cdn".into()),
            status: Some(ComponentStatus::MajorOutage),
        };
        assert!(
            line(&comp, &w).ends_with(": Major outage"),
            "{}",
            line(&comp, &w)
        );
    }

    #[test]
    fn alert_entries_name_each_alert_with_its_distinguishing_labels() {
        use crate::alerts::model::AlertBrief;
        let brief = |name: &str, instance: &str| AlertBrief {
            fingerprint: instance.into(),
            name: name.into(),
            labels: [("alertname", name), ("instance", instance)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            at: 0,
        };
        let w = Workspace::default();
        let what = EntryWhat::Alerts {
            firing: vec![brief("HighLatency", "web-2")],
            resolved: vec![brief("HighErrorRate", "web-1")],
            omitted: 3,
        };
        assert_eq!(
            line(&what, &w),
            "Alert resolved: HighErrorRate {instance=web-1}. Alert firing: HighLatency {instance=web-2}. and 3 more"
        );
    }
}
