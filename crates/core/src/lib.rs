//! sitrep-core: the incident log and every decision that needs neither a
//! browser nor a socket. The console and the server both depend on it.

pub mod backoff;
pub mod clock;
pub mod event;
pub mod event_id;
pub mod incident;
pub mod limits;
pub mod log;
pub mod protocol;
pub mod statuspage;
pub mod sync;
pub mod upstream_panel;
pub mod utc;

pub use event::{Event, EventBody, EventId, IncidentId, Severity, Status};
pub use incident::{Entry, EntryWhat, Incident};
pub use log::{Inserted, Log};
