//! The wire format between a console and a coordination backend
//! (docs/protocol.md describes it for backend authors).

use crate::log::event::Event;
use crate::status_page::upstream::ProviderView;
use crate::vocabulary::{EventId, IncidentId};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/events`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostEvents {
    pub events: Vec<Event>,
}

/// The answer to a POST: one ack per event, in the order sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostEventsReply {
    pub acks: Vec<Ack>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub id: EventId,
    pub seq: u64,
    pub received_at: i64,
}

/// `GET /api/v1/events?after=SEQ&limit=N`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventsPage {
    pub events: Vec<Event>,
    /// The highest seq the backend holds: the page is the last one when the
    /// final event's seq equals it (or the page is empty).
    pub head: u64,
}

/// A message on `/api/v1/stream`.
// Messages live one at a time between the socket and the log, so the size
// of the event variant costs nothing worth a Box on every event.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamMessage {
    Event {
        event: Event,
    },
    /// Sent once, after the catch-up: everything up to `head` has been sent.
    CaughtUp {
        head: u64,
    },
    /// Who has an incident open right now (see `Presence`); sent to every
    /// subscriber whenever that changes. Not part of the log.
    Presence {
        incident: IncidentId,
        people: Vec<String>,
    },
    /// Every watched upstream provider as `GET /api/v1/upstreams` lists it:
    /// sent once after `caught_up`, then again whenever what any provider
    /// shows changes. Not part of the log.
    Upstreams {
        providers: Vec<ProviderView>,
    },
    /// A message type this build does not know: newer backends may send
    /// more, and an older console must carry on rather than drop the socket.
    #[serde(other)]
    Unknown,
}

/// What a console sends up the stream: the incident it has open (none when
/// it leaves), under the name its responder goes by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    Presence {
        incident: Option<IncidentId>,
        name: String,
    },
}

/// `GET /api/v1/upstreams`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpstreamsReply {
    pub providers: Vec<ProviderView>,
}

/// Every 4xx and 5xx answer carries this body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    /// The event the error is about, when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<EventId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_stream_message_type_parses_as_unknown() {
        let msg: StreamMessage =
            serde_json::from_str(r#"{"type":"weather","sunny":true}"#).unwrap();
        assert_eq!(msg, StreamMessage::Unknown);
    }

    #[test]
    fn upstreams_round_trip_with_their_type_tag() {
        use crate::status_page::upstream::{ProviderState, ProviderView};
        let msg = StreamMessage::Upstreams {
            providers: vec![ProviderView::of(
                "github",
                "https://www.githubstatus.com",
                &ProviderState::new(1_763_464_860_000),
            )],
        };
        let text = serde_json::to_string(&msg).unwrap();
        assert!(
            text.starts_with(r#"{"type":"upstreams","providers":[{"name":"github""#),
            "{text}"
        );
        let back: StreamMessage = serde_json::from_str(&text).unwrap();
        assert_eq!(back, msg);
    }

    #[test]
    fn presence_round_trips() {
        let msg = StreamMessage::Presence {
            incident: IncidentId("i1".into()),
            people: vec!["ana".into(), "bo".into()],
        };
        let back: StreamMessage =
            serde_json::from_str(&serde_json::to_string(&msg).unwrap()).unwrap();
        assert_eq!(back, msg);
    }
}

/// `POST /api/v1/session`: sign in with a name and password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub name: String,
    pub password: String,
}

/// `GET /api/v1/session` (and the answer to signing in): who you are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub name: String,
    pub role: crate::log::access::Role,
    /// When the session ends, ms since the epoch; absent for API tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}
