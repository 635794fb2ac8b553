//! Status pages both ways: the providers we watch (their Statuspage v2
//! JSON and the upstream panel), our own public page (its JSON, its HTML,
//! its uptime history), and the mapping to the vendors we publish to
//! (Statuspage, Cachet). The page's HTML uses `view::markdown_html`, the
//! console's Markdown rules written as HTML.

pub mod banner;
pub mod feed;
pub mod public_html;
pub mod public_page;
pub mod publishing;
pub mod short_code;
pub mod upstream;
pub mod upstream_budget;
pub mod upstream_panel;
pub mod uptime;
pub mod v2_page;

#[cfg(test)]
pub(crate) mod test_world;
