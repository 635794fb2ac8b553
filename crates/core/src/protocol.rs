//! The wire format between a console and a coordination backend
//! (docs/protocol.md describes it for backend authors).

use crate::event::{Event, EventId};
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
}

/// Every 4xx and 5xx answer carries this body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    /// The event the error is about, when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<EventId>,
}
