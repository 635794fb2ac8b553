//! What a backend accepts: the size of each text field and batch. The server
//! enforces these; the console shows the server's verdict beside the entry.

use crate::event::{Event, EventBody};

/// Largest request body `POST /api/v1/events` accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most events in one batch.
pub const MAX_BATCH: usize = 500;
pub const MAX_ID_BYTES: usize = 64;
pub const MAX_AUTHOR_BYTES: usize = 100;
pub const MAX_TITLE_BYTES: usize = 200;
pub const MAX_SUMMARY_BYTES: usize = 4 * 1024;
pub const MAX_NOTE_BYTES: usize = 64 * 1024;

/// Checks one event against the limits; the message is for a person.
pub fn check(ev: &Event) -> Result<(), String> {
    field("id", &ev.id.0, 1, MAX_ID_BYTES)?;
    field("incident", &ev.incident.0, 1, MAX_ID_BYTES)?;
    field("author", &ev.author, 1, MAX_AUTHOR_BYTES)?;
    match &ev.body {
        EventBody::Declared { title, summary, .. } => {
            if title.trim().is_empty() {
                return Err("the title is empty".into());
            }
            field("title", title, 1, MAX_TITLE_BYTES)?;
            field("summary", summary, 0, MAX_SUMMARY_BYTES)
        }
        EventBody::NoteAdded { text } => {
            if text.trim().is_empty() {
                return Err("the note is empty".into());
            }
            field("note", text, 1, MAX_NOTE_BYTES)
        }
        EventBody::StatusChanged { .. } | EventBody::SeverityChanged { .. } => Ok(()),
    }
}

fn field(name: &str, value: &str, min: usize, max: usize) -> Result<(), String> {
    if value.len() < min {
        Err(format!("{name} is empty"))
    } else if value.len() > max {
        Err(format!(
            "{name} is {} bytes; the limit is {max}",
            value.len()
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventId, IncidentId};

    fn note(text: String) -> Event {
        Event {
            id: EventId("e".into()),
            incident: IncidentId("i".into()),
            author: "ana".into(),
            at: 0,
            body: EventBody::NoteAdded { text: text.into() },
            seq: None,
            received_at: None,
            clock_offset: None,
        }
    }

    #[test]
    fn a_note_within_the_limit_passes() {
        assert!(check(&note("ok".into())).is_ok());
    }

    #[test]
    fn an_oversized_note_is_refused_with_its_size() {
        let err = check(&note("x".repeat(MAX_NOTE_BYTES + 1))).unwrap_err();
        assert!(err.contains("note is 65537 bytes"), "{err}");
    }

    #[test]
    fn a_blank_note_is_refused() {
        assert_eq!(check(&note("  ".into())).unwrap_err(), "the note is empty");
    }
}
