//! An event: one thing that happened to one incident, as the client made it
//! and, once the server has confirmed it, with the server's sequence number.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

// Ids, authors and note texts are `Arc<str>`: the fold copies them into
// every timeline entry, and a shared string makes that copy free.

/// Globally unique, made by the client (a UUIDv7, see `event_id`), so a
/// retried send can be recognised and applied once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(pub Arc<str>);

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IncidentId(pub Arc<str>);

/// The log's one stream that is not an incident: settings every console
/// shares (the component catalogue, roles, severity policy). Events on it
/// are written by admins only.
pub const WORKSPACE: &str = "workspace";

impl IncidentId {
    pub fn workspace() -> Self {
        IncidentId(Arc::from(WORKSPACE))
    }

    pub fn is_workspace(&self) -> bool {
        &*self.0 == WORKSPACE
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: EventId,
    pub incident: IncidentId,
    pub author: Arc<str>,
    /// The client's wall clock when the event was made, ms since the epoch (UTC).
    pub at: i64,
    pub body: EventBody,
    /// Position in the server's log; absent while the event is pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The server's clock when it first stored the event, ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<i64>,
    /// The author's estimate of `server clock − client clock` when the event
    /// was made (see `clock`), absent when unknown. `received_at` cannot
    /// correct `at`: an event made offline arrives late with an honest clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_offset: Option<i64>,
}

impl Event {
    pub fn is_confirmed(&self) -> bool {
        self.seq.is_some()
    }

    /// When the event happened, as well as anyone can tell: the author's
    /// clock, corrected by its known offset from the backend's.
    pub fn best_time(&self) -> i64 {
        self.at.saturating_add(self.clock_offset.unwrap_or(0))
    }
}

/// What happened. The `kind` tag is the wire name; unknown kinds are refused
/// by serde, which is what lets the server answer them with a 400.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventBody {
    Declared {
        title: String,
        severity: Severity,
        #[serde(default)]
        summary: String,
        /// When customer impact began, ms since the epoch; often well before
        /// the declaration.
        started_at: i64,
    },
    StatusChanged {
        status: Status,
    },
    SeverityChanged {
        severity: Severity,
    },
    NoteAdded {
        text: Arc<str>,
    },
}

impl EventBody {
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::Declared { .. } => "declared",
            EventBody::StatusChanged { .. } => "status_changed",
            EventBody::SeverityChanged { .. } => "severity_changed",
            EventBody::NoteAdded { .. } => "note_added",
        }
    }
}

/// SEV1 is the worst. Ordering follows urgency: `Sev1 < Sev2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Sev1,
        Severity::Sev2,
        Severity::Sev3,
        Severity::Sev4,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Severity::Sev1 => "SEV1",
            Severity::Sev2 => "SEV2",
            Severity::Sev3 => "SEV3",
            Severity::Sev4 => "SEV4",
        }
    }

    pub fn wire(self) -> &'static str {
        match self {
            Severity::Sev1 => "sev1",
            Severity::Sev2 => "sev2",
            Severity::Sev3 => "sev3",
            Severity::Sev4 => "sev4",
        }
    }

    pub fn from_wire(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.wire() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Investigating,
        Status::Identified,
        Status::Monitoring,
        Status::Resolved,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Status::Investigating => "Investigating",
            Status::Identified => "Identified",
            Status::Monitoring => "Monitoring",
            Status::Resolved => "Resolved",
        }
    }

    pub fn wire(self) -> &'static str {
        match self {
            Status::Investigating => "investigating",
            Status::Identified => "identified",
            Status::Monitoring => "monitoring",
            Status::Resolved => "resolved",
        }
    }

    pub fn from_wire(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|v| v.wire() == s)
    }

    pub fn is_open(self) -> bool {
        self != Status::Resolved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_round_trips_through_its_wire_form() {
        let json = r#"{"id":"e1","incident":"i1","author":"ana","at":5,
            "body":{"kind":"declared","title":"API down","severity":"sev1","summary":"","started_at":1}}"#;
        let ev: Event = serde_json::from_str(json).unwrap();
        assert_eq!(ev.body.kind(), "declared");
        assert_eq!(ev.seq, None);
        let back: Event = serde_json::from_str(&serde_json::to_string(&ev).unwrap()).unwrap();
        assert_eq!(back, ev);
    }

    #[test]
    fn an_unknown_kind_does_not_parse() {
        let json =
            r#"{"id":"e1","incident":"i1","author":"ana","at":5,"body":{"kind":"exploded"}}"#;
        assert!(serde_json::from_str::<Event>(json).is_err());
    }

    #[test]
    fn a_missing_field_does_not_parse() {
        let json = r#"{"id":"e1","incident":"i1","at":5,"body":{"kind":"note_added","text":"x"}}"#;
        assert!(serde_json::from_str::<Event>(json).is_err());
    }

    #[test]
    fn the_best_time_corrects_a_known_clock_offset() {
        let json = r#"{"id":"e1","incident":"i1","author":"ana","at":1000,"clock_offset":-400,
            "body":{"kind":"note_added","text":"x"}}"#;
        let ev: Event = serde_json::from_str(json).unwrap();
        assert_eq!(ev.best_time(), 600);
        let without: Event =
            serde_json::from_str(&json.replace(r#""clock_offset":-400,"#, "")).unwrap();
        assert_eq!(without.best_time(), 1000);
    }

    #[test]
    fn severities_order_by_urgency() {
        assert!(Severity::Sev1 < Severity::Sev4);
        assert_eq!(Severity::from_wire("sev3"), Some(Severity::Sev3));
        assert_eq!(Severity::from_wire("sev9"), None);
    }
}
