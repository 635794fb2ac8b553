//! Who may do what: the four roles, in order of power, and the one decision
//! of which role may post which event. The server enforces it; the console
//! uses it to disable controls a role cannot use.

use crate::log::event::{Event, EventBody};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Each role can do everything the roles before it can, except `monitor`,
/// which sits below them all and does only its own two things.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Monitoring tools: posts alerts (Alertmanager, Grafana, scripts) and
    /// reads `/metrics` (Prometheus); reads nothing of the log and posts no
    /// event, so a token kept in a monitoring config exposes neither.
    Monitor,
    /// Reads the log.
    Viewer,
    /// Writes incident events: declares, changes status, logs notes.
    Responder,
    /// Drafts, approves and publishes comms (issue 6), and responds.
    Communicator,
    /// Settings, accounts and publishing targets, and everything else.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Monitor,
        Role::Viewer,
        Role::Responder,
        Role::Communicator,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Monitor => "monitor",
            Role::Viewer => "viewer",
            Role::Responder => "responder",
            Role::Communicator => "communicator",
            Role::Admin => "admin",
        }
    }

    /// True for roles that may post at least some events.
    pub fn writes(self) -> bool {
        self >= Role::Responder
    }

    /// True for roles that may read the log (and what is derived from it).
    pub fn reads(self) -> bool {
        self >= Role::Viewer
    }

    /// Only the monitor role posts alerts: senders hold a token of their
    /// own, never a person's.
    pub fn sends_alerts(self) -> bool {
        self == Role::Monitor
    }

    /// Who may read `/metrics`: monitoring tools and admins.
    pub fn scrapes_metrics(self) -> bool {
        matches!(self, Role::Monitor | Role::Admin)
    }

    /// Who may hand Sitrep a bounce (`POST /api/v1/email/bounces`): the
    /// mail system's pipe holds a monitor token; admins may too.
    pub fn hands_in_bounces(self) -> bool {
        matches!(self, Role::Monitor | Role::Admin)
    }

    /// Whether the role signs in to the console with a password; tools use tokens.
    pub fn signs_in(self) -> bool {
        self != Role::Monitor
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("no role named {s:?}; the roles are monitor, viewer, responder, communicator, admin")
            })
    }
}

/// The least role that may post this event. The single place where event
/// kinds meet roles: settings (the workspace stream) are admin only; every
/// other event is incident work (triaging the alert inbox included), so a
/// new incident-scoped kind needs a responder without anyone touching this
/// function. What customers are told needs a communicator.
pub fn required_role(event: &Event) -> Role {
    if event.incident.is_workspace() {
        Role::Admin
    } else if event.body.is_comms_kind() {
        Role::Communicator
    } else {
        Role::Responder
    }
}

/// Why an account with `role` (None: nobody signed in) may not change
/// settings, in words the console shows beside the controls it disables;
/// None for admins, who may. Settings are the workspace stream, which
/// `required_role` keeps for admins.
pub fn settings_refusal(role: Option<Role>) -> Option<String> {
    match role {
        Some(Role::Admin) => None,
        Some(r) => Some(format!(
            "Only admins change these settings; you are signed in as a {r}, so the controls are disabled."
        )),
        None => Some("Sign in as an admin to change these settings.".into()),
    }
}

/// Events only sitrep-server writes: a delivery report from a client would
/// let it claim something reached a status page that never did, and a
/// forged alert would put words in a monitoring system's mouth (alerts come
/// in through the intake endpoints, from monitor tokens).
pub fn server_only(event: &Event) -> bool {
    matches!(
        event.body,
        EventBody::UpdateDelivery { .. }
            | EventBody::AlertsReceived { .. }
            | EventBody::AlertsChanged { .. }
    )
}

/// Whether an account with `role` may post `event`.
pub fn may_post(role: Role, event: &Event) -> bool {
    !server_only(event) && role >= required_role(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comms::{Channels, DeliveryState, Phase};
    use crate::vocabulary::{EventId, IncidentId, Severity};

    fn event(incident: IncidentId, body: EventBody) -> Event {
        Event::new("e", incident, "ana", 0, body)
    }

    fn note(incident: IncidentId) -> Event {
        event(incident, EventBody::note("x"))
    }

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Viewer < Role::Responder);
        assert!(Role::Responder < Role::Communicator);
        assert!(Role::Communicator < Role::Admin);
    }

    #[test]
    fn a_viewer_may_post_nothing() {
        assert!(!may_post(Role::Viewer, &note(IncidentId("inc-1".into()))));
        assert!(!may_post(Role::Viewer, &note(IncidentId::workspace())));
        assert!(!Role::Viewer.writes());
    }

    #[test]
    fn incident_events_need_a_responder_or_above() {
        let sev = event(
            IncidentId("inc-1".into()),
            EventBody::SeverityChanged {
                severity: Severity::Sev1,
            },
        );
        for role in [Role::Responder, Role::Communicator, Role::Admin] {
            assert!(may_post(role, &note(IncidentId("inc-1".into()))), "{role}");
            assert!(may_post(role, &sev), "{role}");
        }
    }

    #[test]
    fn workspace_settings_are_admin_only() {
        let ws = note(IncidentId::workspace());
        assert!(!may_post(Role::Responder, &ws));
        assert!(!may_post(Role::Communicator, &ws));
        assert!(may_post(Role::Admin, &ws));
    }

    #[test]
    fn only_admins_are_told_nothing_about_settings() {
        assert_eq!(settings_refusal(Some(Role::Admin)), None);
        for role in [Role::Viewer, Role::Responder, Role::Communicator] {
            let why = settings_refusal(Some(role)).unwrap();
            assert!(why.contains(&format!("signed in as a {role}")), "{why}");
            // The words agree with what the server decides.
            assert!(!may_post(role, &note(IncidentId::workspace())));
        }
        assert!(settings_refusal(None).is_some());
    }

    #[test]
    fn customer_updates_need_a_communicator() {
        let draft = event(
            IncidentId("inc-1".into()),
            EventBody::UpdateDrafted {
                phase: Phase::Investigating,
                channels: Channels::default(),
                components: Default::default(),
                public_title: None,
            },
        );
        assert!(!may_post(Role::Responder, &draft));
        assert!(may_post(Role::Communicator, &draft));
        assert!(may_post(Role::Admin, &draft));
    }

    #[test]
    fn no_account_may_post_a_delivery_report() {
        let report = event(
            IncidentId("inc-1".into()),
            EventBody::UpdateDelivery {
                update: EventId("u".into()),
                target: "own".into(),
                state: DeliveryState::Sent,
                error: String::new(),
                attempt: 1,
            },
        );
        assert!(server_only(&report));
        for role in Role::ALL {
            assert!(!may_post(role, &report), "{role}");
        }
    }

    #[test]
    fn the_monitor_role_posts_no_event_and_reads_nothing_but_sends_alerts_and_scrapes() {
        assert!(Role::Monitor < Role::Viewer);
        for inc in [
            IncidentId("inc-1".into()),
            IncidentId::workspace(),
            IncidentId::alerts(),
        ] {
            assert!(!may_post(Role::Monitor, &note(inc)));
        }
        assert!(!Role::Monitor.reads() && !Role::Monitor.writes() && !Role::Monitor.signs_in());
        assert!(Role::Monitor.sends_alerts() && Role::Monitor.scrapes_metrics());
        for role in [
            Role::Viewer,
            Role::Responder,
            Role::Communicator,
            Role::Admin,
        ] {
            assert!(!role.sends_alerts(), "{role} posts no alerts");
            assert!(role.reads() && role.signs_in());
        }
        assert!(Role::Admin.scrapes_metrics() && !Role::Viewer.scrapes_metrics());
    }

    #[test]
    fn alerts_are_written_by_the_server_and_triaged_by_responders() {
        use crate::alerts::model::AlertSource;
        let received = event(
            IncidentId::alerts(),
            EventBody::AlertsReceived {
                group: "g".into(),
                source: AlertSource::Generic,
                receiver: String::new(),
                group_labels: Default::default(),
                alerts: Vec::new(),
                omitted: 0,
            },
        );
        for role in Role::ALL {
            assert!(!may_post(role, &received), "{role}");
        }
        let dismiss = event(
            IncidentId::alerts(),
            EventBody::AlertGroupDismissed {
                group: "g".into(),
                episode: EventId("r".into()),
                reason: "flake".into(),
            },
        );
        assert!(!may_post(Role::Viewer, &dismiss));
        assert!(may_post(Role::Responder, &dismiss));
    }

    #[test]
    fn a_role_name_round_trips_and_a_wrong_one_is_explained() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        let err = "root".parse::<Role>().unwrap_err();
        assert!(err.contains("viewer, responder"), "{err}");
    }
}
