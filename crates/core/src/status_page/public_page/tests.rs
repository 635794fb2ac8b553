//! The public page built from folded incidents: what shows, under which
//! name, with which statuses and times.

use super::*;
use crate::comms::Channels;
use crate::log::event::{Event, EventBody};
use crate::vocabulary::{EventId, IncidentId, Severity};
use std::sync::Arc;

fn ev(id: &str, incident: &str, at: i64, body: EventBody) -> Event {
    Event::new(
        EventId(Arc::from(id)),
        IncidentId(Arc::from(incident)),
        &Arc::from("cody"),
        at,
        body,
    )
}

/// The server's clock in these tests.
const NOW: i64 = 1_000_000;

/// Drafts and publishes to the own page an update naming `api`, at `at`
/// (drafted) and `at + 5` (published).
fn publish(inc: &mut Incident, id: &str, at: i64, phase: Phase, api: ComponentStatus) {
    let incident = inc.id.0.to_string();
    inc.apply(&ev(
        id,
        &incident,
        at,
        EventBody::UpdateDrafted {
            phase,
            channels: Channels {
                status_page: format!("{phase:?}"),
                ..Channels::default()
            },
            components: BTreeMap::from([(ComponentId(Arc::from("api")), api)]),
            public_title: None,
        },
    ));
    inc.apply(&ev(
        &format!("p-{id}"),
        &incident,
        at + 5,
        EventBody::UpdatePublished {
            update: EventId(Arc::from(id)),
            targets: vec!["own".into()],
            overrides: vec![],
        },
    ));
}

fn info() -> PageInfo {
    PageInfo {
        id: "sitrep".into(),
        name: "Example status".into(),
        url: "https://status.example.com".into(),
    }
}

/// The catalogue: two ungrouped components, defined at 1.
fn catalogue() -> Vec<Event> {
    [("api", "Public API"), ("web", "Website")]
        .into_iter()
        .map(|(id, name)| {
            ev(
                &format!("c-{id}"),
                "workspace",
                1,
                EventBody::ComponentDefined {
                    component: ComponentId(Arc::from(id)),
                    name: name.into(),
                    group: String::new(),
                },
            )
        })
        .collect()
}

fn workspace() -> Workspace {
    let mut w = Workspace::default();
    catalogue().iter().for_each(|e| w.apply(e));
    w
}

fn times() -> CatalogueTimes {
    let mut t = CatalogueTimes::default();
    catalogue().iter().for_each(|e| t.apply(e));
    t
}

fn incident(targets: &[&str]) -> Incident {
    let mut inc = Incident::new(IncidentId(Arc::from("inc-1")));
    inc.apply(&ev(
        "d",
        "inc-1",
        10,
        EventBody::Declared {
            title: "Internal: db-7 on fire".into(),
            severity: Severity::Sev2,
            summary: String::new(),
            started_at: 5,
            detected_at: None,
        },
    ));
    // The internal status must not leak; only the published update shows.
    inc.apply(&ev(
        "s",
        "inc-1",
        11,
        EventBody::ComponentStatusSet {
            component: ComponentId(Arc::from("web")),
            status: ComponentStatus::MajorOutage,
        },
    ));
    inc.apply(&ev(
        "u1",
        "inc-1",
        20,
        EventBody::UpdateDrafted {
            phase: Phase::Investigating,
            channels: Channels {
                status_page: "We are looking into API errors.".into(),
                ..Channels::default()
            },
            components: BTreeMap::from([(
                ComponentId(Arc::from("api")),
                ComponentStatus::PartialOutage,
            )]),
            public_title: None,
        },
    ));
    inc.apply(&ev(
        "p1",
        "inc-1",
        30,
        EventBody::UpdatePublished {
            update: EventId(Arc::from("u1")),
            targets: targets.iter().map(|t| t.to_string()).collect(),
            overrides: vec![],
        },
    ));
    inc
}

#[test]
fn an_update_published_to_the_own_page_shows_there_with_its_components() {
    let inc = incident(&["own"]);
    let state = build([&inc], &workspace(), &times(), &info(), NOW);
    let summary = state.summary();
    assert_eq!(summary.incidents.len(), 1);
    let shown = &summary.incidents[0];
    assert_eq!(shown.status, sp::IncidentStatus::Investigating);
    assert_eq!(shown.impact, sp::Impact::Major);
    assert_eq!(
        shown.incident_updates[0].body,
        "We are looking into API errors."
    );
    let api = summary.components.iter().find(|c| c.id == "api").unwrap();
    assert_eq!(api.name, "Public API");
    assert_eq!(api.status, sp::ComponentStatus::PartialOutage);
    // Internal component state was never published.
    let web = summary.components.iter().find(|c| c.id == "web").unwrap();
    assert_eq!(web.status, sp::ComponentStatus::Operational);
    assert_eq!(summary.status.indicator, sp::Indicator::Major);
}

#[test]
fn the_page_names_an_incident_by_its_latest_published_public_title_never_the_internal_one() {
    let mut inc = incident(&["own"]);
    let name = |inc: &Incident| {
        build([inc], &workspace(), &times(), &info(), NOW).incidents[0]
            .name
            .clone()
    };
    // Published before updates carried a public title: a neutral name.
    assert_eq!(name(&inc), "Service incident");
    let titled = |id: &str, at: i64, title: Option<&str>| {
        ev(
            id,
            "inc-1",
            at,
            EventBody::UpdateDrafted {
                phase: Phase::Identified,
                channels: Channels {
                    status_page: "Found it.".into(),
                    ..Channels::default()
                },
                components: BTreeMap::new(),
                public_title: title.map(str::to_string),
            },
        )
    };
    let published = |id: &str, at: i64| {
        ev(
            &format!("p-{id}"),
            "inc-1",
            at,
            EventBody::UpdatePublished {
                update: EventId(Arc::from(id)),
                targets: vec!["own".into()],
                overrides: vec![],
            },
        )
    };
    inc.apply(&titled("u2", 40, Some("API errors")));
    assert_eq!(name(&inc), "Service incident", "a draft is not published");
    inc.apply(&published("u2", 45));
    assert_eq!(name(&inc), "API errors");
    inc.apply(&titled("u3", 50, None));
    inc.apply(&published("u3", 55));
    assert_eq!(name(&inc), "API errors", "an update without one keeps it");
    inc.apply(&titled("u4", 60, Some("Slow API responses")));
    inc.apply(&published("u4", 65));
    let state = build([&inc], &workspace(), &times(), &info(), NOW);
    assert_eq!(state.incidents[0].name, "Slow API responses");
    let json = serde_json::to_string(&state.summary()).unwrap();
    assert!(!json.contains("db-7"), "{json}");
}

#[test]
fn a_maintenance_published_without_a_public_title_is_named_neutrally() {
    let mut m = Incident::new(IncidentId(Arc::from("mnt-1")));
    m.apply(&ev(
        "plan",
        "mnt-1",
        10,
        EventBody::MaintenancePlanned {
            title: "Upgrade pg-main-03".into(),
            starts_at: 7_200_000,
            ends_at: 10_800_000,
            components: vec![],
            customer_notice: String::new(),
            freeze_reason: None,
        },
    ));
    publish(
        &mut m,
        "u1",
        20,
        Phase::MaintenanceScheduled,
        ComponentStatus::Operational,
    );
    let state = build([&m], &workspace(), &times(), &info(), NOW);
    assert_eq!(state.maintenances[0].name, "Scheduled maintenance");
}

#[test]
fn a_published_maintenance_window_is_a_scheduled_maintenance_with_its_times() {
    let mut m = Incident::new(IncidentId(Arc::from("mnt-1")));
    let hour = 3_600_000;
    m.apply(&ev(
        "plan",
        "mnt-1",
        10,
        EventBody::MaintenancePlanned {
            title: "Database upgrade".into(),
            starts_at: 2 * hour,
            ends_at: 3 * hour,
            components: vec![ComponentId(Arc::from("api"))],
            customer_notice: "Writes pause for a minute.".into(),
            freeze_reason: None,
        },
    ));
    for (id, at, body) in [
        (
            "u1",
            20,
            EventBody::UpdateDrafted {
                phase: Phase::MaintenanceInProgress,
                channels: Channels {
                    status_page: "The upgrade has started.".into(),
                    ..Channels::default()
                },
                components: BTreeMap::from([(
                    ComponentId(Arc::from("api")),
                    ComponentStatus::UnderMaintenance,
                )]),
                public_title: None,
            },
        ),
        (
            "p1",
            30,
            EventBody::UpdatePublished {
                update: EventId(Arc::from("u1")),
                targets: vec!["own".into()],
                overrides: vec![],
            },
        ),
    ] {
        m.apply(&ev(id, "mnt-1", at, body));
    }
    let state = build([&m], &workspace(), &times(), &info(), NOW);
    assert!(state.incidents.is_empty(), "not an incident");
    let summary = state.summary();
    assert_eq!(summary.scheduled_maintenances.len(), 1);
    let shown = &summary.scheduled_maintenances[0];
    assert_eq!(shown.status, sp::IncidentStatus::InProgress);
    assert_eq!(shown.impact, sp::Impact::Maintenance);
    assert_eq!(state.active().len(), 1);
    assert!(state.scheduled().is_empty(), "under way, not upcoming");
    assert_eq!(
        shown.scheduled_for.as_deref(),
        Some(utc::iso8601(2 * hour).as_str())
    );
    assert_eq!(
        shown.scheduled_until.as_deref(),
        Some(utc::iso8601(3 * hour).as_str())
    );
    assert_eq!(summary.status.indicator, sp::Indicator::Maintenance);
}

#[test]
fn an_update_published_elsewhere_only_does_not_show() {
    let inc = incident(&["statuspage-main"]);
    let state = build([&inc], &workspace(), &times(), &info(), NOW);
    assert!(state.incidents.is_empty());
    assert_eq!(state.status.indicator, sp::Indicator::None);
    assert_eq!(state.status.description, "All Systems Operational");
}

#[test]
fn a_resolved_incident_leaves_the_summary_but_stays_in_the_history() {
    let mut inc = incident(&["own"]);
    inc.apply(&ev(
        "u2",
        "inc-1",
        40,
        EventBody::UpdateDrafted {
            phase: Phase::Resolved,
            channels: Channels {
                status_page: "Fixed.".into(),
                ..Channels::default()
            },
            components: BTreeMap::from([(
                ComponentId(Arc::from("api")),
                ComponentStatus::Operational,
            )]),
            public_title: None,
        },
    ));
    inc.apply(&ev(
        "p2",
        "inc-1",
        50,
        EventBody::UpdatePublished {
            update: EventId(Arc::from("u2")),
            targets: vec!["own".into()],
            overrides: vec![],
        },
    ));
    let state = build([&inc], &workspace(), &times(), &info(), NOW);
    assert!(state.summary().incidents.is_empty());
    assert_eq!(state.incidents.len(), 1);
    // Newest first, with the old and new status of each component.
    let first = &state.incidents[0].incident_updates[0];
    assert_eq!(first.body, "Fixed.");
    assert_eq!(
        first.affected_components[0].old_status,
        Some(sp::ComponentStatus::PartialOutage)
    );
    assert_eq!(state.status.indicator, sp::Indicator::None);
}

#[test]
fn the_summary_reads_back_through_the_upstream_parser() {
    let inc = incident(&["own"]);
    let summary = build([&inc], &workspace(), &times(), &info(), NOW).summary();
    let json = serde_json::to_vec(&summary).unwrap();
    let back = sp::parse_summary(&json, sp::MAX_SUMMARY_BYTES).unwrap();
    assert_eq!(back.page.id, summary.page.id);
    assert_eq!(back.status.indicator, summary.status.indicator);
    assert_eq!(back.incidents.len(), 1);
    assert_eq!(back.incidents[0].impact, sp::Impact::Major);
    assert_eq!(
        back.incidents[0].latest_update().map(|u| u.body.as_str()),
        Some("We are looking into API errors.")
    );
    let api = back.components.iter().find(|c| c.id == "api").unwrap();
    assert_eq!(api.status, sp::ComponentStatus::PartialOutage);
}

#[test]
fn a_resolved_incident_keeps_its_impact_and_says_when_it_was_resolved() {
    let mut inc = incident(&["own"]);
    publish(
        &mut inc,
        "u2",
        40,
        Phase::Monitoring,
        ComponentStatus::DegradedPerformance,
    );
    publish(
        &mut inc,
        "u3",
        60,
        Phase::Resolved,
        ComponentStatus::Operational,
    );
    publish(
        &mut inc,
        "u4",
        80,
        Phase::Resolved,
        ComponentStatus::Operational,
    );
    let state = build([&inc], &workspace(), &times(), &info(), NOW);
    let shown = &state.incidents[0];
    assert_eq!(shown.status, sp::IncidentStatus::Resolved);
    assert_eq!(
        shown.impact,
        sp::Impact::Major,
        "the worst it was published with"
    );
    assert_eq!(
        shown.monitoring_at.as_deref(),
        Some(utc::iso8601(45).as_str())
    );
    assert_eq!(
        shown.resolved_at.as_deref(),
        Some(utc::iso8601(65).as_str()),
        "when it became resolved, not the later note"
    );
    // Its own page, at its short code.
    let code = &state.shown["inc-1"].code;
    assert_eq!(
        shown.shortlink,
        format!("https://status.example.com/status/incidents/{code}")
    );
    assert_eq!(
        state.by_code(code).map(|(i, _)| i.id.as_str()),
        Some("inc-1")
    );
    assert!(state.by_code("zzzzzzzz").is_none());
    assert_eq!(shown.page_id, "sitrep");
    assert!(shown
        .incident_updates
        .iter()
        .all(|u| u.incident_id == "inc-1"));
}

#[test]
fn a_page_nothing_was_published_to_is_dated_by_its_catalogue_or_now() {
    let state = build([], &workspace(), &times(), &info(), NOW);
    assert_eq!(
        state.page.updated_at,
        utc::iso8601(1),
        "the catalogue's last change"
    );
    let bare = build(
        [],
        &Workspace::default(),
        &CatalogueTimes::default(),
        &info(),
        NOW,
    );
    assert_eq!(bare.page.updated_at, utc::iso8601(NOW));
    assert_eq!(bare.page.time_zone, "Etc/UTC");
}

#[test]
fn grouped_components_are_listed_under_their_group_with_positions() {
    let (mut w, mut t) = (workspace(), times());
    for (id, name) in [("db", "Database"), ("queue", "Queue")] {
        let defined = ev(
            &format!("c-{id}"),
            "workspace",
            2,
            EventBody::ComponentDefined {
                component: ComponentId(Arc::from(id)),
                name: name.into(),
                group: "Back end".into(),
            },
        );
        w.apply(&defined);
        t.apply(&defined);
    }
    let state = build([], &w, &t, &info(), NOW);
    let order: Vec<(&str, bool, Option<&str>, u32)> = state
        .components
        .iter()
        .map(|c| (c.id.as_str(), c.group, c.group_id.as_deref(), c.position))
        .collect();
    assert_eq!(
        order,
        vec![
            ("api", false, None, 1),
            ("web", false, None, 2),
            ("group-back-end", true, None, 3),
            ("db", false, Some("group-back-end"), 4),
            ("queue", false, Some("group-back-end"), 5),
        ]
    );
    assert_eq!(
        state.components[2].components,
        Some(vec!["db".to_string(), "queue".to_string()])
    );
}

#[test]
fn a_component_goes_back_to_operational_when_the_incident_claiming_it_closes() {
    let mut a = incident(&["own"]); // api partial outage at 30
    let mut b = Incident::new(IncidentId(Arc::from("inc-2")));
    publish(
        &mut b,
        "b1",
        40,
        Phase::Investigating,
        ComponentStatus::MajorOutage,
    );
    let api = |s: &PublicState| s.components.iter().find(|c| c.id == "api").unwrap().status;
    let state = build([&a, &b], &workspace(), &times(), &info(), NOW);
    assert_eq!(
        api(&state),
        sp::ComponentStatus::MajorOutage,
        "the worst claim"
    );
    // b resolves without naming api again: its claim ends, a's remains.
    b.apply(&ev(
        "b2",
        "inc-2",
        50,
        EventBody::UpdateDrafted {
            phase: Phase::Resolved,
            channels: Channels::default(),
            components: BTreeMap::new(),
            public_title: None,
        },
    ));
    b.apply(&ev(
        "pb2",
        "inc-2",
        55,
        EventBody::UpdatePublished {
            update: EventId(Arc::from("b2")),
            targets: vec!["own".into()],
            overrides: vec![],
        },
    ));
    let state = build([&a, &b], &workspace(), &times(), &info(), NOW);
    assert_eq!(api(&state), sp::ComponentStatus::PartialOutage);
    publish(
        &mut a,
        "a2",
        60,
        Phase::Resolved,
        ComponentStatus::PartialOutage,
    );
    let state = build([&a, &b], &workspace(), &times(), &info(), NOW);
    assert_eq!(api(&state), sp::ComponentStatus::Operational);
    assert_eq!(state.status.indicator, sp::Indicator::None);
}

#[test]
fn the_uptime_bars_come_from_what_was_published() {
    let day = crate::status_page::uptime::DAY_MS;
    let now = 400 * day + day / 2;
    let mut inc = Incident::new(IncidentId(Arc::from("inc-9")));
    // Published as a major outage for one hour yesterday, then resolved.
    publish(
        &mut inc,
        "u1",
        399 * day + 3_600_000,
        Phase::Investigating,
        ComponentStatus::MajorOutage,
    );
    publish(
        &mut inc,
        "u2",
        399 * day + 2 * 3_600_000,
        Phase::Resolved,
        ComponentStatus::Operational,
    );
    let state = build([&inc], &workspace(), &times(), &info(), now);
    let bar = &state.bars["api"];
    let yesterday = &bar.days[crate::status_page::uptime::DAYS - 2];
    assert_eq!(yesterday.worst, ComponentStatus::MajorOutage);
    assert_eq!(yesterday.down_ms, 3_600_000);
    assert!(bar.uptime_basis_points.unwrap() < 10_000);
    // The website was never named: a full bar.
    assert_eq!(state.bars["web"].uptime_basis_points, Some(10_000));
    assert!(!state.bars.contains_key("group-back-end"));
}

#[test]
fn a_published_post_mortem_is_shown_apart_and_changes_no_status() {
    let mut inc = incident(&["own"]);
    publish(
        &mut inc,
        "u2",
        40,
        Phase::Resolved,
        ComponentStatus::Operational,
    );
    publish(
        &mut inc,
        "pm",
        80,
        Phase::Postmortem,
        ComponentStatus::MajorOutage,
    );
    let state = build([&inc], &workspace(), &times(), &info(), NOW);
    let shown = &state.incidents[0];
    assert_eq!(shown.status, sp::IncidentStatus::Resolved);
    assert!(shown.incident_updates.iter().all(|u| u.id != "pm"));
    let extra = &state.shown["inc-1"];
    assert_eq!(extra.postmortem.as_ref().map(|p| p.id.as_str()), Some("pm"));
    assert_eq!(
        extra.last_at, 45,
        "the post-mortem does not move the incident up"
    );
    let api = state.components.iter().find(|c| c.id == "api").unwrap();
    assert_eq!(api.status, sp::ComponentStatus::Operational);
}

#[test]
fn the_history_keeps_every_incident_and_the_json_the_latest_fifty() {
    let incidents: Vec<Incident> = (0..60)
        .map(|n| {
            let mut inc = Incident::new(IncidentId(Arc::from(format!("inc-{n}").as_str())));
            publish(
                &mut inc,
                &format!("u{n}"),
                100 + n,
                Phase::Resolved,
                ComponentStatus::Operational,
            );
            inc
        })
        .collect();
    let state = build(incidents.iter(), &workspace(), &times(), &info(), NOW);
    assert_eq!(state.incidents.len(), 60);
    assert_eq!(state.recent_incidents().len(), MAX_INCIDENTS);
    assert_eq!(state.recent_incidents()[0].id, "inc-59", "newest first");
    let codes: std::collections::BTreeSet<&str> =
        state.shown.values().map(|s| s.code.as_str()).collect();
    assert_eq!(codes.len(), 60, "one code each");
}

#[test]
fn an_announced_maintenance_claims_nothing_until_it_starts() {
    let mut m = Incident::new(IncidentId(Arc::from("mnt-2")));
    publish(
        &mut m,
        "u1",
        20,
        Phase::MaintenanceScheduled,
        ComponentStatus::UnderMaintenance,
    );
    let state = build([&m], &workspace(), &times(), &info(), NOW);
    let api = state.components.iter().find(|c| c.id == "api").unwrap();
    assert_eq!(api.status, sp::ComponentStatus::Operational);
}
