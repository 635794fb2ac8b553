pub mod header;
pub mod labels;
pub mod timeline;
pub mod upstream_offers;
