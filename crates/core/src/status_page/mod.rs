//! Status pages both ways: the providers we watch (their Statuspage v2
//! JSON and the upstream panel), our own public page, and the mapping to the
//! vendors we publish to (Statuspage, Cachet).

pub mod public_page;
pub mod publishing;
pub mod upstream;
pub mod upstream_budget;
pub mod upstream_panel;
pub mod v2_page;
