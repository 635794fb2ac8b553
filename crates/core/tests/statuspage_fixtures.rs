//! The Statuspage reader against real recorded pages (../shared/fixtures):
//! GitHub in partial and major outages, OpenAI's incident.io-hosted
//! "compatible" summary, and incidents and maintenance lists from GitHub,
//! Cloudflare and Claude. Skipped, saying so, when ../shared is absent.

use sitrep_core::status_page::upstream::{
    parse_incidents, parse_summary, ComponentStatus, Fetched, Impact, Incident, IncidentStatus,
    Indicator, ParseError, ProviderState, ProviderView, Snapshot, ViewState, MAX_SUMMARY_BYTES,
};
use std::path::PathBuf;

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: ../shared is absent");
        None
    }
}

fn read(dir: &std::path::Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every fixture file of one kind, so a recording added later is tested too.
fn names(dir: &std::path::Path, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && keep(n))
        .collect();
    out.sort();
    out
}

fn is_summary(name: &str) -> bool {
    (name.starts_with("statuspage-v2_") && name.contains("summary"))
        || name.starts_with("incidentio")
}

fn is_list(name: &str) -> bool {
    name.starts_with("statuspage-v2_") && !name.contains("summary")
}

/// The API lists updates newest first; the console's "latest update" relies on it.
fn updates_newest_first(i: &Incident) {
    let times: Vec<&str> = i
        .incident_updates
        .iter()
        .map(|u| u.created_at.as_deref().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "{}", i.id);
}

#[test]
fn every_recorded_summary_parses() {
    let Some(dir) = fixtures() else { return };
    let found = names(&dir, is_summary);
    assert!(found.len() >= 3, "{found:?}");
    for name in found {
        let s = parse_summary(&read(&dir, &name), MAX_SUMMARY_BYTES)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!s.page.name.is_empty(), "{name}");
        assert!(!s.components.is_empty(), "{name}");
        for c in &s.components {
            assert_ne!(c.status, ComponentStatus::Unknown, "{name}: {}", c.name);
        }
        assert_ne!(s.status.indicator, Indicator::Unknown, "{name}");
        s.incidents.iter().for_each(updates_newest_first);
    }
}

#[test]
fn every_recorded_incident_and_maintenance_list_parses_with_the_list_reader() {
    let Some(dir) = fixtures() else { return };
    let found = names(&dir, is_list);
    assert!(found.len() >= 3, "{found:?}");
    for name in found {
        let bytes = read(&dir, &name);
        let l =
            parse_incidents(&bytes, MAX_SUMMARY_BYTES).unwrap_or_else(|e| panic!("{name}: {e}"));
        let all: Vec<&Incident> = l
            .incidents
            .iter()
            .chain(&l.scheduled_maintenances)
            .collect();
        assert!(!all.is_empty(), "{name}");
        for i in all {
            assert_ne!(i.status, IncidentStatus::Unknown, "{name}: {}", i.id);
            assert_ne!(i.impact, Impact::Unknown, "{name}: {}", i.id);
            updates_newest_first(i);
            for u in &i.incident_updates {
                assert_ne!(u.status, IncidentStatus::Unknown, "{name}: {}", u.id);
            }
        }
        // A list has no overall status, so it is not mistaken for a summary.
        let err = parse_summary(&bytes, MAX_SUMMARY_BYTES).unwrap_err();
        assert!(err.to_string().contains("no `status` key"), "{name}: {err}");
    }
}

#[test]
fn cachet_documents_are_refused_as_another_shape() {
    let Some(dir) = fixtures() else { return };
    for name in names(&dir, |n| n.starts_with("cachet-")) {
        let err = parse_summary(&read(&dir, &name), MAX_SUMMARY_BYTES).unwrap_err();
        assert_eq!(
            err,
            ParseError::WrongShape("no `page` key".into()),
            "{name}"
        );
    }
}

#[test]
fn github_in_major_outage_shows_five_components_down_and_one_partial() {
    let Some(dir) = fixtures() else { return };
    let s = parse_summary(
        &read(
            &dir,
            "statuspage-v2_github_summary_major-outage_2020-04-02.json",
        ),
        MAX_SUMMARY_BYTES,
    )
    .unwrap();
    assert_eq!(s.page.name, "GitHub");
    assert_eq!(s.page.url, "https://www.githubstatus.com");
    assert_eq!(s.status.indicator, Indicator::Major);
    assert_eq!(s.status.description, "Partial System Outage");
    let down: Vec<&str> = s
        .components
        .iter()
        .filter(|c| c.status == ComponentStatus::MajorOutage)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        down,
        [
            "Git Operations",
            "API Requests",
            "Webhooks",
            "Issues, PRs, Projects",
            "GitHub Packages"
        ]
    );
    let partial: Vec<&str> = s
        .components
        .iter()
        .filter(|c| c.status == ComponentStatus::PartialOutage)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(partial, ["GitHub Actions"]);
    let i = &s.incidents[0];
    assert_eq!(i.id, "80d0cs6kpsps");
    assert_eq!(i.impact, Impact::Major);
    let u = i.latest_update().unwrap();
    assert_eq!(u.status, IncidentStatus::Investigating);
    assert_eq!(u.at(), Some("2020-04-02T20:26:36.354Z"));
    assert!(u
        .body
        .starts_with("We are investigating reports of service unavailability"));
}

#[test]
fn github_in_partial_outage_shows_packages_and_the_newest_of_seven_updates() {
    let Some(dir) = fixtures() else { return };
    let s = parse_summary(
        &read(
            &dir,
            "statuspage-v2_github_summary_partial-outage_2022-11-25.json",
        ),
        MAX_SUMMARY_BYTES,
    )
    .unwrap();
    assert_eq!(s.status.indicator, Indicator::Minor);
    assert_eq!(
        s.page.updated_at.as_deref(),
        Some("2022-11-25T15:50:05.892Z")
    );
    let view = Snapshot::of(&Fetched {
        summary: s.clone(),
        fetched_at: 0,
    });
    let names: Vec<&str> = view.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Packages"]);
    assert_eq!(view.components[0].status, ComponentStatus::PartialOutage);
    let i = &view.incidents[0];
    assert_eq!(i.name, "Incident with Packages and Pages");
    assert_eq!(
        i.shortlink.as_deref(),
        Some("https://stspg.io/33vh8r7z43kh")
    );
    assert_eq!(s.incidents[0].incident_updates.len(), 7);
    let u = i.latest_update.as_ref().unwrap();
    assert_eq!(u.at.as_deref(), Some("2022-11-25T15:50:04.967Z"));
    assert!(u
        .body
        .starts_with("Packages is now experiencing degraded performance"));
    // Affected components whose old and new status are the same are kept as sent.
    let affected = &s.incidents[0].incident_updates[0].affected_components;
    assert_eq!(affected[1].code.as_deref(), Some("st3j38cctv9l"));
    assert_eq!(affected[1].old_status, Some(ComponentStatus::MajorOutage));
    assert_eq!(affected[1].new_status, Some(ComponentStatus::MajorOutage));
}

#[test]
fn openai_on_incident_io_parses_without_incident_keys_and_shows_all_operational() {
    let Some(dir) = fixtures() else { return };
    let s = parse_summary(
        &read(
            &dir,
            "incidentio-statuspage-compat_openai_summary_2026-07-09.json",
        ),
        MAX_SUMMARY_BYTES,
    )
    .unwrap();
    assert_eq!(s.page.name, "OpenAI");
    assert_eq!(s.page.id, "01JMDK9XYNY6RXSED6SDWW50WY");
    assert_eq!(s.status.indicator, Indicator::None);
    assert_eq!(s.components.len(), 25);
    assert!(s.components.iter().all(|c| c.status.is_operational()));
    assert!(s.incidents.is_empty() && s.scheduled_maintenances.is_empty());
    let mut p = ProviderState::new(0);
    p.observe(Ok(s), 1_000);
    let v = ProviderView::of("openai", "https://status.openai.com", &p);
    assert_eq!(v.state, ViewState::Known);
    let known = v.known.unwrap();
    assert!(known.components.is_empty() && known.incidents.is_empty());
}

#[test]
fn claude_maintenances_walk_from_scheduled_to_completed() {
    let Some(dir) = fixtures() else { return };
    let l = parse_incidents(
        &read(
            &dir,
            "statuspage-v2_claude_scheduled-maintenances_2026-09-15.json",
        ),
        MAX_SUMMARY_BYTES,
    )
    .unwrap();
    let m = &l.scheduled_maintenances[0];
    assert_eq!(m.id, "x017628t2rl5");
    assert_eq!(m.impact, Impact::Maintenance);
    assert_eq!(m.scheduled_for.as_deref(), Some("2025-08-29T01:25:00.000Z"));
    let walk: Vec<IncidentStatus> = m.incident_updates.iter().rev().map(|u| u.status).collect();
    assert_eq!(
        walk,
        [
            IncidentStatus::Scheduled,
            IncidentStatus::InProgress,
            IncidentStatus::Verifying,
            IncidentStatus::Completed
        ]
    );
    assert!(m.status.is_closed());
}

#[test]
fn cloudflare_2019_components_carry_their_group_and_old_fields_are_ignored() {
    let Some(dir) = fixtures() else { return };
    let l = parse_incidents(
        &read(&dir, "statuspage-v2_cloudflare_incidents_2019-01-10.json"),
        MAX_SUMMARY_BYTES,
    )
    .unwrap();
    assert_eq!(l.page.name, "Cloudflare");
    let i = &l.incidents[0];
    assert_eq!(i.id, "q746ybtyb6q0");
    assert_eq!(i.components[0].group_id.as_deref(), Some("1km35smx8p41"));
    let a = &i.latest_update().unwrap().affected_components[0];
    assert_eq!(a.code.as_deref(), Some("g4tb35rs9yw7"));
    assert_eq!(a.new_status, Some(ComponentStatus::Operational));
}

#[test]
fn github_2024_incident_with_no_components_still_parses() {
    let Some(dir) = fixtures() else { return };
    let l = parse_incidents(
        &read(&dir, "statuspage-v2_github_incidents_2024-09-16.json"),
        MAX_SUMMARY_BYTES,
    )
    .unwrap();
    assert_eq!(l.incidents.len(), 2);
    assert_eq!(l.incidents[0].components.len(), 2);
    assert!(l.incidents[1].components.is_empty());
    assert_eq!(l.incidents[1].impact, Impact::Minor);
}

#[test]
fn a_real_summary_one_byte_over_the_limit_is_refused() {
    let Some(dir) = fixtures() else { return };
    let bytes = read(
        &dir,
        "statuspage-v2_github_summary_partial-outage_2022-11-25.json",
    );
    assert!(parse_summary(&bytes, bytes.len()).is_ok());
    assert_eq!(
        parse_summary(&bytes, bytes.len() - 1),
        Err(ParseError::TooLarge {
            limit: bytes.len() - 1
        })
    );
}

#[test]
fn a_truncated_real_summary_is_refused_as_not_json() {
    let Some(dir) = fixtures() else { return };
    let bytes = read(
        &dir,
        "statuspage-v2_github_summary_partial-outage_2022-11-25.json",
    );
    let err = parse_summary(&bytes[..bytes.len() / 2], MAX_SUMMARY_BYTES).unwrap_err();
    assert!(matches!(err, ParseError::NotJson(_)), "{err}");
}
