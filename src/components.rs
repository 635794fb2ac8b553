pub mod command_palette;
pub mod header;
pub mod labels;
pub mod timeline;
