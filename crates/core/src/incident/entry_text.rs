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
        } => format!(
            "Maintenance planned: {title}, {} to {}",
            utc::format(*starts_at),
            utc::format(*ends_at)
        ),
        EntryWhat::MaintenanceStarted => "Maintenance started".to_string(),
        EntryWhat::MaintenanceCompleted => "Maintenance completed".to_string(),
        EntryWhat::MaintenanceOverrun { note, ends_at } => format!(
            "Maintenance overrun: {note} (now expected to end {})",
            utc::format(*ends_at)
        ),
        EntryWhat::MaintenanceConverted { severity } => {
            format!("Maintenance converted into a {} incident", severity.label())
        }
        EntryWhat::Update { phase, step, .. } => {
            let step = match step {
                Review::Draft => "drafted",
                Review::Approved => "approved",
                Review::Published => "published",
            };
            format!("Customer update ({}) {step}", phase.label())
        }
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
}
