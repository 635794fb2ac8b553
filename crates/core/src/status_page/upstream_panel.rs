//! What the upstream panel says about watched providers, in words: their
//! verdicts and statuses (never colour alone), how old what we know is, the
//! one-line tally the incident list shows, and what to offer when a
//! provider's component linked to one of ours is not operational.

use crate::incident::Incident;
use crate::status_page::upstream::{
    ComponentStatus, Impact, IncidentStatus, Indicator, ProviderView, ViewState,
};
use crate::vocabulary;
use crate::vocabulary::{ComponentId, IncidentId};
use crate::workspace::Workspace;

/// A page's overall verdict in words.
pub fn indicator_words(i: Indicator) -> &'static str {
    match i {
        Indicator::None => "Operational",
        Indicator::Minor => "Degraded",
        Indicator::Major => "Major outage",
        Indicator::Critical => "Critical outage",
        Indicator::Maintenance => "Under maintenance",
        // Not "operational": a verdict we cannot read is not a good one.
        Indicator::Unknown => "Verdict not understood",
    }
}

pub fn component_words(s: ComponentStatus) -> &'static str {
    match s {
        ComponentStatus::Operational => "Operational",
        ComponentStatus::DegradedPerformance => "Degraded performance",
        ComponentStatus::PartialOutage => "Partial outage",
        ComponentStatus::MajorOutage => "Major outage",
        ComponentStatus::UnderMaintenance => "Under maintenance",
        ComponentStatus::Unknown => "Status not understood",
    }
}

pub fn incident_status_words(s: IncidentStatus) -> &'static str {
    match s {
        IncidentStatus::Investigating => "Investigating",
        IncidentStatus::Identified => "Identified",
        IncidentStatus::Monitoring => "Monitoring",
        IncidentStatus::Resolved => "Resolved",
        IncidentStatus::Postmortem => "Postmortem",
        IncidentStatus::Scheduled => "Scheduled",
        IncidentStatus::InProgress => "In progress",
        IncidentStatus::Verifying => "Verifying",
        IncidentStatus::Completed => "Completed",
        IncidentStatus::Unknown => "Status not understood",
    }
}

pub fn impact_words(i: Impact) -> &'static str {
    match i {
        Impact::None => "no impact",
        Impact::Minor => "minor impact",
        Impact::Major => "major impact",
        Impact::Critical => "critical impact",
        Impact::Maintenance => "maintenance",
        Impact::Unknown => "impact not understood",
    }
}

/// `just now`, `4 min ago`, `2 h 5 min ago`, `3 d ago`. A time ahead of
/// `now` (clocks disagree) reads as just now rather than as the future.
pub fn ago(now: i64, then: i64) -> String {
    let minutes = (now - then).max(0) / 60_000;
    match minutes {
        0 => "just now".into(),
        1..=59 => format!("{minutes} min ago"),
        60..=1439 => match minutes % 60 {
            0 => format!("{} h ago", minutes / 60),
            m => format!("{} h {m} min ago", minutes / 60),
        },
        _ => format!("{} d ago", minutes / 1440),
    }
}

/// `as of 14:05 UTC (4 min ago)`.
pub fn as_of(fetched_at: i64, now: i64) -> String {
    let secs = fetched_at.div_euclid(1000).rem_euclid(86_400);
    format!(
        "as of {:02}:{:02} UTC ({})",
        secs / 3600,
        secs / 60 % 60,
        ago(now, fetched_at)
    )
}

/// How a provider stands, for counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Operational,
    Degraded,
    Maintenance,
    Unknown,
}

pub fn standing(p: &ProviderView) -> Standing {
    match (&p.state, &p.known) {
        (ViewState::Known, Some(s)) => match s.indicator {
            Indicator::None => Standing::Operational,
            Indicator::Maintenance => Standing::Maintenance,
            Indicator::Minor | Indicator::Major | Indicator::Critical => Standing::Degraded,
            Indicator::Unknown => Standing::Unknown,
        },
        _ => Standing::Unknown,
    }
}

/// `Upstreams: 1 degraded, 2 unknown` or `Upstreams: all 3 operational`;
/// nothing when no provider is watched.
pub fn tally(providers: &[ProviderView]) -> Option<String> {
    if providers.is_empty() {
        return None;
    }
    let count = |s: Standing| providers.iter().filter(|p| standing(p) == s).count();
    let parts: Vec<String> = [
        (Standing::Degraded, "degraded"),
        (Standing::Unknown, "unknown"),
        (Standing::Maintenance, "under maintenance"),
    ]
    .into_iter()
    .filter_map(|(s, word)| match count(s) {
        0 => None,
        n => Some(format!("{n} {word}")),
    })
    .collect();
    Some(if parts.is_empty() {
        match providers.len() {
            1 => "Upstreams: operational".into(),
            n => format!("Upstreams: all {n} operational"),
        }
    } else {
        format!("Upstreams: {}", parts.join(", "))
    })
}

/// Checks a provider an admin adds from the console before it becomes an
/// event: the server checks again and shows a URL it will not poll as
/// unknown with the reason, so this is for a quick, clear refusal.
pub fn check_new_provider(name: &str, url: &str, taken: &[&str]) -> Result<(), String> {
    let name = name.trim();
    let url = url.trim();
    if name.is_empty() || name.len() > 64 {
        return Err("The name must be 1 to 64 characters.".into());
    }
    if taken.contains(&name) {
        return Err(format!("A provider named {name} is already watched."));
    }
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return Err("The URL must start with https:// or http://.".into());
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err("The URL has no host.".into());
    }
    if url.contains(char::is_whitespace) || url.contains('?') {
        return Err("The URL must be the page's base address, with no spaces or query.".into());
    }
    Ok(())
}

/// Only web links are followed from a provider's page: a `javascript:` or
/// `data:` "shortlink" is shown as text, never made a link.
pub fn is_web_link(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// A provider's component, linked to one of ours, that is not operational
/// right now: the console offers to declare an incident, or to add a note
/// to each open incident that already touches our component.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub provider: String,
    pub provider_component: String,
    pub provider_component_name: String,
    pub status: ComponentStatus,
    pub component: ComponentId,
    /// Our component's name (or that it is not in the catalogue).
    pub component_name: String,
    /// Open incidents touching our component: (id, title).
    pub open_incidents: Vec<(IncidentId, String)>,
}

impl Offer {
    /// `Checkout: Partial outage`, the title a declaration starts with: our
    /// component, as customers know it. The provider's name stays out, since
    /// our own checks refuse it in public text (the blame check) and the
    /// title is where a public title starts from; it goes in the summary.
    pub fn title(&self) -> String {
        format!("{}: {}", self.component_name, component_words(self.status))
    }

    /// The declaration's summary: what the provider reports (internal).
    pub fn summary(&self) -> String {
        format!(
            "Upstream {} reports {}: {}.",
            self.provider,
            self.provider_component_name,
            component_words(self.status)
        )
    }

    /// The note added to an open incident.
    pub fn note(&self) -> String {
        format!(
            "Upstream {} reports {}: {} (linked to our {}).",
            self.provider,
            self.provider_component_name,
            component_words(self.status),
            self.component_name
        )
    }

    /// Our status for the component in a declaration: the provider's word
    /// where we share it; one we cannot read counts as degraded, never as
    /// operational.
    pub fn our_status(&self) -> vocabulary::ComponentStatus {
        match self.status {
            ComponentStatus::PartialOutage => vocabulary::ComponentStatus::PartialOutage,
            ComponentStatus::MajorOutage => vocabulary::ComponentStatus::MajorOutage,
            ComponentStatus::UnderMaintenance => vocabulary::ComponentStatus::UnderMaintenance,
            ComponentStatus::DegradedPerformance
            | ComponentStatus::Operational
            | ComponentStatus::Unknown => vocabulary::ComponentStatus::DegradedPerformance,
        }
    }
}

/// Offers for every linked provider component the providers currently
/// report as not operational. A provider we cannot read offers nothing: its
/// last known state is not news.
pub fn offers(
    providers: &[ProviderView],
    workspace: &Workspace,
    incidents: &[impl std::borrow::Borrow<Incident>],
) -> Vec<Offer> {
    let mut out = Vec::new();
    for p in providers {
        let (ViewState::Known, Some(snapshot)) = (&p.state, &p.known) else {
            continue;
        };
        for link in workspace
            .upstream_links
            .iter()
            .filter(|l| l.provider == p.name)
        {
            let Some(c) = snapshot
                .components
                .iter()
                .find(|c| c.id == link.provider_component && !c.status.is_operational())
            else {
                continue;
            };
            out.push(Offer {
                provider: p.name.clone(),
                provider_component: c.id.clone(),
                provider_component_name: c.name.clone(),
                status: c.status,
                component: link.component.clone(),
                component_name: workspace.component_name(&link.component),
                open_incidents: incidents
                    .iter()
                    .map(|i| -> &Incident { i.borrow() })
                    .filter(|i| {
                        i.declared
                            && i.status.is_open()
                            && i.components.contains_key(&link.component)
                    })
                    .map(|i| (i.id.clone(), i.title.clone()))
                    .collect(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status_page::upstream::{parse_summary, Fetched, ProviderState, MAX_SUMMARY_BYTES};

    fn view(name: &str, indicator: Option<&str>) -> ProviderView {
        let state = match indicator {
            Some(i) => {
                let json = format!(r#"{{"page":{{"name":"P"}},"status":{{"indicator":"{i}"}}}}"#);
                ProviderState::Known(Fetched {
                    summary: parse_summary(json.as_bytes(), MAX_SUMMARY_BYTES).unwrap(),
                    fetched_at: 0,
                })
            }
            None => ProviderState::new(0),
        };
        ProviderView::of(name, "https://p.example", &state)
    }

    #[test]
    fn ages_read_in_minutes_hours_and_days_and_never_in_the_future() {
        let m = 60_000;
        assert_eq!(ago(10 * m, 10 * m + 5_000), "just now");
        assert_eq!(ago(59_999, 0), "just now");
        assert_eq!(ago(4 * m + 30_000, 0), "4 min ago");
        assert_eq!(ago(120 * m, 0), "2 h ago");
        assert_eq!(ago(125 * m, 0), "2 h 5 min ago");
        assert_eq!(ago(3 * 1440 * m + 7, 0), "3 d ago");
    }

    #[test]
    fn as_of_gives_the_utc_time_and_the_age() {
        // 2025-11-18 11:21:00 UTC
        let t = 1_763_464_860_000;
        assert_eq!(as_of(t, t + 12 * 60_000), "as of 11:21 UTC (12 min ago)");
    }

    #[test]
    fn the_tally_counts_trouble_and_unknowns_and_never_calls_unknown_operational() {
        assert_eq!(tally(&[]), None);
        assert_eq!(
            tally(&[view("a", Some("none")), view("b", Some("none"))]).as_deref(),
            Some("Upstreams: all 2 operational")
        );
        assert_eq!(
            tally(&[
                view("a", Some("minor")),
                view("b", None),
                view("c", Some("none")),
                view("d", Some("sideways")),
            ])
            .as_deref(),
            Some("Upstreams: 1 degraded, 2 unknown")
        );
        assert_eq!(
            tally(&[view("a", Some("maintenance"))]).as_deref(),
            Some("Upstreams: 1 under maintenance")
        );
    }

    #[test]
    fn unknown_words_never_say_operational() {
        assert_ne!(indicator_words(Indicator::Unknown), "Operational");
        assert_ne!(component_words(ComponentStatus::Unknown), "Operational");
    }

    fn event(n: u64, incident: IncidentId, body: crate::EventBody) -> crate::Event {
        crate::Event::new(format!("e{n}"), incident, "ana", n as i64, body).stored(n, n as i64)
    }

    #[test]
    fn a_linked_component_that_is_down_offers_a_declaration_and_notes_to_open_incidents_touching_ours(
    ) {
        use crate::{EventBody, Log, Severity, Status};
        let ws = IncidentId::workspace();
        let checkout = ComponentId("checkout".into());
        let github = {
            let json = br#"{"page":{"name":"GitHub"},"status":{"indicator":"minor"},
                "components":[{"id":"pkg","name":"Packages","status":"partial_outage"},
                              {"id":"api","name":"API Requests","status":"operational"}]}"#;
            let state = ProviderState::Known(Fetched {
                summary: parse_summary(json, MAX_SUMMARY_BYTES).unwrap(),
                fetched_at: 0,
            });
            ProviderView::of("github", "https://www.githubstatus.com", &state)
        };
        // Unknown: its last known state (none here) offers nothing.
        let lost = ProviderView::of("lost", "https://lost.example", &ProviderState::new(0));
        let mut log = Log::new();
        let mut n = 0;
        let mut add = |incident: &IncidentId, body: EventBody| {
            n += 1;
            log.insert(event(n, incident.clone(), body));
        };
        add(
            &ws,
            EventBody::ComponentDefined {
                component: checkout.clone(),
                name: "Checkout".into(),
                group: String::new(),
            },
        );
        for (pc, provider) in [("pkg", "github"), ("api", "github"), ("pkg", "lost")] {
            add(
                &ws,
                EventBody::UpstreamLinked {
                    provider: provider.into(),
                    provider_component: pc.into(),
                    component: checkout.clone(),
                },
            );
        }
        for (id, title, touches, resolved) in [
            ("open", "Checkout slow", true, false),
            ("closed", "Checkout down last week", true, true),
            ("other", "Search broken", false, false),
        ] {
            let i = IncidentId(id.into());
            add(
                &i,
                EventBody::Declared {
                    title: title.into(),
                    severity: Severity::Sev2,
                    summary: String::new(),
                    started_at: 0,
                    detected_at: None,
                },
            );
            if touches {
                add(
                    &i,
                    EventBody::ComponentStatusSet {
                        component: checkout.clone(),
                        status: crate::vocabulary::ComponentStatus::DegradedPerformance,
                    },
                );
            }
            if resolved {
                add(
                    &i,
                    EventBody::StatusChanged {
                        status: Status::Resolved,
                    },
                );
            }
        }
        let incidents: Vec<Incident> = log.fold().into_values().collect();
        let got = offers(&[github, lost], &log.fold_workspace(), &incidents);
        assert_eq!(got.len(), 1, "{got:?}");
        let offer = &got[0];
        assert_eq!(offer.provider_component_name, "Packages");
        assert_eq!(offer.component_name, "Checkout");
        assert_eq!(
            offer.open_incidents,
            vec![(IncidentId("open".into()), "Checkout slow".to_string())]
        );
        assert_eq!(offer.title(), "Checkout: Partial outage");
        assert!(offer.summary().contains("github reports Packages"));
        // The prefilled title passes our own checks as a public title: the
        // provider's name would fail the blame check.
        let workspace = log.fold_workspace();
        let channels = crate::comms::Channels {
            status_page: "Some customers cannot check out.".into(),
            social: "Some customers cannot check out.".into(),
            email_subject: "Checkout problems".into(),
            email_body: "Some customers cannot check out.".into(),
            banner: "Some customers cannot check out.".into(),
        };
        let title = offer.title();
        let draft = crate::comms::checks::Draft {
            phase: crate::comms::Phase::Investigating,
            channels: &channels,
            components: &Default::default(),
            public_title: Some(&title),
        };
        let found = crate::comms::checks::run(&draft, &incidents[0], &workspace);
        assert!(
            found.iter().all(|f| f.check != crate::comms::checks::BLAME),
            "{found:?}"
        );
        assert_eq!(
            offer.our_status(),
            crate::vocabulary::ComponentStatus::PartialOutage
        );
        assert!(offer.note().contains("linked to our Checkout"));
    }

    #[test]
    fn a_new_provider_needs_a_free_name_and_a_web_url() {
        assert_eq!(
            check_new_provider("github", "https://www.githubstatus.com", &[]),
            Ok(())
        );
        for (name, url, want) in [
            ("", "https://a.example", "1 to 64"),
            ("github", "https://a.example", "already watched"),
            ("a", "www.githubstatus.com", "https:// or http://"),
            ("a", "https://", "no host"),
            ("a", "https://a.example/?x=1", "no spaces or query"),
        ] {
            let err = check_new_provider(name, url, &["github"]).unwrap_err();
            assert!(err.contains(want), "{name} {url}: {err}");
        }
    }

    #[test]
    fn only_web_links_are_links() {
        assert!(is_web_link("https://stspg.io/x"));
        assert!(is_web_link("HTTP://a.example"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("data:text/html,<b>"));
    }
}
