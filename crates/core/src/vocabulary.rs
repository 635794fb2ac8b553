//! The words every area shares: ids, statuses, severities, component states,
//! note kinds and outcomes. They sit below the log, the incident fold, comms
//! and status pages alike, so none of those needs to import another for them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

// Ids, authors and note texts are `Arc<str>`: the fold copies them into
// every timeline entry, and a shared string makes that copy free.

/// Globally unique, made by the client (a UUIDv7, see `event_id`), so a
/// retried send can be recognised and applied once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct EventId(pub Arc<str>);

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct IncidentId(pub Arc<str>);

/// The log's one stream that is not an incident: settings every console
/// shares (the component catalogue, roles, severity policy). Events on it
/// are written by admins only.
pub const WORKSPACE: &str = "workspace";

/// The stream of the alert inbox: alert groups as senders posted them and
/// what responders did with them (see `alerts`). Not an incident either.
pub const ALERTS: &str = "alerts";

impl IncidentId {
    pub fn workspace() -> Self {
        IncidentId(Arc::from(WORKSPACE))
    }

    pub fn is_workspace(&self) -> bool {
        &*self.0 == WORKSPACE
    }

    pub fn alerts() -> Self {
        IncidentId(Arc::from(ALERTS))
    }

    pub fn is_alerts(&self) -> bool {
        &*self.0 == ALERTS
    }

    /// Whether this stream is an incident's (or a maintenance's), rather
    /// than the workspace's or the alert inbox's.
    pub fn is_incident(&self) -> bool {
        !self.is_workspace() && !self.is_alerts()
    }
}

// Ids from text, so a test or a form writes `"inc-1".into()`.
macro_rules! id_from_text {
    ($($id:ident),*) => {$(
        impl From<&str> for $id {
            fn from(s: &str) -> Self {
                $id(Arc::from(s))
            }
        }
        impl From<String> for $id {
            fn from(s: String) -> Self {
                $id(Arc::from(s))
            }
        }
    )*};
}
id_from_text!(EventId, IncidentId);

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for RoleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A written section of the post-mortem, in the order it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PostmortemSection {
    Summary,
    RootCause,
    ContributingFactors,
    WentWell,
    WentPoorly,
    /// What customers lost and got (`CUSTOMERS`): what data was lost or
    /// delayed, which customers (the count is `postmortem_impact_set`'s),
    /// what was restored.
    DataAffected,
    Customers,
    Restored,
}

impl PostmortemSection {
    pub const ALL: [PostmortemSection; 5] = [
        PostmortemSection::Summary,
        PostmortemSection::RootCause,
        PostmortemSection::ContributingFactors,
        PostmortemSection::WentWell,
        PostmortemSection::WentPoorly,
    ];

    /// The sections that say what customers lost and got.
    pub const CUSTOMERS: [PostmortemSection; 3] = [
        PostmortemSection::DataAffected,
        PostmortemSection::Customers,
        PostmortemSection::Restored,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PostmortemSection::Summary => "Summary",
            PostmortemSection::RootCause => "Root cause",
            PostmortemSection::ContributingFactors => "Contributing factors",
            PostmortemSection::WentWell => "What went well",
            PostmortemSection::WentPoorly => "What did not go well",
            PostmortemSection::DataAffected => "What data was lost or delayed",
            PostmortemSection::Customers => "Which customers",
            PostmortemSection::Restored => "What was restored",
        }
    }

    pub fn wire(self) -> &'static str {
        match self {
            PostmortemSection::Summary => "summary",
            PostmortemSection::RootCause => "root_cause",
            PostmortemSection::ContributingFactors => "contributing_factors",
            PostmortemSection::WentWell => "went_well",
            PostmortemSection::WentPoorly => "went_poorly",
            PostmortemSection::DataAffected => "data_affected",
            PostmortemSection::Customers => "customers",
            PostmortemSection::Restored => "restored",
        }
    }
}

/// What affected customers were offered to make up for it. On the wire it
/// is the plain word (`postmortem_offer_added.offer`), checked by `limits`:
/// one enum fewer for the console to parse on its first load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OfferKind {
    /// Money back or off the next invoice.
    Credit,
    ExtendedTrial,
    /// Days added to a subscription or a deadline.
    MakeUpDays,
    Other,
}

impl OfferKind {
    pub const ALL: [OfferKind; 4] = [
        OfferKind::Credit,
        OfferKind::ExtendedTrial,
        OfferKind::MakeUpDays,
        OfferKind::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            OfferKind::Credit => "Credit",
            OfferKind::ExtendedTrial => "Extended trial",
            OfferKind::MakeUpDays => "Make-up days",
            OfferKind::Other => "Other",
        }
    }

    pub fn wire(self) -> &'static str {
        match self {
            OfferKind::Credit => "credit",
            OfferKind::ExtendedTrial => "extended_trial",
            OfferKind::MakeUpDays => "make_up_days",
            OfferKind::Other => "other",
        }
    }

    pub fn from_wire(s: &str) -> Option<OfferKind> {
        OfferKind::ALL.into_iter().find(|k| k.wire() == s)
    }
}

/// What a note records; the timeline filters by it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    #[default]
    Observation,
    Action,
    Decision,
}

impl NoteKind {
    pub const ALL: [NoteKind; 3] = [NoteKind::Observation, NoteKind::Action, NoteKind::Decision];

    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Observation => "Observation",
            NoteKind::Action => "Action",
            NoteKind::Decision => "Decision",
        }
    }

    pub fn wire(self) -> &'static str {
        match self {
            NoteKind::Observation => "observation",
            NoteKind::Action => "action",
            NoteKind::Decision => "decision",
        }
    }

    pub fn from_wire(s: &str) -> Option<NoteKind> {
        NoteKind::ALL.into_iter().find(|k| k.wire() == s)
    }
}

/// What a mitigation change did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Helped,
    NoEffect,
    MadeWorse,
    Unknown,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Helped,
        Outcome::NoEffect,
        Outcome::MadeWorse,
        Outcome::Unknown,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Helped => "Helped",
            Outcome::NoEffect => "No effect",
            Outcome::MadeWorse => "Made worse",
            Outcome::Unknown => "Unknown",
        }
    }

    pub fn wire(self) -> &'static str {
        match self {
            Outcome::Helped => "helped",
            Outcome::NoEffect => "no_effect",
            Outcome::MadeWorse => "made_worse",
            Outcome::Unknown => "unknown",
        }
    }

    pub fn from_wire(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.wire() == s)
    }
}

/// A component's status, in the words status pages use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Operational,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
    UnderMaintenance,
}

impl ComponentStatus {
    pub const ALL: [ComponentStatus; 5] = [
        ComponentStatus::Operational,
        ComponentStatus::DegradedPerformance,
        ComponentStatus::PartialOutage,
        ComponentStatus::MajorOutage,
        ComponentStatus::UnderMaintenance,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "Operational",
            ComponentStatus::DegradedPerformance => "Degraded performance",
            ComponentStatus::PartialOutage => "Partial outage",
            ComponentStatus::MajorOutage => "Major outage",
            ComponentStatus::UnderMaintenance => "Under maintenance",
        }
    }

    pub fn wire(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "operational",
            ComponentStatus::DegradedPerformance => "degraded_performance",
            ComponentStatus::PartialOutage => "partial_outage",
            ComponentStatus::MajorOutage => "major_outage",
            ComponentStatus::UnderMaintenance => "under_maintenance",
        }
    }

    pub fn from_wire(s: &str) -> Option<ComponentStatus> {
        ComponentStatus::ALL.into_iter().find(|c| c.wire() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct ComponentId(pub Arc<str>);

/// A role: one of the four built in (see `role`) or a custom one from settings.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct RoleId(pub Arc<str>);

/// "When the incident's impact is X, its severity is at least Y."
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SeverityRule {
    pub when: ImpactCondition,
    pub at_least: Severity,
}

// Decoded tag first (`crate::tagged`), below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImpactCondition {
    /// Any customer is affected.
    CustomerImpact,
    /// At least this share of users or traffic, in thousandths.
    ShareAtLeast { permille: u16 },
}

impl<'de> Deserialize<'de> for ImpactCondition {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::tagged::deserialize(d)
    }
}

impl crate::tagged::TagFirst for ImpactCondition {
    const TAG: &'static str = "kind";
    const EXPECTING: &'static str = "internally tagged enum ImpactCondition";
    type Kind = impact_condition::Kind;

    fn variant<'de, A: serde::de::MapAccess<'de>>(
        kind: impact_condition::Kind,
        rest: A,
    ) -> Result<Self, A::Error> {
        use impact_condition as c;
        match kind {
            c::Kind::CustomerImpact => {
                crate::tagged::ignore_rest(rest)?;
                Ok(ImpactCondition::CustomerImpact)
            }
            c::Kind::ShareAtLeast => {
                let c::ShareAtLeast { permille } = crate::tagged::fields(rest)?;
                Ok(ImpactCondition::ShareAtLeast { permille })
            }
        }
    }
}

// `ImpactCondition`'s `kind` values, and its one variant with fields.
mod impact_condition {
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(variant_identifier, rename_all = "snake_case")]
    pub(crate) enum Kind {
        CustomerImpact,
        ShareAtLeast,
    }

    #[derive(Deserialize)]
    pub(super) struct ShareAtLeast {
        pub permille: u16,
    }
}

/// SEV1 is the worst. Ordering follows urgency: `Sev1 < Sev2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Sev1,
        Severity::Sev2,
        Severity::Sev3,
        Severity::Sev4,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Severity::Sev1 => "SEV1",
            Severity::Sev2 => "SEV2",
            Severity::Sev3 => "SEV3",
            Severity::Sev4 => "SEV4",
        }
    }

    pub fn wire(self) -> &'static str {
        match self {
            Severity::Sev1 => "sev1",
            Severity::Sev2 => "sev2",
            Severity::Sev3 => "sev3",
            Severity::Sev4 => "sev4",
        }
    }

    pub fn from_wire(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.wire() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Investigating,
        Status::Identified,
        Status::Monitoring,
        Status::Resolved,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Status::Investigating => "Investigating",
            Status::Identified => "Identified",
            Status::Monitoring => "Monitoring",
            Status::Resolved => "Resolved",
        }
    }

    pub fn wire(self) -> &'static str {
        match self {
            Status::Investigating => "investigating",
            Status::Identified => "identified",
            Status::Monitoring => "monitoring",
            Status::Resolved => "resolved",
        }
    }

    pub fn from_wire(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|v| v.wire() == s)
    }

    pub fn is_open(self) -> bool {
        self != Status::Resolved
    }
}
