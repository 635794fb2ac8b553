//! The post-mortem's written sections, impact facts and what customers
//! lost and were offered, as last edited.

use super::*;

/// A post-mortem section's text and its last edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub text: String,
    pub by: Arc<str>,
    pub at: i64,
}

/// Something affected customers were offered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    /// The `postmortem_offer_added` event's id.
    pub id: EventId,
    pub kind: OfferKind,
    pub details: String,
    pub customers: String,
    pub by: Arc<str>,
    pub at: i64,
    /// Who took it back and when; it stays listed for the record.
    pub withdrawn: Option<(Arc<str>, i64)>,
}

impl Incident {
    /// Offers still standing.
    pub fn standing_offers(&self) -> impl Iterator<Item = &Offer> {
        self.offers.iter().filter(|o| o.withdrawn.is_none())
    }

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
            EventBody::PostmortemOfferAdded {
                offer,
                details,
                customers,
            } => {
                // An id seen twice is one offer (the log applies it once anyway).
                if !self.offers.iter().any(|o| o.id == ev.id) {
                    self.offers.push(Offer {
                        id: ev.id.clone(),
                        // A word this version does not know reads as "other".
                        kind: OfferKind::from_wire(offer).unwrap_or(OfferKind::Other),
                        details: details.clone(),
                        customers: customers.clone(),
                        by: ev.author.clone(),
                        at,
                        withdrawn: None,
                    });
                }
                None
            }
            EventBody::PostmortemOfferWithdrawn { offer } => {
                if let Some(o) = self.offers.iter_mut().find(|o| &o.id == offer) {
                    o.withdrawn.get_or_insert((ev.author.clone(), at));
                }
                None
            }
            _ => None,
        }
    }
}
