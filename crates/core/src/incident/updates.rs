//! Customer updates as the incident holds them; their rules are in `comms`.

use super::*;

impl Incident {
    /// Customer updates drafted, edited, approved, published and delivered.
    pub(super) fn fold_updates(&mut self, ev: &Event, at: i64) -> Option<EntryWhat> {
        match &ev.body {
            EventBody::UpdateDrafted {
                phase,
                channels,
                components,
                public_title,
            } => {
                let mut drafted = CustomerUpdate::drafted(
                    ev.id.clone(),
                    *phase,
                    channels.clone(),
                    components.clone(),
                    ev.author.clone(),
                    at,
                );
                drafted.public_title = crate::comms::clean_title(public_title.as_deref());
                self.updates.push(drafted);
                Some(EntryWhat::Update {
                    update: ev.id.clone(),
                    phase: *phase,
                    step: Review::Draft,
                })
            }
            EventBody::UpdateEdited {
                update,
                phase,
                channels,
                components,
                public_title,
            } => {
                if let Some(u) = self.update_mut(update) {
                    u.edit(
                        *phase,
                        channels.clone(),
                        components.clone(),
                        crate::comms::clean_title(public_title.as_deref()),
                        ev.author.clone(),
                    );
                }
                None
            }
            EventBody::UpdateApproved { update } => self.update_mut(update).and_then(|u| {
                u.approve(ev.author.clone()).then(|| EntryWhat::Update {
                    update: update.clone(),
                    phase: u.phase,
                    step: Review::Approved,
                })
            }),
            EventBody::UpdatePublished {
                update,
                targets,
                overrides,
            } => self.update_mut(update).and_then(|u| {
                u.publish(targets.clone(), overrides.clone(), ev.author.clone(), at)
                    .then(|| EntryWhat::Update {
                        update: update.clone(),
                        phase: u.phase,
                        step: Review::Published,
                    })
            }),
            EventBody::UpdateDelivery {
                update,
                target,
                state,
                error,
                attempt,
            } => {
                if let Some(u) = self.update_mut(update) {
                    u.delivered(
                        target,
                        Delivery {
                            state: *state,
                            error: error.clone(),
                            attempt: *attempt,
                            at,
                        },
                    );
                }
                None
            }
            EventBody::SocialPosted { update, url } => {
                let u = self.update_mut(update)?;
                u.social_posts.push(crate::comms::SocialPost {
                    url: url.trim().to_string(),
                    by: ev.author.clone(),
                    at,
                });
                Some(EntryWhat::SocialPosted {
                    update: update.clone(),
                    url: url.trim().to_string(),
                })
            }
            _ => None,
        }
    }

    pub fn update(&self, id: &EventId) -> Option<&CustomerUpdate> {
        self.updates.iter().find(|u| &u.id == id)
    }

    /// The public title of the latest published update that set one: the
    /// incident's name on public pages. `None` until one is published.
    pub fn published_title(&self) -> Option<&str> {
        self.updates
            .iter()
            .filter(|u| u.review == Review::Published)
            .filter_map(|u| Some((u.published_at.unwrap_or(0), u.public_title.as_deref()?)))
            .max_by_key(|(at, _)| *at)
            .map(|(_, t)| t)
    }

    fn update_mut(&mut self, id: &EventId) -> Option<&mut CustomerUpdate> {
        self.updates.iter_mut().find(|u| &u.id == id)
    }
}
