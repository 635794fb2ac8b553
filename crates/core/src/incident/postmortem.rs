//! The post-mortem's written sections and impact facts, as last edited.

use super::*;

/// A post-mortem section's text and its last edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub text: String,
    pub by: Arc<str>,
    pub at: i64,
}

impl Incident {
    /// Writing the post-mortem is not part of the incident's story: no timeline entry, only the latest text.
    pub(super) fn fold_postmortem(&mut self, ev: &Event, at: i64) -> Option<EntryWhat> {
        match &ev.body {
            // Writing the post-mortem is not part of the incident's story:
            // no timeline entry, only the section's latest text.
            EventBody::PostmortemSectionSet { section, text } => {
                if text.trim().is_empty() {
                    self.writeup.remove(section);
                } else {
                    self.writeup.insert(
                        *section,
                        Written {
                            text: text.clone(),
                            by: ev.author.clone(),
                            at,
                        },
                    );
                }
                None
            }
            EventBody::PostmortemImpactSet {
                customers_affected,
                data_lost,
            } => {
                self.customers_affected = *customers_affected;
                self.data_lost = *data_lost;
                None
            }
            _ => None,
        }
    }
}
