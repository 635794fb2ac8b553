pub mod header;
pub mod labels;
pub mod sign_in;
pub mod timeline;
