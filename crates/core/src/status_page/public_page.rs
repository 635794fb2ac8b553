//! What sitrep-server's own public status page says: built only from what
//! was published to it (update texts for the status page channel, the
//! components each update named), never from the internal log, in the
//! shapes of Statuspage's public API v2 so any Statuspage client reads it.

use crate::comms::{CustomerUpdate, Phase, Review};
use crate::incident::Incident;
use crate::status_page::publishing;
use crate::status_page::publishing::OWN;
use crate::status_page::upstream as sp;
use crate::time::utc;
use crate::vocabulary::{ComponentId, ComponentStatus};
use crate::workspace::Workspace;
use std::collections::BTreeMap;

/// How many incidents `incidents.json` lists, as Statuspage does.
pub const MAX_INCIDENTS: usize = 50;

/// The page's own identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageInfo {
    pub id: String,
    pub name: String,
    pub url: String,
}

/// Everything the public page shows, newest incident first.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicState {
    pub page: sp::Page,
    pub status: sp::PageStatus,
    pub components: Vec<sp::Component>,
    /// Every incident with something published, newest first.
    pub incidents: Vec<sp::Incident>,
    /// Every maintenance window with something published, newest first;
    /// one converted into an incident is listed as an incident instead.
    pub maintenances: Vec<sp::Incident>,
}

impl PublicState {
    pub fn unresolved(&self) -> Vec<sp::Incident> {
        self.incidents
            .iter()
            .filter(|i| !i.status.is_closed())
            .cloned()
            .collect()
    }

    /// Maintenance windows not yet completed: what `summary.json` lists.
    pub fn upcoming_maintenances(&self) -> Vec<sp::Incident> {
        self.maintenances
            .iter()
            .filter(|m| !m.status.is_closed())
            .cloned()
            .collect()
    }

    /// `summary.json`.
    pub fn summary(&self) -> sp::Summary {
        sp::Summary {
            page: self.page.clone(),
            status: self.status.clone(),
            components: self.components.clone(),
            incidents: self.unresolved(),
            scheduled_maintenances: self.upcoming_maintenances(),
        }
    }
}

/// An update shown on the own page: published to it, newest last.
fn published_to_own(inc: &Incident) -> Vec<&CustomerUpdate> {
    let mut ups: Vec<&CustomerUpdate> = inc
        .updates
        .iter()
        .filter(|u| u.review == Review::Published && u.targets.iter().any(|t| t == OWN))
        .collect();
    crate::ordering::sort_by_key(&mut ups, |u| u.published_at.unwrap_or(0));
    ups
}

fn incident_status(phase: Phase) -> sp::IncidentStatus {
    sp::IncidentStatus::from_wire(publishing::statuspage_status(phase))
}

fn component_status(s: ComponentStatus) -> sp::ComponentStatus {
    sp::ComponentStatus::from_wire(publishing::statuspage_component(s))
}

/// Builds the page from folded incidents and the workspace catalogue.
/// A component's status is what the latest published update naming it said;
/// one never named is operational, as far as customers were told.
pub fn build<'a>(
    incidents: impl IntoIterator<Item = &'a Incident>,
    workspace: &Workspace,
    info: &PageInfo,
) -> PublicState {
    let name_of = |id: &ComponentId| workspace.component_name(id);
    let mut told: BTreeMap<ComponentId, (i64, ComponentStatus)> = BTreeMap::new();
    let mut shown: Vec<(i64, sp::Incident)> = Vec::new();
    let mut latest_at = 0i64;
    for inc in incidents {
        let ups = published_to_own(inc);
        let Some(last) = ups.last() else { continue };
        let mut before: BTreeMap<&ComponentId, ComponentStatus> = BTreeMap::new();
        let mut updates = Vec::new();
        let mut named: BTreeMap<&ComponentId, ComponentStatus> = BTreeMap::new();
        for u in &ups {
            let at = u.published_at.unwrap_or(0);
            latest_at = latest_at.max(at);
            let affected = u
                .components
                .iter()
                .map(|(id, s)| sp::AffectedComponent {
                    code: Some(id.0.to_string()),
                    name: name_of(id),
                    old_status: Some(component_status(
                        before
                            .get(id)
                            .copied()
                            .unwrap_or(ComponentStatus::Operational),
                    )),
                    new_status: Some(component_status(*s)),
                })
                .collect();
            for (id, s) in &u.components {
                before.insert(id, *s);
                named.insert(id, *s);
                let newer = told.get(id).is_none_or(|(t, _)| *t <= at);
                if newer {
                    told.insert(id.clone(), (at, *s));
                }
            }
            updates.push(sp::IncidentUpdate {
                id: u.id.0.to_string(),
                status: incident_status(u.phase),
                body: u.channels.status_page.clone(),
                created_at: Some(utc::iso8601(at)),
                display_at: Some(utc::iso8601(at)),
                affected_components: affected,
            });
        }
        updates.reverse();
        let first_at = ups.first().and_then(|u| u.published_at).unwrap_or(0);
        let last_at = last.published_at.unwrap_or(0);
        let status = incident_status(last.phase);
        let impact = sp::Impact::from_wire(publishing::impact(last.components.values()));
        let components = named
            .iter()
            .map(|(id, s)| sp::Component {
                id: id.0.to_string(),
                name: name_of(id),
                status: component_status(*s),
                group_id: None,
                group: false,
                components: Vec::new(),
            })
            .collect();
        // A window still planned work is announced as a scheduled
        // maintenance, with its times; once converted it is an incident.
        let window = inc.maintenance.as_ref().filter(|_| inc.is_maintenance());
        shown.push((
            last_at,
            sp::Incident {
                id: inc.id.0.to_string(),
                name: inc.title.clone(),
                status,
                impact,
                shortlink: None,
                created_at: Some(utc::iso8601(first_at)),
                updated_at: Some(utc::iso8601(last_at)),
                scheduled_for: window.map(|m| utc::iso8601(m.starts_at)),
                scheduled_until: window.map(|m| utc::iso8601(m.ends_at)),
                incident_updates: updates,
                components,
            },
        ));
    }
    crate::ordering::sort_by(&mut shown, |a, b| {
        b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id))
    });
    let (maintenances, incidents): (Vec<_>, Vec<_>) = shown
        .into_iter()
        .map(|(_, i)| i)
        .partition(|i| i.scheduled_for.is_some());
    let incidents: Vec<sp::Incident> = incidents.into_iter().take(MAX_INCIDENTS).collect();
    let maintenances: Vec<sp::Incident> = maintenances.into_iter().take(MAX_INCIDENTS).collect();

    let mut components: Vec<sp::Component> = workspace
        .catalogue()
        .into_iter()
        .map(|c| sp::Component {
            id: c.id.0.to_string(),
            name: c.name.clone(),
            status: component_status(
                told.get(&c.id)
                    .map_or(ComponentStatus::Operational, |(_, s)| *s),
            ),
            group_id: None,
            group: false,
            components: Vec::new(),
        })
        .collect();
    // A component an update named that has since left the catalogue is
    // still listed: customers were told about it.
    for (id, (_, s)) in &told {
        if !components.iter().any(|c| *c.id == *id.0) {
            components.push(sp::Component {
                id: id.0.to_string(),
                name: name_of(id),
                status: component_status(*s),
                group_id: None,
                group: false,
                components: Vec::new(),
            });
        }
    }

    let open: Vec<&sp::Incident> = incidents.iter().filter(|i| !i.status.is_closed()).collect();
    let worst_component = told
        .values()
        .map(|(_, s)| *s)
        .filter(|s| *s != ComponentStatus::Operational)
        .collect::<Vec<_>>();
    // Work under way shows as maintenance unless something is worse.
    let working = maintenances
        .iter()
        .filter(|m| m.status == sp::IncidentStatus::InProgress)
        .map(|_| sp::Impact::Maintenance);
    let indicator = page_indicator(
        open.iter().map(|i| i.impact).chain(working),
        publishing::impact(&worst_component),
    );
    PublicState {
        page: sp::Page {
            id: info.id.clone(),
            name: info.name.clone(),
            url: info.url.clone(),
            updated_at: Some(utc::iso8601(latest_at)),
        },
        status: sp::PageStatus {
            indicator,
            description: description(indicator).into(),
        },
        components,
        incidents,
        maintenances,
    }
}

/// The overall verdict: the worst open incident's impact, or what the
/// components alone say when they are worse.
fn page_indicator(
    open_impacts: impl Iterator<Item = sp::Impact>,
    from_components: &str,
) -> sp::Indicator {
    let rank = |w: &str| match w {
        "maintenance" => 1,
        "minor" => 2,
        "major" => 3,
        "critical" => 4,
        _ => 0,
    };
    let worst = open_impacts
        .map(|i| rank(i.as_str()))
        .chain([rank(from_components)])
        .max()
        .unwrap_or(0);
    match worst {
        0 => sp::Indicator::None,
        1 => sp::Indicator::Maintenance,
        2 => sp::Indicator::Minor,
        3 => sp::Indicator::Major,
        _ => sp::Indicator::Critical,
    }
}

/// Statuspage's own words for each indicator.
pub fn description(i: sp::Indicator) -> &'static str {
    match i {
        sp::Indicator::None => "All Systems Operational",
        sp::Indicator::Minor => "Minor Service Outage",
        sp::Indicator::Major => "Partial System Outage",
        sp::Indicator::Critical => "Major Service Outage",
        sp::Indicator::Maintenance => "Service Under Maintenance",
        sp::Indicator::Unknown => "Status unknown",
    }
}

#[cfg(test)]
mod tests {
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

    fn info() -> PageInfo {
        PageInfo {
            id: "sitrep".into(),
            name: "Example status".into(),
            url: "https://status.example.com".into(),
        }
    }

    fn workspace() -> Workspace {
        let mut w = Workspace::default();
        for (id, name) in [("api", "Public API"), ("web", "Website")] {
            w.apply(&ev(
                &format!("c-{id}"),
                "workspace",
                1,
                EventBody::ComponentDefined {
                    component: ComponentId(Arc::from(id)),
                    name: name.into(),
                    group: String::new(),
                },
            ));
        }
        w
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
        let state = build([&inc], &workspace(), &info());
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
        let state = build([&m], &workspace(), &info());
        assert!(state.incidents.is_empty(), "not an incident");
        let summary = state.summary();
        assert_eq!(summary.scheduled_maintenances.len(), 1);
        let shown = &summary.scheduled_maintenances[0];
        assert_eq!(shown.status, sp::IncidentStatus::InProgress);
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
        let state = build([&inc], &workspace(), &info());
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
        let state = build([&inc], &workspace(), &info());
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
        let summary = build([&inc], &workspace(), &info()).summary();
        let json = serde_json::to_vec(&summary).unwrap();
        let back = sp::parse_summary(&json, sp::MAX_SUMMARY_BYTES).unwrap();
        assert_eq!(back, summary);
    }
}
