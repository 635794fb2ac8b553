//! sitrep-core: the incident log and every decision that needs neither a
//! browser nor a socket. The console and the server both depend on it.

pub mod access;
pub mod backoff;
pub mod business_day;
pub mod cadence;
pub mod checks;
pub mod clock;
pub mod command_search;
pub mod comms;
pub mod comms_policy;
pub mod entry_text;
pub mod event;
pub mod event_id;
pub mod freeze;
pub mod incident;
pub mod incident_query;
pub mod limits;
pub mod log;
pub mod markdown;
pub mod metrics;
pub mod postmortem;
pub mod protocol;
pub mod public_page;
pub mod publish;
pub mod review;
pub mod severity_policy;
pub mod slug;
pub mod social_count;
pub mod statuspage;
pub mod sync;
pub mod template;
pub mod time_zone;
pub mod upstream_panel;
pub mod utc;
pub mod window;
pub mod workspace;

pub use event::{
    ComponentId, ComponentStatus, Event, EventBody, EventId, IncidentId, NoteKind, Outcome,
    PostmortemSection, RoleId, Severity, Status,
};
pub use incident::{Entry, EntryKind, EntryWhat, Incident};
pub use log::{Inserted, Log};
pub use workspace::Workspace;
