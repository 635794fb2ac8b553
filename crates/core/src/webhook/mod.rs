//! Webhooks we send: how every request is signed (`signing`), the
//! Statuspage-format body subscribers of the public page get
//! (`subscriber`), and the team's own hooks an admin configures for
//! incident events, as generic JSON or a Slack message (`team`). The server
//! stores, sends and retries them; what goes in them is decided here.

pub mod signing;
pub mod subscriber;
pub mod team;
