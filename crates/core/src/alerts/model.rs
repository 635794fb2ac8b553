//! The words of alerting: an alert as Sitrep stores it, the brief form an
//! incident's timeline keeps, and the routing rules admins write. Wire
//! types only (they sit in events), so the log can name them without
//! importing any alert logic.

use crate::vocabulary::{ComponentId, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// Sizes, held by the intake and by the log's limits alike.
/// Most alerts one payload may carry.
pub const MAX_ALERTS: usize = 10_000;
/// A group key, as senders make them (route and label values), is at most this.
pub const MAX_GROUP_BYTES: usize = 512;
pub const MAX_FINGERPRINT_BYTES: usize = 64;
pub const MAX_LABELS: usize = 64;
pub const MAX_LABEL_NAME_BYTES: usize = 128;
pub const MAX_LABEL_VALUE_BYTES: usize = 1024;
/// Annotations are descriptions: beyond these they are cut, not refused,
/// so a long runbook text never loses the alert itself.
pub const MAX_ANNOTATIONS: usize = 16;
pub const MAX_ANNOTATION_BYTES: usize = 2048;
pub const MAX_URL_BYTES: usize = 2048;
/// Most rules, and most matchers in one rule.
pub const MAX_ROUTES: usize = 100;
pub const MAX_MATCHERS: usize = 20;

/// Label names and values, sorted by name.
pub type Labels = BTreeMap<String, String>;

/// Which kind of sender posted an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertSource {
    /// Prometheus Alertmanager's webhook (payload version 4).
    Alertmanager,
    /// Grafana alerting's webhook contact point.
    Grafana,
    /// Sitrep's own small JSON format, for scripts and other tools.
    Generic,
}

impl AlertSource {
    pub const ALL: [AlertSource; 3] = [
        AlertSource::Alertmanager,
        AlertSource::Grafana,
        AlertSource::Generic,
    ];

    pub fn wire(self) -> &'static str {
        match self {
            AlertSource::Alertmanager => "alertmanager",
            AlertSource::Grafana => "grafana",
            AlertSource::Generic => "generic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AlertSource::Alertmanager => "Alertmanager",
            AlertSource::Grafana => "Grafana",
            AlertSource::Generic => "API",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Firing,
    Resolved,
}

/// One alert as its sender last reported it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Alert {
    /// The sender's identity for the alert (Alertmanager's and Grafana's
    /// `fingerprint`; for the generic format, given or made from the labels).
    pub fingerprint: String,
    pub status: AlertStatus,
    pub labels: Labels,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: Labels,
    /// When the alert started firing, ms since the epoch.
    pub starts_at: i64,
    /// When it resolved; absent while firing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<i64>,
    /// Where the sender shows it (a Prometheus graph, a Grafana panel).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
}

impl Alert {
    /// Its name: the `alertname` label, else the fingerprint.
    pub fn name(&self) -> &str {
        self.labels
            .get("alertname")
            .map(String::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.fingerprint)
    }

    /// The one-line description a person wrote for it, if any.
    pub fn summary(&self) -> Option<&str> {
        ["summary", "description", "message"]
            .into_iter()
            .find_map(|k| self.annotations.get(k))
            .map(String::as_str)
            .filter(|s| !s.trim().is_empty())
    }

    pub fn brief(&self) -> AlertBrief {
        AlertBrief {
            fingerprint: self.fingerprint.clone(),
            name: self.name().to_string(),
            labels: self.labels.clone(),
            at: match self.status {
                AlertStatus::Firing => self.starts_at,
                AlertStatus::Resolved => self.ends_at.unwrap_or(self.starts_at),
            },
        }
    }
}

/// What an incident's timeline keeps of an alert that fired or resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AlertBrief {
    pub fingerprint: String,
    pub name: String,
    #[serde(default)]
    pub labels: Labels,
    /// When it started firing (for a firing alert) or resolved.
    pub at: i64,
}

/// How a matcher compares a label's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchOp {
    /// The label has exactly this value (an absent label is `""`).
    Equals,
    /// The label does not have this value.
    NotEquals,
    /// The value matches a pattern where `*` stands for any run of
    /// characters (`api-*`, `*checkout*`); no regular expressions.
    Glob,
}

impl MatchOp {
    pub const ALL: [MatchOp; 3] = [MatchOp::Equals, MatchOp::NotEquals, MatchOp::Glob];

    pub fn symbol(self) -> &'static str {
        match self {
            MatchOp::Equals => "=",
            MatchOp::NotEquals => "!=",
            MatchOp::Glob => "~",
        }
    }

    pub fn wire(self) -> &'static str {
        match self {
            MatchOp::Equals => "equals",
            MatchOp::NotEquals => "not_equals",
            MatchOp::Glob => "glob",
        }
    }

    pub fn from_wire(s: &str) -> Option<MatchOp> {
        MatchOp::ALL.into_iter().find(|m| m.wire() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    pub label: String,
    pub op: MatchOp,
    #[serde(default)]
    pub value: String,
}

/// An admin's rule: alert groups whose labels match every matcher get this
/// rule's proposal. Rules are tried in order; the first match wins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AlertRoute {
    /// A name for people ("Payments pages").
    pub name: String,
    pub matchers: Vec<Matcher>,
    /// Our components such a group affects.
    #[serde(default)]
    pub components: Vec<ComponentId>,
    /// The severity to propose; absent proposes SEV3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Declare an incident as soon as such a group fires, instead of
    /// waiting in the inbox for a responder.
    #[serde(default)]
    pub open_incident: bool,
}

/// `POST /api/v1/alerts`: Sitrep's generic format, for scripts and tools
/// that are not Alertmanager or Grafana. Times are ms since the epoch.
/// Strict: an unknown field is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GenericPayload {
    /// The group the alerts belong to; absent groups them by name (then
    /// every alert must have the same name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub alerts: Vec<GenericAlert>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GenericAlert {
    /// The alert's name (its `alertname` label unless the labels name it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    /// `firing` (the default) or `resolved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When it started firing; absent means when it arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<i64>,
    /// Absent: made from the labels, so the same labels are the same alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The answer to every intake endpoint (200): what became of the payload.
/// Everything counted as `new` is stored when the answer comes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IntakeReply {
    /// The group's id in Sitrep.
    pub group: String,
    /// Alerts in the payload.
    pub received: usize,
    /// New alerts and changed states, now stored.
    pub new: usize,
    /// Repeats of what was already known.
    pub duplicates: usize,
    /// Alerts counted but not kept (over a group's cap, or left out by the sender).
    pub omitted: u64,
}
