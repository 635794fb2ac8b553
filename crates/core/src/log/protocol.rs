//! The wire format between a console and a coordination backend
//! (docs/protocol.md describes it for backend authors).

use crate::log::event::Event;
use crate::status_page::upstream::ProviderView;
use crate::vocabulary::{EventId, IncidentId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `POST /api/v1/events`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PostEvents {
    pub events: Vec<Event>,
}

/// The answer to a POST: one ack per event, in the order sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PostEventsReply {
    pub acks: Vec<Ack>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Ack {
    pub id: EventId,
    pub seq: u64,
    pub received_at: i64,
    /// The incident number this event was given: only on the `declared`
    /// event that first declared its incident (see `Event::number`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
}

/// The query of `GET /api/v1/events?after=SEQ&limit=N`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventsParams {
    /// Events with a seq above this one; 0 (from the start) when absent.
    #[serde(default)]
    pub after: u64,
    /// At most this many: default 500, above 1000 read as 1000, 0 as 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

/// The query that opens `/api/v1/stream?after=SEQ&batch=1`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StreamParams {
    /// Catch up from the event after this seq; 0 (from the start) when absent.
    #[serde(default)]
    pub after: u64,
    /// `1`: the client reads `events` messages (several events each); any
    /// other value or none, one `event` message per event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
}

impl StreamParams {
    /// The parameters as the URL carries them, in order, before encoding.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("after", self.after.to_string())];
        pairs.extend(self.batch.clone().map(|b| ("batch", b)));
        pairs
    }

    /// Whether the client asked for `events` messages.
    pub fn batched(&self) -> bool {
        self.batch.as_deref() == Some("1")
    }
}

/// `GET /api/v1/events?after=SEQ&limit=N`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventsPage {
    pub events: Vec<Event>,
    /// The highest seq the backend holds: the page is the last one when the
    /// final event's seq equals it (or the page is empty).
    pub head: u64,
    /// The log's id, as `caught_up` carries it; absent from backends that
    /// do not name their log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

/// A message on `/api/v1/stream`, from the backend. A receiver skips a
/// `type` it does not know: backends may send more.
// Decoded tag first (`crate::tagged`, `stream_message` below).
// Messages live one at a time between the socket and the log, so the size
// of the event variant costs nothing worth a Box on every event.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamMessage {
    Event {
        event: Event,
    },
    /// Several consecutive events, in ascending seq, as if each had come in
    /// its own `event` message. Sent only to a client that opened the
    /// stream with `batch=1`, which a backend may ignore (then every event
    /// comes as `event`).
    Events {
        events: Vec<Event>,
    },
    /// Sent once, after the catch-up: everything up to `head` has been sent.
    CaughtUp {
        head: u64,
        /// Names the backend's log: made once when the log is created, the
        /// same for as long as it is kept, new when it is replaced (reset,
        /// a new data dir). A client that held another id knows this is not
        /// the log it synced with, whatever the head. Absent from backends
        /// that do not name their log.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        log: Option<String>,
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
    #[cfg_attr(feature = "schema", schemars(skip))]
    Unknown,
}

/// What a console sends up the stream: the incident it has open (none when
/// it leaves), under the name its responder goes by.
// Decoded tag first (`crate::tagged`, `client_message` below).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    Presence {
        incident: Option<IncidentId>,
        name: String,
    },
}

// The tag-first decoders of the two stream enums: a struct per variant with
// the variant's fields (no `deny_unknown_fields`, as the enums have none),
// and the `type` values. `Unknown` takes every type this build does not
// know, with whatever it carries.

impl<'de> Deserialize<'de> for StreamMessage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::tagged::deserialize(d)
    }
}

impl crate::tagged::TagFirst for StreamMessage {
    const TAG: &'static str = "type";
    const EXPECTING: &'static str = "internally tagged enum StreamMessage";
    type Kind = stream_message::Type;

    fn variant<'de, A: serde::de::MapAccess<'de>>(
        kind: stream_message::Type,
        rest: A,
    ) -> Result<Self, A::Error> {
        use crate::tagged::{fields, ignore_rest};
        use stream_message as m;
        Ok(match kind {
            m::Type::Event => {
                let m::Event { event } = fields(rest)?;
                StreamMessage::Event { event }
            }
            m::Type::Events => {
                let m::Events { events } = fields(rest)?;
                StreamMessage::Events { events }
            }
            m::Type::CaughtUp => {
                let m::CaughtUp { head, log } = fields(rest)?;
                StreamMessage::CaughtUp { head, log }
            }
            m::Type::Presence => {
                let m::Presence { incident, people } = fields(rest)?;
                StreamMessage::Presence { incident, people }
            }
            m::Type::Upstreams => {
                let m::Upstreams { providers } = fields(rest)?;
                StreamMessage::Upstreams { providers }
            }
            m::Type::Unknown => {
                ignore_rest(rest)?;
                StreamMessage::Unknown
            }
        })
    }
}

mod stream_message {
    use super::*;

    /// A field identifier rather than a variant identifier: only that kind
    /// takes an `other` variant.
    #[derive(Deserialize)]
    #[serde(field_identifier, rename_all = "snake_case")]
    pub(crate) enum Type {
        Event,
        Events,
        CaughtUp,
        Presence,
        Upstreams,
        #[serde(other)]
        Unknown,
    }

    #[derive(Deserialize)]
    pub(super) struct Event {
        pub event: super::Event,
    }

    #[derive(Deserialize)]
    pub(super) struct Events {
        pub events: Vec<super::Event>,
    }

    #[derive(Deserialize)]
    pub(super) struct CaughtUp {
        pub head: u64,
        #[serde(default)]
        pub log: Option<String>,
    }

    #[derive(Deserialize)]
    pub(super) struct Presence {
        pub incident: IncidentId,
        pub people: Vec<String>,
    }

    #[derive(Deserialize)]
    pub(super) struct Upstreams {
        pub providers: Vec<ProviderView>,
    }
}

impl<'de> Deserialize<'de> for ClientMessage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::tagged::deserialize(d)
    }
}

impl crate::tagged::TagFirst for ClientMessage {
    const TAG: &'static str = "type";
    const EXPECTING: &'static str = "internally tagged enum ClientMessage";
    type Kind = client_message::Type;

    fn variant<'de, A: serde::de::MapAccess<'de>>(
        kind: client_message::Type,
        rest: A,
    ) -> Result<Self, A::Error> {
        match kind {
            client_message::Type::Presence => {
                let client_message::Presence { incident, name } = crate::tagged::fields(rest)?;
                Ok(ClientMessage::Presence { incident, name })
            }
        }
    }
}

mod client_message {
    use super::*;

    #[derive(Deserialize)]
    #[serde(variant_identifier, rename_all = "snake_case")]
    pub(crate) enum Type {
        Presence,
    }

    #[derive(Deserialize)]
    pub(super) struct Presence {
        pub incident: Option<IncidentId>,
        pub name: String,
    }
}

/// `GET /api/v1/upstreams`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UpstreamsReply {
    pub providers: Vec<ProviderView>,
}

/// `GET /api/v1/health`, for balancers and monitors (no account needed).
// The fields are declared in the order the reference server has always sent
// them (alphabetical, from a `json!` map), so the bytes did not change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Health {
    /// The log's head as this replica reads it (an answer at all means its
    /// database answers).
    pub head: u64,
    /// Whether this replica does the work that must happen once.
    pub leader: bool,
    /// Always true: a server that is not well does not answer 200.
    pub ok: bool,
    /// Which process answered (random, new at each start).
    pub replica: String,
}

/// Every 4xx and 5xx answer carries this body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiError {
    pub error: String,
    /// The event the error is about, when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<EventId>,
}

// Publishing targets: where sitrep-server publishes customer updates. They
// live on the server, not in the log; a target's key goes in and never
// comes back out.

/// One target as `GET /api/v1/publish/targets` lists it (and `PUT` answers):
/// never the key, only whether one is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PublishTarget {
    pub id: String,
    pub name: String,
    /// `own`, `statuspage` or `cachet` (`status_page::publishing::TargetKind`).
    pub kind: String,
    /// False for a target listed but not usable yet.
    #[serde(default = "listed_means_configured")]
    pub configured: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub base_url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub page_id: String,
    /// Our component id to theirs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub components: BTreeMap<String, String>,
    #[serde(default)]
    pub key_set: bool,
}

fn listed_means_configured() -> bool {
    true
}

/// `GET /api/v1/publish/targets`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PublishTargetsReply {
    pub targets: Vec<PublishTarget>,
}

/// `PUT /api/v1/publish/targets/{id}` (admins). An empty or absent `key`
/// keeps the stored one. No `Debug`: it carries a secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SavePublishTarget {
    pub kind: String,
    pub name: String,
    pub base_url: String,
    #[serde(default)]
    pub page_id: String,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub components: BTreeMap<String, String>,
}

/// `POST /api/v1/publish/retry` (communicators): deliver a failed update to
/// one target again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RetryDelivery {
    pub update: String,
    pub target: String,
}

/// The answer to a retry (202): the delivery is queued again. For a
/// publishing target its outcome arrives on the stream as an
/// `update_delivery` event; a team hook's retry
/// (`POST /api/v1/hooks/{id}/deliveries/{event}/retry`) answers the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RetryReply {
    pub state: String,
}

/// `POST /api/v1/email/bounces` answers what the bounce changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BounceReply {
    /// The update whose copy bounced (`confirm-N` for a confirmation email).
    pub update: String,
    /// `email`, or `confirm` for a confirmation email.
    pub channel: String,
    /// `failed`: the copy is failed now (or already was); `noted`: a delay
    /// or a success report, recorded, the copy unchanged.
    pub outcome: String,
    /// `bounced: 550 5.1.1 user unknown`, `delayed: …`.
    pub detail: String,
    /// This bounce stopped mail to the subscriber (it hard-bounced
    /// repeatedly).
    pub subscriber_stopped: bool,
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
    fn a_publish_target_leaves_out_what_it_does_not_have() {
        let own = PublishTarget {
            id: "own".into(),
            name: "Own status page".into(),
            kind: "own".into(),
            configured: true,
            base_url: String::new(),
            page_id: String::new(),
            components: BTreeMap::new(),
            key_set: false,
        };
        assert_eq!(
            serde_json::to_string(&own).unwrap(),
            r#"{"id":"own","name":"Own status page","kind":"own","configured":true,"key_set":false}"#
        );
    }

    #[test]
    fn a_listed_target_that_does_not_say_is_configured_and_keyless() {
        let t: PublishTarget =
            serde_json::from_str(r#"{"id":"main","name":"Main","kind":"statuspage"}"#).unwrap();
        assert!(t.configured);
        assert!(!t.key_set);
        assert!(t.components.is_empty());
    }

    #[test]
    fn saving_a_target_refuses_fields_it_does_not_know() {
        let body = r#"{"kind":"cachet","name":"C","base_url":"https://c.example","secret":"x"}"#;
        assert!(serde_json::from_str::<SavePublishTarget>(body).is_err());
        let body = r#"{"kind":"cachet","name":"C","base_url":"https://c.example"}"#;
        let saved: SavePublishTarget = serde_json::from_str(body).unwrap();
        assert_eq!(saved.key, "", "an absent key keeps the stored one");
    }

    #[test]
    fn the_stream_is_opened_with_its_cursor_first_and_batch_if_asked() {
        let plain = StreamParams {
            after: 41,
            batch: None,
        };
        assert_eq!(plain.pairs(), vec![("after", "41".to_string())]);
        assert!(!plain.batched());
        let batched = StreamParams {
            after: 0,
            batch: Some("1".into()),
        };
        assert_eq!(
            batched.pairs(),
            vec![("after", "0".to_string()), ("batch", "1".into())]
        );
        assert!(batched.batched());
        let other = StreamParams {
            after: 0,
            batch: Some("yes".into()),
        };
        assert!(!other.batched(), "only 1 asks for events messages");
    }

    #[test]
    fn health_reads_as_it_always_has() {
        let health = Health {
            head: 57,
            leader: true,
            ok: true,
            replica: "3f9a0c12".into(),
        };
        assert_eq!(
            serde_json::to_string(&health).unwrap(),
            r#"{"head":57,"leader":true,"ok":true,"replica":"3f9a0c12"}"#
        );
    }

    #[test]
    fn caught_up_names_its_log_only_when_known_and_reads_without_one() {
        let old: StreamMessage = serde_json::from_str(r#"{"type":"caught_up","head":57}"#).unwrap();
        assert_eq!(
            old,
            StreamMessage::CaughtUp {
                head: 57,
                log: None
            }
        );
        assert_eq!(
            serde_json::to_string(&old).unwrap(),
            r#"{"type":"caught_up","head":57}"#,
            "no log, no field: what older consoles read"
        );
        let named = StreamMessage::CaughtUp {
            head: 57,
            log: Some("9f1c".into()),
        };
        assert_eq!(
            serde_json::to_string(&named).unwrap(),
            r#"{"type":"caught_up","head":57,"log":"9f1c"}"#
        );
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SignIn {
    pub name: String,
    pub password: String,
}

/// `GET /api/v1/session` (and the answer to signing in): who you are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SessionInfo {
    pub name: String,
    pub role: crate::log::access::Role,
    /// When the session ends, ms since the epoch; absent for API tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}
