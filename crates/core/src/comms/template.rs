//! Templates per phase and their filling: the facts of an incident put into
//! `{{placeholders}}`, and a report of every placeholder left unfilled.

use crate::comms::cadence;
use crate::comms::policy::AudienceZone;
use crate::comms::{Channels, Phase};
use crate::incident::{Incident, MaintenanceState};
use crate::time::utc;
use crate::vocabulary::ComponentStatus;
use crate::workspace::Workspace;

/// Placeholders a template may use, with what each stands for.
pub const PLACEHOLDERS: [(&str, &str); 12] = [
    ("title", "the incident's title"),
    ("components", "the affected components, by catalogue name"),
    (
        "start_utc",
        "when impact began (a maintenance: when the window starts), in UTC",
    ),
    ("start_local", "the same, in the audience's zone (settings)"),
    (
        "end_utc",
        "when a maintenance window is planned to end, in UTC",
    ),
    (
        "end_local",
        "when a maintenance window is planned to end, in the audience's zone",
    ),
    ("status", "the incident's current status"),
    ("next_update", "when the next update is due, in UTC"),
    (
        "next_update_local",
        "when the next update is due, in the audience's zone",
    ),
    (
        "customer_data",
        "never filled: write what happened to customer data yourself",
    ),
    (
        "cause",
        "never filled: write the cause in words customers understand",
    ),
    (
        "changes",
        "never filled: write what will change so it does not happen again (post-mortems)",
    ),
];

/// What a template can say about one incident at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub title: String,
    /// Names of components not operational, from the catalogue.
    pub components: Vec<String>,
    pub started_at: i64,
    /// A maintenance window's planned end.
    pub ends_at: Option<i64>,
    pub status: String,
    /// None when no further update is due (resolved, or no cadence).
    pub next_update_at: Option<i64>,
    pub zone: AudienceZone,
}

impl Facts {
    /// The facts as of `now`, for an update published about now: the next
    /// one is then due one cadence interval later.
    /// A maintenance window speaks of its planned components, its times and
    /// its state rather than of impact.
    pub fn of(incident: &Incident, workspace: &Workspace, now: i64) -> Facts {
        let window = incident
            .maintenance
            .as_ref()
            .filter(|_| incident.is_maintenance());
        let components = match window {
            Some(m) => m
                .components
                .iter()
                .map(|id| workspace.component_name(id))
                .collect(),
            None => incident
                .components
                .iter()
                .filter(|(_, s)| **s != ComponentStatus::Operational)
                .map(|(id, _)| workspace.component_name(id))
                .collect(),
        };
        let next_update_at = cadence::interval_minutes(incident, &workspace.comms.cadence, now)
            .map(|m| now + i64::from(m) * 60_000);
        let status = match incident.maintenance_state(now) {
            Some(state) => state.label().to_string(),
            None => incident.status.label().to_string(),
        };
        Facts {
            title: incident.title.clone(),
            components,
            started_at: window.map_or(incident.started_at, |m| m.starts_at),
            ends_at: window.map(|m| m.ends_at),
            status,
            next_update_at,
            zone: workspace.comms.audience_zone.clone(),
        }
    }

    fn value(&self, name: &str) -> Option<String> {
        match name {
            "title" if !self.title.trim().is_empty() => Some(self.title.clone()),
            "components" if !self.components.is_empty() => Some(join_names(&self.components)),
            "start_utc" => Some(utc::format(self.started_at)),
            "start_local" => Some(self.zone.format(self.started_at)),
            "end_utc" => self.ends_at.map(utc::format),
            "end_local" => self.ends_at.map(|t| self.zone.format(t)),
            "status" => Some(self.status.clone()),
            "next_update" => self.next_update_at.map(utc::format),
            "next_update_local" => self.next_update_at.map(|t| self.zone.format(t)),
            _ => None,
        }
    }
}

/// The phase a new draft starts in: a maintenance window's state, or the
/// incident's status.
pub fn phase_for(incident: &Incident, now: i64) -> Phase {
    match incident.maintenance_state(now) {
        Some(MaintenanceState::Scheduled) => Phase::MaintenanceScheduled,
        Some(MaintenanceState::InProgress) => Phase::MaintenanceInProgress,
        Some(MaintenanceState::Overrunning) => Phase::MaintenanceOverrunning,
        Some(MaintenanceState::Completed) => Phase::MaintenanceCompleted,
        None => Phase::for_status(incident.status),
    }
}

/// `A`, `A and B`, `A, B and C`.
pub fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A placeholder that stayed in the text, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unfilled {
    pub name: String,
    pub why: String,
}

/// Fills every placeholder the facts can fill; the others stay in the text
/// as they were, so the checks find them before anything is published.
pub fn fill(template: &str, facts: &Facts) -> (String, Vec<Unfilled>) {
    let template = without_repeated_utc(template, &facts.zone);
    let template = template.as_str();
    let mut out = String::with_capacity(template.len());
    let mut left = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let name = after[..close].trim();
        match facts.value(name) {
            Some(v) => out.push_str(&v),
            None => {
                out.push_str(&rest[open..open + 2 + close + 2]);
                let why = match PLACEHOLDERS.iter().find(|(n, _)| *n == name) {
                    Some((_, what)) if what.starts_with("never filled") => what.to_string(),
                    Some((_, what)) => format!("nothing known yet for {what}"),
                    None => "not a placeholder Sitrep knows".to_string(),
                };
                if !left.iter().any(|u: &Unfilled| u.name == name) {
                    left.push(Unfilled {
                        name: name.to_string(),
                        why,
                    });
                }
            }
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    (out, left)
}

/// For an audience in UTC, "{{start_utc}} ({{start_local}})" would say the
/// same time twice: the bracketed local time is dropped after its UTC
/// twin. A local placeholder on its own still reads (as UTC).
fn without_repeated_utc(template: &str, zone: &AudienceZone) -> String {
    if !zone.is_utc() {
        return template.to_string();
    }
    [
        ("start_utc", "start_local"),
        ("end_utc", "end_local"),
        ("next_update", "next_update_local"),
    ]
    .iter()
    .fold(template.to_string(), |text, (utc, local)| {
        text.replace(
            &format!("{{{{{utc}}}}} ({{{{{local}}}}})"),
            &format!("{{{{{utc}}}}}"),
        )
    })
}

/// Fans one template out to every channel.
pub fn fill_channels(template: &Channels, facts: &Facts) -> (Channels, Vec<Unfilled>) {
    let mut left: Vec<Unfilled> = Vec::new();
    let mut one = |t: &str| {
        let (text, l) = fill(t, facts);
        for u in l {
            if !left.iter().any(|x| x.name == u.name) {
                left.push(u);
            }
        }
        text
    };
    let channels = Channels {
        status_page: one(&template.status_page),
        social: one(&template.social),
        email_subject: one(&template.email_subject),
        email_body: one(&template.email_body),
        banner: one(&template.banner),
    };
    (channels, left)
}

/// Every `{{name}}` still in a text, in order, once each.
pub fn placeholders_in(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        let name = after[..close].trim().to_string();
        if !found.contains(&name) {
            found.push(name);
        }
        rest = &after[close + 2..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comms::default_templates::default_for;

    fn facts() -> Facts {
        Facts {
            title: "Checkout errors".into(),
            components: vec!["API".into(), "Checkout".into()],
            started_at: utc::parse_input("2026-11-23T14:05").unwrap(),
            ends_at: None,
            status: "Investigating".into(),
            next_update_at: Some(utc::parse_input("2026-11-23T15:00").unwrap()),
            zone: AudienceZone {
                name: "CET".into(),
                offset_minutes: 60,
            },
        }
    }

    #[test]
    fn every_known_placeholder_is_filled_from_the_facts() {
        let (text, left) = fill(
            "{{title}}: {{components}} since {{start_utc}} ({{start_local}}), {{status}}, next {{next_update}}",
            &facts(),
        );
        assert_eq!(
            text,
            "Checkout errors: API and Checkout since 2026-11-23 14:05 UTC (2026-11-23 15:05 CET, UTC+01:00), Investigating, next 2026-11-23 15:00 UTC"
        );
        assert!(left.is_empty());
    }

    #[test]
    fn an_audience_in_utc_reads_each_time_once() {
        let mut f = facts();
        f.zone = AudienceZone::default();
        let (text, _) = fill(
            "since {{start_utc}} ({{start_local}}), next {{next_update}} ({{next_update_local}}); from {{start_local}}",
            &f,
        );
        assert_eq!(
            text,
            "since 2026-11-23 14:05 UTC, next 2026-11-23 15:00 UTC; from 2026-11-23 14:05 UTC"
        );
    }

    #[test]
    fn the_local_time_follows_the_audience_zone_across_a_daylight_saving_change() {
        let mut f = facts();
        f.zone = AudienceZone::named("Europe/Berlin", 0).unwrap();
        // Berlin moves to CEST at 01:00 UTC on Sunday 2030-03-31.
        f.started_at = utc::parse_input("2030-03-31T00:30").unwrap();
        f.next_update_at = Some(utc::parse_input("2030-03-31T01:30").unwrap());
        let (text, _) = fill("{{start_local}} / {{next_update_local}}", &f);
        assert_eq!(
            text,
            "2030-03-31 01:30 Europe/Berlin, UTC+01:00 / 2030-03-31 03:30 Europe/Berlin, UTC+02:00"
        );
    }

    #[test]
    fn a_placeholder_without_a_value_stays_and_is_reported() {
        let mut f = facts();
        f.next_update_at = None;
        f.components.clear();
        let (text, left) = fill("{{components}} next {{next_update}} {{nonsense}}", &f);
        assert_eq!(text, "{{components}} next {{next_update}} {{nonsense}}");
        let names: Vec<_> = left.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["components", "next_update", "nonsense"]);
        assert!(left[2].why.contains("not a placeholder"));
    }

    #[test]
    fn write_in_placeholders_are_never_filled() {
        let (_, left) = fill("Data: {{customer_data}}", &facts());
        assert_eq!(left[0].name, "customer_data");
        assert!(left[0].why.contains("write what happened"));
    }

    #[test]
    fn an_unclosed_brace_is_kept_as_text() {
        let (text, left) = fill("odd {{title", &facts());
        assert_eq!(text, "odd {{title");
        assert!(left.is_empty());
    }

    #[test]
    fn every_phase_has_a_default_for_every_channel_using_only_known_placeholders() {
        for p in Phase::ALL {
            let t = default_for(p);
            for text in [
                &t.status_page,
                &t.social,
                &t.email_subject,
                &t.email_body,
                &t.banner,
            ] {
                assert!(!text.trim().is_empty(), "{p:?}");
                for name in placeholders_in(text) {
                    assert!(
                        PLACEHOLDERS.iter().any(|(n, _)| *n == name),
                        "{p:?} uses {name}"
                    );
                }
            }
            assert!(!t.banner.contains('\n'), "{p:?} banner is one line");
        }
    }

    #[test]
    fn one_template_fans_out_to_every_channel() {
        let (c, left) = fill_channels(&default_for(Phase::Investigating), &facts());
        assert!(left.is_empty(), "{left:?}");
        assert!(c.social.contains("API and Checkout"));
        assert_eq!(c.email_subject, "[Investigating] Checkout errors");
        assert!(c.email_body.contains("15:05 CET"));
    }

    #[test]
    fn a_maintenance_window_drafts_in_its_phase_with_its_components_and_times() {
        use crate::log::event::{Event, EventBody};
        use crate::vocabulary::{ComponentId, IncidentId};
        let at = |s: &str| utc::parse_input(s).unwrap();
        let mut w = Workspace::default();
        w.apply(&Event::new(
            "c",
            IncidentId::workspace(),
            "ada",
            0,
            EventBody::ComponentDefined {
                component: ComponentId("db".into()),
                name: "Database".into(),
                group: String::new(),
            },
        ));
        let mut m = Incident::new(IncidentId("mnt".into()));
        m.apply(&Event::new(
            "plan",
            "mnt",
            "ana",
            at("2026-11-20T09:00"),
            EventBody::MaintenancePlanned {
                title: "Database upgrade".into(),
                starts_at: at("2026-11-24T02:00"),
                ends_at: at("2026-11-24T03:00"),
                components: vec![ComponentId("db".into())],
                customer_notice: String::new(),
                freeze_reason: None,
            },
        ));
        let now = at("2026-11-23T12:00");
        let phase = phase_for(&m, now);
        assert_eq!(phase, Phase::MaintenanceScheduled);
        let facts = Facts::of(&m, &w, now);
        let (text, left) = fill(&default_for(phase).status_page, &facts);
        assert!(left.is_empty(), "{left:?}");
        assert!(
            text.contains("maintenance on Database from 2026-11-24 02:00 UTC"),
            "{text}"
        );
        assert!(text.contains("until 2026-11-24 03:00 UTC"), "{text}");
        // Nothing is owed before the window starts; once it overruns, it is.
        assert_eq!(facts.next_update_at, None);
        let late = at("2026-11-24T03:30");
        assert_eq!(phase_for(&m, late), Phase::MaintenanceOverrunning);
        assert!(Facts::of(&m, &w, late).next_update_at.is_some());
    }

    #[test]
    fn names_are_joined_as_a_sentence_reads() {
        let n = |v: &[&str]| join_names(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(n(&["A"]), "A");
        assert_eq!(n(&["A", "B"]), "A and B");
        assert_eq!(n(&["A", "B", "C"]), "A, B and C");
    }
}
