//! Alerting: alerts from Alertmanager, Grafana and scripts become an inbox
//! of alert groups, from which responders declare incidents, attach groups
//! to open ones, or dismiss them with a reason. Everything here is a pure
//! decision the server and the console share:
//! - `model`: the wire types (alerts, briefs, routing rules);
//! - `intake`: the three payload formats, read strictly and held to size;
//! - `book`: the alerts stream folded (groups, episodes, triage), with
//!   deduplication by fingerprint and the checks the server makes on triage;
//! - `routing`: admins' rules matched against a group, and the proposal for
//!   declaring an incident from it;
//! - `pacing`: how the server coalesces a storm into at most one event per
//!   group per second, in bounded memory;
//! - `flush`: the events the server writes for a group's waiting alerts
//!   (and the incident a rule opens at once).
//!
//! Which stream: alert groups and their triage live on their own stream,
//! `alerts`, so they sync to every console and survive restarts like every
//! other event; what an incident keeps of its alerts is on the incident's
//! own stream (`alerts_linked`, `alerts_changed`), so its fold, timeline
//! and post-mortem need nothing else.

pub mod book;
pub mod flush;
pub mod intake;
pub mod model;
pub mod pacing;
pub mod routing;
