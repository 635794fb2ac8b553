//! The documents of Statuspage's public API v2 as our own page writes them,
//! with every field real Statuspage pages carry (checked against the
//! recorded pages in `shared/fixtures`), so a tool written for Statuspage
//! finds what it looks for. Reading other pages is `upstream`'s job; its
//! types keep only what the console shows.
//!
//! Fields Statuspage sends as `null` when empty are written as `null`, not
//! left out: clients index them directly.

use crate::status_page::upstream::{
    AffectedComponent, ComponentStatus, Impact, IncidentStatus, Indicator,
};
use serde::{Deserialize, Serialize};

/// The zone every time on the page is written in: all are UTC instants.
pub const TIME_ZONE: &str = "Etc/UTC";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub id: String,
    pub name: String,
    pub url: String,
    pub time_zone: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageStatus {
    pub indicator: Indicator,
    pub description: String,
}

/// A component, or a group of them (`group: true`, its children's ids in
/// `components`, each child naming it in `group_id`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Component {
    pub id: String,
    pub name: String,
    pub status: ComponentStatus,
    pub created_at: String,
    pub updated_at: String,
    /// 1-based, in the order the page lists components.
    pub position: u32,
    pub description: Option<String>,
    pub showcase: bool,
    pub start_date: Option<String>,
    pub group_id: Option<String>,
    pub page_id: String,
    pub group: bool,
    pub only_show_if_degraded: bool,
    /// A group's children; absent on a plain component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
}

/// An incident, or a scheduled maintenance (the same object with its window).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub name: String,
    pub status: IncidentStatus,
    pub created_at: String,
    pub updated_at: String,
    pub monitoring_at: Option<String>,
    pub resolved_at: Option<String>,
    pub impact: Impact,
    /// Where a person reads it: our public page, at this incident.
    pub shortlink: String,
    pub started_at: String,
    pub page_id: String,
    /// Newest first.
    pub incident_updates: Vec<IncidentUpdate>,
    pub components: Vec<Component>,
    pub reminder_intervals: Option<String>,
    /// Only on maintenances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_until: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentUpdate {
    pub id: String,
    pub status: IncidentStatus,
    pub body: String,
    pub incident_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub display_at: String,
    pub affected_components: Vec<AffectedComponent>,
    /// Subscribers were told (the page's own notifications).
    pub deliver_notifications: bool,
    pub custom_tweet: Option<String>,
    pub tweet_id: Option<String>,
}

/// `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub page: Page,
    pub status: PageStatus,
    pub components: Vec<Component>,
    pub incidents: Vec<Incident>,
    pub scheduled_maintenances: Vec<Incident>,
}

impl Incident {
    pub fn is_closed(&self) -> bool {
        self.status.is_closed()
    }
}

impl IncidentUpdate {
    /// When the page says the update happened.
    pub fn at(&self) -> &str {
        &self.display_at
    }
}
