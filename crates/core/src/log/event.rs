//! An event: one thing that happened to one incident, as the client made it
//! and, once the server has confirmed it, with the server's sequence number.

use crate::alerts::model::{Alert, AlertBrief, AlertRoute, AlertSource, Labels};
use crate::comms::policy::CommsPolicy;
use crate::comms::{Channels, CheckOverride, DeliveryState, Phase};
use crate::tagged::tag_first_enum;
use crate::vocabulary::{
    ComponentId, ComponentStatus, EventId, IncidentId, NoteKind, Outcome, PostmortemSection,
    RoleId, Severity, SeverityRule, Status,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Event {
    pub id: EventId,
    pub incident: IncidentId,
    pub author: Arc<str>,
    /// The client's wall clock when the event was made, ms since the epoch (UTC).
    pub at: i64,
    pub body: EventBody,
    /// Position in the server's log; absent while the event is pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The server's clock when it first stored the event, ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<i64>,
    /// The author's estimate of `server clock − client clock` when the event
    /// was made (see `clock`), absent when unknown. `received_at` cannot
    /// correct `at`: an event made offline arrives late with an honest clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_offset: Option<i64>,
    /// The incident's short number (`INC-42`), on the `declared` event that
    /// first declared it, from the server once stored (see
    /// `incident::number`); absent on every other event and while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
}

impl Event {
    /// An event as its author makes it: pending (no seq), not yet received,
    /// clock offset unknown. `stored` and `with_clock_offset` add the rest, so
    /// a test states only what it is about.
    pub fn new(
        id: impl Into<EventId>,
        incident: impl Into<IncidentId>,
        author: &str,
        at: i64,
        body: EventBody,
    ) -> Event {
        Event {
            id: id.into(),
            incident: incident.into(),
            author: Arc::from(author),
            at,
            body,
            seq: None,
            received_at: None,
            clock_offset: None,
            number: None,
        }
    }

    /// The same event as the server stored it: at `seq`, received at `received_at`.
    pub fn stored(self, seq: u64, received_at: i64) -> Event {
        Event {
            seq: Some(seq),
            received_at: Some(received_at),
            ..self
        }
    }

    /// The author's known offset from the backend's clock (see `clock`).
    pub fn with_clock_offset(self, offset_ms: i64) -> Event {
        Event {
            clock_offset: Some(offset_ms),
            ..self
        }
    }

    pub fn is_confirmed(&self) -> bool {
        self.seq.is_some()
    }

    /// When the event happened, as well as anyone can tell: the author's
    /// clock, corrected by its known offset from the backend's.
    pub fn best_time(&self) -> i64 {
        self.at.saturating_add(self.clock_offset.unwrap_or(0))
    }
}

tag_first_enum! {
tag = "kind",
module = variants,
variant_attr = #[serde(deny_unknown_fields)];

// Decoded tag first (`crate::tagged`): `tag_first_enum!` gives each variant
// a struct of its own with the same fields and attributes, and the enum's
// `deny_unknown_fields` to each; the attributes here still make the encoder
// and the JSON Schema. (A `//` comment: doc comments go into the schema.)
/// What happened. The `kind` tag is the wire name; unknown kinds are refused
/// by serde, which is what lets the server answer them with a 400. Fields
/// added after the first release carry `serde(default)` so older events
/// still parse. Kinds from `declared` to `maintenance_converted`, and
/// `alerts_linked` and `alerts_changed`, belong to an incident; the alert
/// inbox's own kinds to the alerts stream (`EventBody::is_alerts_kind`);
/// the rest to the workspace stream (see `EventBody::is_workspace_kind`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventBody {
    Declared {
        title: String,
        severity: Severity,
        #[serde(default)]
        summary: String,
        /// When customer impact began, ms since the epoch; often well before
        /// the declaration.
        started_at: i64,
        /// When someone noticed, when known; between impact and declaration.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detected_at: Option<i64>,
    },
    StatusChanged {
        status: Status,
    },
    SeverityChanged {
        severity: Severity,
    },
    NoteAdded {
        text: Arc<str>,
        #[serde(default)]
        entry: NoteKind,
    },
    /// Gives a role to a person; giving it to someone else is a handover.
    RoleAssigned {
        role: RoleId,
        person: String,
    },
    RoleReleased {
        role: RoleId,
    },
    /// A mitigation change; its id is this event's id.
    ChangeStarted {
        what: String,
    },
    ChangeOutcome {
        change: EventId,
        outcome: Outcome,
        #[serde(default)]
        note: String,
    },
    /// Marks (or unmarks) a timeline entry as key for the post-mortem.
    EntryMarked {
        entry: EventId,
        key: bool,
    },
    /// A task; its id is this event's id.
    TaskAdded {
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due_at: Option<i64>,
        /// Added as a remediation task from the post-mortem.
        #[serde(default, skip_serializing_if = "is_false")]
        remediation: bool,
    },
    TaskUpdated {
        task: EventId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due_at: Option<i64>,
    },
    TaskDone {
        task: EventId,
        done: bool,
    },
    /// One of our components is affected (or no longer, when operational).
    ComponentStatusSet {
        component: ComponentId,
        status: ComponentStatus,
    },
    /// Takes a component off the incident: it was never affected.
    ComponentCleared {
        component: ComponentId,
    },
    ImpactSet {
        customer_impact: bool,
        /// Share of users or traffic affected, in thousandths, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        share_permille: Option<u16>,
    },
    /// Corrects the incident's times; absent fields keep their value.
    TimesSet {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        started_at: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detected_at: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        declared_at: Option<i64>,
    },
    /// Flags (or unflags) a task as remediation for the post-mortem.
    TaskRemediationSet {
        task: EventId,
        remediation: bool,
    },
    /// Replaces one written section of the post-mortem; empty clears it.
    PostmortemSectionSet {
        section: PostmortemSection,
        text: String,
    },
    /// The post-mortem's impact facts the log cannot know by itself; both
    /// are replaced, absent meaning "not known".
    PostmortemImpactSet {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customers_affected: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data_lost: Option<bool>,
    },
    /// Something affected customers were offered (a credit, an extended
    /// trial, make-up days); its id is this event's id.
    PostmortemOfferAdded {
        /// `credit`, `extended_trial`, `make_up_days` or `other`
        /// (`vocabulary::OfferKind`).
        offer: String,
        /// What exactly, e.g. "10% of the monthly fee" or "3 days".
        details: String,
        /// To whom, e.g. "the 120 accounts whose orders were delayed".
        #[serde(default)]
        customers: String,
    },
    /// Takes back an offer recorded by mistake (the log keeps both).
    PostmortemOfferWithdrawn {
        offer: EventId,
    },

    // Customer updates (the comms desk, see `comms`).
    /// Opens a customer update; its id is this event's id.
    UpdateDrafted {
        phase: Phase,
        channels: Channels,
        /// What the status page should show for each component.
        #[serde(default)]
        components: BTreeMap<ComponentId, ComponentStatus>,
        /// The incident's name on public status pages from this update on;
        /// absent keeps the last one published. The internal title is
        /// never published.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        public_title: Option<String>,
    },
    /// Replaces a draft's text (its public title too); an approved draft
    /// goes back to review.
    UpdateEdited {
        update: EventId,
        phase: Phase,
        channels: Channels,
        #[serde(default)]
        components: BTreeMap<ComponentId, ComponentStatus>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        public_title: Option<String>,
    },
    UpdateApproved {
        update: EventId,
    },
    /// Asks sitrep-server to deliver the update to these targets (by id),
    /// with the checks someone overrode and why.
    UpdatePublished {
        update: EventId,
        targets: Vec<String>,
        #[serde(default)]
        overrides: Vec<CheckOverride>,
    },
    /// What a target made of a published update. Written by sitrep-server
    /// only (see `access::server_only`).
    UpdateDelivery {
        update: EventId,
        target: String,
        state: DeliveryState,
        /// The backend's own words when it refused.
        #[serde(default)]
        error: String,
        #[serde(default)]
        attempt: u32,
    },
    /// The social post of a published update was posted by hand (no social
    /// network's API is reachable from here): by the event's author, at
    /// its time, at this address.
    SocialPosted {
        update: EventId,
        /// The post's address (http or https).
        url: String,
    },

    // A scheduled maintenance is a stream of its own, like an incident,
    // opened by `maintenance_planned` instead of `declared`.
    /// Plans a maintenance window (times in ms since the epoch).
    MaintenancePlanned {
        title: String,
        starts_at: i64,
        ends_at: i64,
        #[serde(default)]
        components: Vec<ComponentId>,
        /// What customers will notice, in their words.
        #[serde(default)]
        customer_notice: String,
        /// Why it must go ahead although the window falls in a change
        /// freeze; required then (`aftermath::maintenance_freeze`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        freeze_reason: Option<String>,
    },
    MaintenanceStarted {
        /// Why it starts although a change freeze is on; required then.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        freeze_reason: Option<String>,
    },
    MaintenanceCompleted {},
    /// The window runs past its end: what is happening and the new expected end.
    MaintenanceOverrun {
        note: Arc<str>,
        ends_at: i64,
    },
    /// The maintenance caused unplanned impact: from here on it is an
    /// incident of this severity, keeping its log.
    MaintenanceConverted {
        severity: Severity,
    },

    // An incident's side of alerting (see `alerts`).
    /// This incident takes an alert group from the inbox (declared from it,
    /// or attached to it). Its detection time becomes the earliest start of
    /// the group's alerts, `started_at`, unless an earlier one is recorded.
    AlertsLinked {
        group: String,
        /// The episode of the group (its `alerts_received` event that
        /// started firing) the incident takes.
        episode: EventId,
        source: AlertSource,
        /// The group's name as the inbox shows it.
        title: String,
        #[serde(default)]
        labels: Labels,
        /// How many alerts were firing.
        alerts: u32,
        /// The earliest start of the group's alerts.
        started_at: i64,
    },
    /// Alerts of a group linked to this incident fired or resolved: a
    /// timeline entry; it never resolves the incident. Written by
    /// sitrep-server only.
    AlertsChanged {
        group: String,
        #[serde(default)]
        firing: Vec<AlertBrief>,
        #[serde(default)]
        resolved: Vec<AlertBrief>,
        /// Changes not listed (over the per-event cap).
        #[serde(default)]
        omitted: u64,
    },

    // The alerts stream: the inbox of alert groups.
    /// New alerts of one group, and alerts whose state changed, as a
    /// sender posted them (deduplicated by fingerprint; at most one such
    /// event per group per second). Written by sitrep-server only.
    AlertsReceived {
        group: String,
        source: AlertSource,
        #[serde(default)]
        receiver: String,
        #[serde(default)]
        group_labels: Labels,
        alerts: Vec<Alert>,
        /// Alerts left out: beyond the group's cap, or left out by the sender.
        #[serde(default)]
        omitted: u64,
    },
    /// Takes a group's episode out of the inbox without an incident.
    AlertGroupDismissed {
        group: String,
        episode: EventId,
        reason: String,
    },
    /// The group's episode is handled in this incident (which carries the
    /// matching `alerts_linked`).
    AlertGroupAttached {
        group: String,
        episode: EventId,
        incident: IncidentId,
    },

    // The workspace stream: settings every console shares.
    /// Adds a component to the catalogue, or renames / regroups it.
    ComponentDefined {
        component: ComponentId,
        name: String,
        #[serde(default)]
        group: String,
    },
    ComponentRemoved {
        component: ComponentId,
    },
    /// A custom role beside the four built in.
    RoleDefined {
        role: RoleId,
        name: String,
    },
    RoleRemoved {
        role: RoleId,
    },
    SeverityDefined {
        severity: Severity,
        name: String,
        #[serde(default)]
        definition: String,
    },
    SeverityRulesSet {
        rules: Vec<SeverityRule>,
    },
    UpstreamAdded {
        name: String,
        url: String,
    },
    UpstreamRemoved {
        name: String,
    },
    /// Ties a provider's component to one of ours.
    UpstreamLinked {
        provider: String,
        provider_component: String,
        component: ComponentId,
    },
    UpstreamUnlinked {
        provider: String,
        provider_component: String,
    },
    /// The change-freeze policy: a resolved customer-impacting incident
    /// freezes changes for this many business days (0 turns it off), counted
    /// in `time_zone` (an IANA name) skipping weekends and `holidays`
    /// (`YYYY-MM-DD`, local dates).
    FreezePolicySet {
        business_days: u32,
        time_zone: String,
        #[serde(default)]
        holidays: Vec<String>,
    },
    /// A manual freeze from now until `until` (ms since the epoch).
    FreezeStarted {
        until: i64,
        reason: String,
    },
    /// Ends every freeze active at this event's time, early.
    FreezeEnded {
        reason: String,
    },
    /// The template a phase's drafts start from (see `template`).
    TemplateSet {
        phase: Phase,
        channels: Channels,
    },
    /// Approval, cadence, the audience's zone and the words checked.
    CommsPolicySet {
        policy: CommsPolicy,
    },
    /// The alert routing rules, replaced whole: label matchers to the
    /// components and severity proposed for a group, tried in order.
    AlertRoutesSet {
        routes: Vec<AlertRoute>,
    },
}
}

impl EventBody {
    /// A note of the default kind (an observation).
    pub fn note(text: impl Into<Arc<str>>) -> EventBody {
        EventBody::NoteAdded {
            text: text.into(),
            entry: NoteKind::Observation,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::Declared { .. } => "declared",
            EventBody::StatusChanged { .. } => "status_changed",
            EventBody::SeverityChanged { .. } => "severity_changed",
            EventBody::NoteAdded { .. } => "note_added",
            EventBody::RoleAssigned { .. } => "role_assigned",
            EventBody::RoleReleased { .. } => "role_released",
            EventBody::ChangeStarted { .. } => "change_started",
            EventBody::ChangeOutcome { .. } => "change_outcome",
            EventBody::EntryMarked { .. } => "entry_marked",
            EventBody::TaskAdded { .. } => "task_added",
            EventBody::TaskUpdated { .. } => "task_updated",
            EventBody::TaskDone { .. } => "task_done",
            EventBody::ComponentStatusSet { .. } => "component_status_set",
            EventBody::ComponentCleared { .. } => "component_cleared",
            EventBody::ImpactSet { .. } => "impact_set",
            EventBody::TimesSet { .. } => "times_set",
            EventBody::UpdateDrafted { .. } => "update_drafted",
            EventBody::UpdateEdited { .. } => "update_edited",
            EventBody::UpdateApproved { .. } => "update_approved",
            EventBody::UpdatePublished { .. } => "update_published",
            EventBody::UpdateDelivery { .. } => "update_delivery",
            EventBody::TaskRemediationSet { .. } => "task_remediation_set",
            EventBody::PostmortemSectionSet { .. } => "postmortem_section_set",
            EventBody::PostmortemImpactSet { .. } => "postmortem_impact_set",
            EventBody::PostmortemOfferAdded { .. } => "postmortem_offer_added",
            EventBody::PostmortemOfferWithdrawn { .. } => "postmortem_offer_withdrawn",
            EventBody::SocialPosted { .. } => "social_posted",
            EventBody::MaintenancePlanned { .. } => "maintenance_planned",
            EventBody::MaintenanceStarted { .. } => "maintenance_started",
            EventBody::MaintenanceCompleted { .. } => "maintenance_completed",
            EventBody::MaintenanceOverrun { .. } => "maintenance_overrun",
            EventBody::MaintenanceConverted { .. } => "maintenance_converted",
            EventBody::ComponentDefined { .. } => "component_defined",
            EventBody::ComponentRemoved { .. } => "component_removed",
            EventBody::RoleDefined { .. } => "role_defined",
            EventBody::RoleRemoved { .. } => "role_removed",
            EventBody::SeverityDefined { .. } => "severity_defined",
            EventBody::SeverityRulesSet { .. } => "severity_rules_set",
            EventBody::UpstreamAdded { .. } => "upstream_added",
            EventBody::UpstreamRemoved { .. } => "upstream_removed",
            EventBody::UpstreamLinked { .. } => "upstream_linked",
            EventBody::UpstreamUnlinked { .. } => "upstream_unlinked",
            EventBody::FreezePolicySet { .. } => "freeze_policy_set",
            EventBody::FreezeStarted { .. } => "freeze_started",
            EventBody::FreezeEnded { .. } => "freeze_ended",
            EventBody::TemplateSet { .. } => "template_set",
            EventBody::CommsPolicySet { .. } => "comms_policy_set",
            EventBody::AlertsLinked { .. } => "alerts_linked",
            EventBody::AlertsChanged { .. } => "alerts_changed",
            EventBody::AlertsReceived { .. } => "alerts_received",
            EventBody::AlertGroupDismissed { .. } => "alert_group_dismissed",
            EventBody::AlertGroupAttached { .. } => "alert_group_attached",
            EventBody::AlertRoutesSet { .. } => "alert_routes_set",
        }
    }

    /// Whether this kind is part of a customer update (the comms desk).
    pub fn is_comms_kind(&self) -> bool {
        matches!(
            self,
            EventBody::UpdateDrafted { .. }
                | EventBody::UpdateEdited { .. }
                | EventBody::UpdateApproved { .. }
                | EventBody::UpdatePublished { .. }
                | EventBody::UpdateDelivery { .. }
                | EventBody::SocialPosted { .. }
        )
    }

    /// Whether this kind belongs on the workspace stream rather than an
    /// incident's. The server refuses an event on the wrong stream.
    pub fn is_workspace_kind(&self) -> bool {
        matches!(
            self,
            EventBody::ComponentDefined { .. }
                | EventBody::ComponentRemoved { .. }
                | EventBody::RoleDefined { .. }
                | EventBody::RoleRemoved { .. }
                | EventBody::SeverityDefined { .. }
                | EventBody::SeverityRulesSet { .. }
                | EventBody::UpstreamAdded { .. }
                | EventBody::UpstreamRemoved { .. }
                | EventBody::UpstreamLinked { .. }
                | EventBody::UpstreamUnlinked { .. }
                | EventBody::FreezePolicySet { .. }
                | EventBody::FreezeStarted { .. }
                | EventBody::FreezeEnded { .. }
                | EventBody::TemplateSet { .. }
                | EventBody::CommsPolicySet { .. }
                | EventBody::AlertRoutesSet { .. }
        )
    }

    /// Whether this kind belongs on the alerts stream (the inbox).
    pub fn is_alerts_kind(&self) -> bool {
        matches!(
            self,
            EventBody::AlertsReceived { .. }
                | EventBody::AlertGroupDismissed { .. }
                | EventBody::AlertGroupAttached { .. }
        )
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_round_trips_through_its_wire_form() {
        let json = r#"{"id":"e1","incident":"i1","author":"ana","at":5,
            "body":{"kind":"declared","title":"API down","severity":"sev1","summary":"","started_at":1}}"#;
        let ev: Event = serde_json::from_str(json).unwrap();
        assert_eq!(ev.body.kind(), "declared");
        assert_eq!(ev.seq, None);
        let back: Event = serde_json::from_str(&serde_json::to_string(&ev).unwrap()).unwrap();
        assert_eq!(back, ev);
    }

    #[test]
    fn an_unknown_kind_does_not_parse() {
        let json =
            r#"{"id":"e1","incident":"i1","author":"ana","at":5,"body":{"kind":"exploded"}}"#;
        assert!(serde_json::from_str::<Event>(json).is_err());
    }

    #[test]
    fn a_missing_field_does_not_parse() {
        let json = r#"{"id":"e1","incident":"i1","at":5,"body":{"kind":"note_added","text":"x"}}"#;
        assert!(serde_json::from_str::<Event>(json).is_err());
    }

    #[test]
    fn the_best_time_corrects_a_known_clock_offset() {
        let json = r#"{"id":"e1","incident":"i1","author":"ana","at":1000,"clock_offset":-400,
            "body":{"kind":"note_added","text":"x"}}"#;
        let ev: Event = serde_json::from_str(json).unwrap();
        assert_eq!(ev.best_time(), 600);
        let without: Event =
            serde_json::from_str(&json.replace(r#""clock_offset":-400,"#, "")).unwrap();
        assert_eq!(without.best_time(), 1000);
    }

    #[test]
    fn a_task_added_before_remediation_existed_still_parses() {
        let json = r#"{"id":"e1","incident":"i1","author":"ana","at":5,
            "body":{"kind":"task_added","title":"Page the DBA"}}"#;
        let ev: Event = serde_json::from_str(json).unwrap();
        assert!(matches!(
            ev.body,
            EventBody::TaskAdded {
                remediation: false,
                ..
            }
        ));
        // And a plain task still writes no remediation field.
        assert!(!serde_json::to_string(&ev).unwrap().contains("remediation"));
    }

    #[test]
    fn an_update_drafted_before_public_titles_existed_still_parses() {
        let json = r#"{"id":"e1","incident":"i1","author":"cody","at":5,
            "body":{"kind":"update_drafted","phase":"investigating","channels":{}}}"#;
        let ev: Event = serde_json::from_str(json).unwrap();
        assert!(matches!(
            ev.body,
            EventBody::UpdateDrafted {
                public_title: None,
                ..
            }
        ));
        assert!(!serde_json::to_string(&ev).unwrap().contains("public_title"));
    }

    #[test]
    fn a_postmortem_section_edit_round_trips_by_its_wire_names() {
        let json = r#"{"id":"e1","incident":"i1","author":"ana","at":5,
            "body":{"kind":"postmortem_section_set","section":"root_cause","text":"pool too small"}}"#;
        let ev: Event = serde_json::from_str(json).unwrap();
        assert_eq!(ev.body.kind(), "postmortem_section_set");
        assert!(!ev.body.is_workspace_kind());
        let back: Event = serde_json::from_str(&serde_json::to_string(&ev).unwrap()).unwrap();
        assert_eq!(back, ev);
        let bad = json.replace("root_cause", "blame");
        assert!(serde_json::from_str::<Event>(&bad).is_err());
    }

    #[test]
    fn severities_order_by_urgency() {
        assert!(Severity::Sev1 < Severity::Sev4);
        assert_eq!(Severity::from_wire("sev3"), Some(Severity::Sev3));
        assert_eq!(Severity::from_wire("sev9"), None);
    }
}
