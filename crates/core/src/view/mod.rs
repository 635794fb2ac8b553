//! Decisions the console's views make, kept here so they are tested on the
//! host: notes' Markdown as a safe tree (and as escaped HTML for pages the
//! server builds), the command palette's search, and which rows of a long
//! timeline are in view, counts in words, times in the reader's zone, and
//! whom the people pickers offer, and the list's stored summary.

pub mod command_search;
pub mod list_summary;
pub mod markdown;
pub mod markdown_html;
pub mod people;
pub mod virtual_list;
pub mod when;
pub mod words;
