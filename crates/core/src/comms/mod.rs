//! Customer updates: what the comms desk drafts, approves and publishes for
//! one incident, and what each publishing target made of it. The events are
//! in `event.rs`; this module holds their types and the fold of one update.

pub mod bounce;
pub mod cadence;
pub mod checks;
pub mod default_templates;
pub mod email;
pub mod fanout;
pub mod policy;
pub mod review;
pub mod review_folds;
pub mod social_count;
pub mod subscribers;
pub mod template;

use crate::vocabulary::{ComponentId, ComponentStatus, EventId, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The phase an update speaks for; each has its own template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
    MaintenanceScheduled,
    MaintenanceInProgress,
    MaintenanceCompleted,
    MaintenanceOverrunning,
    /// The public post-mortem summary of a resolved incident: shown on the
    /// incident's public page and in the feeds, mailed to subscribers; it
    /// changes no status.
    Postmortem,
}

impl Phase {
    pub const ALL: [Phase; 9] = [
        Phase::Investigating,
        Phase::Identified,
        Phase::Monitoring,
        Phase::Resolved,
        Phase::MaintenanceScheduled,
        Phase::MaintenanceInProgress,
        Phase::MaintenanceCompleted,
        Phase::MaintenanceOverrunning,
        Phase::Postmortem,
    ];

    pub fn wire(self) -> &'static str {
        match self {
            Phase::Investigating => "investigating",
            Phase::Identified => "identified",
            Phase::Monitoring => "monitoring",
            Phase::Resolved => "resolved",
            Phase::MaintenanceScheduled => "maintenance_scheduled",
            Phase::MaintenanceInProgress => "maintenance_in_progress",
            Phase::MaintenanceCompleted => "maintenance_completed",
            Phase::MaintenanceOverrunning => "maintenance_overrunning",
            Phase::Postmortem => "postmortem",
        }
    }

    pub fn from_wire(s: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.wire() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Investigating => "Investigating",
            Phase::Identified => "Identified",
            Phase::Monitoring => "Monitoring",
            Phase::Resolved => "Resolved",
            Phase::MaintenanceScheduled => "Maintenance scheduled",
            Phase::MaintenanceInProgress => "Maintenance in progress",
            Phase::MaintenanceCompleted => "Maintenance completed",
            Phase::MaintenanceOverrunning => "Maintenance overrunning",
            Phase::Postmortem => "Post-mortem summary",
        }
    }

    /// Whether an update in this phase says the incident or the work is over.
    pub fn is_closing(self) -> bool {
        matches!(self, Phase::Resolved | Phase::MaintenanceCompleted)
    }

    /// The incident phase matching an incident status.
    pub fn for_status(status: Status) -> Phase {
        match status {
            Status::Investigating => Phase::Investigating,
            Status::Identified => Phase::Identified,
            Status::Monitoring => Phase::Monitoring,
            Status::Resolved => Phase::Resolved,
        }
    }
}

/// One text per channel. A draft fans out from one template into all of
/// them; each can then be edited on its own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Channels {
    /// Markdown, for status pages.
    #[serde(default)]
    pub status_page: String,
    /// At most 280 characters as the platform counts them.
    #[serde(default)]
    pub social: String,
    #[serde(default)]
    pub email_subject: String,
    #[serde(default)]
    pub email_body: String,
    /// One line for the in-product banner.
    #[serde(default)]
    pub banner: String,
}

/// A public title as an update holds it: trimmed, and absent when blank
/// (a blank field keeps the title last published).
pub fn clean_title(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// A pre-publication check someone chose to override, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckOverride {
    /// The check's stable id (see the checks module).
    pub check: String,
    pub reason: String,
}

/// Where an update stands with one publishing target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Accepted by sitrep-server, not yet delivered (or being retried).
    Queued,
    /// The target acknowledged it.
    Sent,
    /// The target refused it, or retries ran out; `error` says why.
    Failed,
}

/// Where a customer update stands in review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Review {
    Draft,
    Approved,
    Published,
}

/// One customer update, folded from its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerUpdate {
    /// The id of the `update_drafted` event that opened it.
    pub id: EventId,
    pub phase: Phase,
    pub channels: Channels,
    /// What the status page should show for each component.
    pub components: BTreeMap<ComponentId, ComponentStatus>,
    /// The incident's public name from this update on, trimmed; `None`
    /// keeps the one last published (see [`published_title`]).
    pub public_title: Option<String>,
    pub drafted_by: Arc<str>,
    pub drafted_at: i64,
    /// Who last edited the text; approval by "someone else" means someone
    /// other than this author.
    pub edited_by: Arc<str>,
    pub review: Review,
    pub approved_by: Option<Arc<str>>,
    pub published_by: Option<Arc<str>>,
    pub published_at: Option<i64>,
    /// The targets chosen at publication, by target id.
    pub targets: Vec<String>,
    pub overrides: Vec<CheckOverride>,
    /// The latest state reported for each target.
    pub deliveries: BTreeMap<String, Delivery>,
    /// Where its social post was posted by hand, in the order marked.
    pub social_posts: Vec<SocialPost>,
}

/// A social post marked as posted: who, when, and the post's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocialPost {
    pub url: String,
    pub by: Arc<str>,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub state: DeliveryState,
    /// The backend's own words when it refused.
    pub error: String,
    pub attempt: u32,
    pub at: i64,
}

impl CustomerUpdate {
    pub fn drafted(
        id: EventId,
        phase: Phase,
        channels: Channels,
        components: BTreeMap<ComponentId, ComponentStatus>,
        by: Arc<str>,
        at: i64,
    ) -> Self {
        CustomerUpdate {
            id,
            phase,
            channels,
            components,
            public_title: None,
            drafted_by: by.clone(),
            drafted_at: at,
            edited_by: by,
            review: Review::Draft,
            approved_by: None,
            published_by: None,
            published_at: None,
            targets: Vec::new(),
            overrides: Vec::new(),
            deliveries: BTreeMap::new(),
            social_posts: Vec::new(),
        }
    }

    /// New text sends an approved draft back to review; a published update
    /// is history and keeps its words.
    pub fn edit(
        &mut self,
        phase: Phase,
        channels: Channels,
        components: BTreeMap<ComponentId, ComponentStatus>,
        public_title: Option<String>,
        by: Arc<str>,
    ) -> bool {
        if self.review == Review::Published {
            return false;
        }
        self.phase = phase;
        self.channels = channels;
        self.components = components;
        self.public_title = public_title;
        self.edited_by = by;
        self.review = Review::Draft;
        self.approved_by = None;
        true
    }

    pub fn approve(&mut self, by: Arc<str>) -> bool {
        if self.review != Review::Draft {
            return false;
        }
        self.review = Review::Approved;
        self.approved_by = Some(by);
        true
    }

    /// Publishing happens once; a second publish of the same update is
    /// ignored, which is what keeps a retried click from posting twice.
    pub fn publish(
        &mut self,
        targets: Vec<String>,
        overrides: Vec<CheckOverride>,
        by: Arc<str>,
        at: i64,
    ) -> bool {
        if self.review == Review::Published {
            return false;
        }
        self.review = Review::Published;
        self.published_by = Some(by);
        self.published_at = Some(at);
        for t in &targets {
            self.deliveries.insert(
                t.clone(),
                Delivery {
                    state: DeliveryState::Queued,
                    error: String::new(),
                    attempt: 0,
                    at,
                },
            );
        }
        self.targets = targets;
        self.overrides = overrides;
        true
    }

    pub fn delivered(&mut self, target: &str, delivery: Delivery) {
        // A late "queued" from a retry must not hide an earlier "sent";
        // a "failed" after "sent" is news (an email that bounced later).
        let done = self
            .deliveries
            .get(target)
            .is_some_and(|d| d.state == DeliveryState::Sent);
        if !done || delivery.state == DeliveryState::Failed {
            self.deliveries.insert(target.to_string(), delivery);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update() -> CustomerUpdate {
        CustomerUpdate::drafted(
            EventId(Arc::from("u1")),
            Phase::Investigating,
            Channels::default(),
            BTreeMap::new(),
            Arc::from("sam"),
            10,
        )
    }

    #[test]
    fn editing_an_approved_draft_sends_it_back_to_review() {
        let mut u = update();
        assert!(u.approve(Arc::from("kim")));
        assert!(u.edit(
            Phase::Identified,
            Channels::default(),
            BTreeMap::new(),
            None,
            Arc::from("sam")
        ));
        assert_eq!(u.review, Review::Draft);
        assert_eq!(u.approved_by, None);
    }

    #[test]
    fn a_published_update_is_published_once_and_keeps_its_words() {
        let mut u = update();
        assert!(u.publish(vec!["own".into()], vec![], Arc::from("kim"), 20));
        assert!(!u.publish(vec!["other".into()], vec![], Arc::from("kim"), 30));
        assert_eq!(u.targets, vec!["own".to_string()]);
        assert!(!u.edit(
            Phase::Resolved,
            Channels::default(),
            BTreeMap::new(),
            None,
            Arc::from("sam")
        ));
        assert_eq!(u.phase, Phase::Investigating);
        assert_eq!(u.deliveries["own"].state, DeliveryState::Queued);
    }

    #[test]
    fn a_sent_delivery_is_not_undone_by_a_late_report() {
        let mut u = update();
        u.publish(vec!["own".into()], vec![], Arc::from("kim"), 20);
        let report = |state| Delivery {
            state,
            error: String::new(),
            attempt: 1,
            at: 30,
        };
        u.delivered("own", report(DeliveryState::Sent));
        u.delivered("own", report(DeliveryState::Queued));
        assert_eq!(u.deliveries["own"].state, DeliveryState::Sent);
    }

    #[test]
    fn a_failure_reported_after_sent_is_shown_as_an_email_bounced_later() {
        let mut u = update();
        u.publish(vec!["email".into()], vec![], Arc::from("kim"), 20);
        let report = |state, error: &str| Delivery {
            state,
            error: error.into(),
            attempt: 1,
            at: 30,
        };
        u.delivered(
            "email",
            report(DeliveryState::Sent, "sent to 2 subscribers"),
        );
        u.delivered(
            "email",
            report(
                DeliveryState::Failed,
                "failed for 1 of 2 subscribers: bo@example.org: bounced: 550 5.1.1 user unknown",
            ),
        );
        assert_eq!(u.deliveries["email"].state, DeliveryState::Failed);
        assert!(u.deliveries["email"].error.contains("bounced: 550 5.1.1"));
    }

    #[test]
    fn phases_round_trip_through_their_wire_names() {
        for p in Phase::ALL {
            assert_eq!(Phase::from_wire(p.wire()), Some(p));
        }
    }
}
