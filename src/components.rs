pub mod header;
pub mod labels;
pub mod timeline;
