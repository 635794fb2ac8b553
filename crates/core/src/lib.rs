//! sitrep-core: the incident log and every decision that needs neither a
//! browser nor a socket. The console and the server both depend on it.
//!
//! Folders by domain. Modules import one way: there is no import cycle
//! between any two files (`scripts/module-graph --check`, run by
//! `scripts/test`). Folders are not layered yet: `log` holds both the event
//! types every area uses and the fold and protocol that use every area, so
//! arrows between folders still run both ways (docs: "Folders that still
//! import each other" in the README).
//! - `vocabulary`: ids and the enums every area shares;
//! - `time`: UTC instants, time zones, business days, retry backoff;
//! - `log`: events, the replica's log, the sync engine, the wire protocol,
//!   limits and who may write what;
//! - `comms`: customer updates, their templates, checks, review and cadence;
//! - `incident`: the fold of one incident, its list queries and entry text;
//! - `alerts`: alert intake, the inbox of alert groups, routing rules;
//! - `workspace`: the settings every console shares;
//! - `status_page`: watched upstreams, our own public page, vendor mapping;
//! - `aftermath`: post-mortem, metrics, change freeze;
//! - `webhook`: what webhooks we send say and how they are signed;
//! - `notify`: which events become a browser notification for a reader;
//! - `view`: decisions the console's views make (Markdown, search, virtual list);
//! - `ordering`: stable sorting compiled once (imports nothing);
//! - `tagged`: tag-first decoding of the internally tagged wire enums
//!   (imports nothing).

pub mod aftermath;
pub mod alerts;
pub mod comms;
pub mod incident;
pub mod log;
pub mod notify;
pub mod ordering;
pub mod slug;
pub mod status_page;
mod tagged;
pub mod time;
pub mod view;
pub mod vocabulary;
pub mod webhook;
pub mod workspace;

pub use incident::{Entry, EntryKind, EntryWhat, Incident};
pub use log::event::{Event, EventBody};
pub use log::{Inserted, Log};
pub use vocabulary::{
    ComponentId, ComponentStatus, EventId, IncidentId, NoteKind, Outcome, PostmortemSection,
    RoleId, Severity, Status,
};
pub use workspace::Workspace;
