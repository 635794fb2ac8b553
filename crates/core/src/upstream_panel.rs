//! What the upstream panel says about watched providers, in words: their
//! verdicts and statuses (never colour alone), how old what we know is, and
//! the one-line tally the incident list shows.

use crate::statuspage::{
    ComponentStatus, Impact, IncidentStatus, Indicator, ProviderView, ViewState,
};

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

/// Only web links are followed from a provider's page: a `javascript:` or
/// `data:` "shortlink" is shown as text, never made a link.
pub fn is_web_link(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statuspage::{parse_summary, Fetched, ProviderState, MAX_SUMMARY_BYTES};

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

    #[test]
    fn only_web_links_are_links() {
        assert!(is_web_link("https://stspg.io/x"));
        assert!(is_web_link("HTTP://a.example"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("data:text/html,<b>"));
    }
}
