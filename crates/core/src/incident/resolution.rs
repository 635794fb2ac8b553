//! Resolving an incident: what still says it is not over (components not
//! operational, tasks open, customers not told it is resolved), and the
//! resolution note that must go with it, written before the status.

use crate::comms::Phase;
use crate::incident::Incident;
use crate::log::event::EventBody;
use crate::vocabulary::{ComponentStatus, NoteKind, Status};
use crate::workspace::Workspace;

/// Each thing that argues against resolving now, in words for the room.
/// Remediation tasks are follow-up work that outlives the incident, so they
/// do not count as open.
pub fn warnings(i: &Incident, w: &Workspace) -> Vec<String> {
    let mut out = Vec::new();
    let affected: Vec<String> = i
        .components
        .iter()
        .filter(|(_, s)| **s != ComponentStatus::Operational)
        .map(|(id, s)| format!("{} ({})", w.component_name(id), s.label()))
        .collect();
    if !affected.is_empty() {
        out.push(format!(
            "Not operational yet: {}. Set them operational first if they have recovered.",
            affected.join(", ")
        ));
    }
    let open: Vec<&str> = i
        .tasks
        .iter()
        .filter(|t| t.done_at.is_none() && !t.remediation)
        .map(|t| t.title.as_str())
        .collect();
    if !open.is_empty() {
        out.push(format!(
            "{} open task{}: {}.",
            open.len(),
            if open.len() == 1 { "" } else { "s" },
            open.join(", ")
        ));
    }
    let told = i
        .updates
        .iter()
        .any(|u| u.phase == Phase::Resolved && u.published_at.is_some());
    if !told {
        out.push(
            "No resolving customer update has been published: customers still read that it is going on."
                .into(),
        );
    }
    out
}

/// The events that resolve: the resolution note (required), then the status.
pub fn events(note: &str) -> Result<Vec<EventBody>, String> {
    let note = note.trim();
    if note.is_empty() {
        return Err("Write the resolution note: what ended the impact.".into());
    }
    Ok(vec![
        EventBody::NoteAdded {
            text: format!("Resolution: {note}").into(),
            entry: NoteKind::Decision,
        },
        EventBody::StatusChanged {
            status: Status::Resolved,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comms::Channels;
    use crate::log::event::Event;
    use crate::vocabulary::{ComponentId, EventId, Severity};

    fn incident(bodies: Vec<EventBody>) -> Incident {
        let mut i = Incident::new(crate::vocabulary::IncidentId("i".into()));
        let mut all = vec![EventBody::Declared {
            title: "Checkout errors".into(),
            severity: Severity::Sev2,
            summary: String::new(),
            started_at: 0,
            detected_at: None,
        }];
        all.extend(bodies);
        for (n, body) in all.into_iter().enumerate() {
            i.apply(&Event::new(format!("e{n}"), "i", "ana", n as i64 + 1, body));
        }
        i
    }

    fn published_resolution() -> Vec<EventBody> {
        vec![
            EventBody::UpdateDrafted {
                phase: Phase::Resolved,
                channels: Channels::default(),
                components: Default::default(),
                public_title: Some("Checkout errors".into()),
            },
            EventBody::UpdatePublished {
                update: EventId("e1".into()),
                targets: Vec::new(),
                overrides: Vec::new(),
            },
        ]
    }

    #[test]
    fn an_affected_component_an_open_task_and_silence_each_warn() {
        let i = incident(vec![
            EventBody::ComponentStatusSet {
                component: ComponentId("api".into()),
                status: ComponentStatus::PartialOutage,
            },
            EventBody::TaskAdded {
                title: "Roll back the cache".into(),
                assignee: None,
                due_at: None,
                remediation: false,
            },
        ]);
        let got = warnings(&i, &Workspace::default());
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].contains("(api) (Partial outage)"), "{got:?}");
        assert!(
            got[1].contains("1 open task: Roll back the cache"),
            "{got:?}"
        );
        assert!(got[2].contains("No resolving customer update"), "{got:?}");
    }

    #[test]
    fn recovered_components_done_or_remediation_tasks_and_a_published_resolution_pass() {
        let mut bodies = vec![
            EventBody::ComponentStatusSet {
                component: ComponentId("api".into()),
                status: ComponentStatus::Operational,
            },
            EventBody::TaskAdded {
                title: "Add an alert on pool size".into(),
                assignee: None,
                due_at: None,
                remediation: true,
            },
        ];
        // The update drafted first so its id is e1, as published_resolution names it.
        bodies.splice(0..0, published_resolution());
        let i = incident(bodies);
        assert_eq!(warnings(&i, &Workspace::default()), Vec::<String>::new());
    }

    #[test]
    fn a_resolution_needs_its_note_which_comes_before_the_status() {
        assert!(events("   ").is_err());
        let got = events(" Rolled back the deploy ").unwrap();
        assert!(matches!(
            &got[0],
            EventBody::NoteAdded { text, entry: NoteKind::Decision } if &**text == "Resolution: Rolled back the deploy"
        ));
        assert_eq!(
            got[1],
            EventBody::StatusChanged {
                status: Status::Resolved
            }
        );
    }
}
