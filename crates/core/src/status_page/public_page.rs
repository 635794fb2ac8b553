//! What sitrep-server's own public status page says: built only from what
//! was published to it (update texts for the status page channel, the
//! components each update named), never from the internal log, in the
//! shapes of Statuspage's public API v2 so any Statuspage client reads it.

use crate::comms::{CustomerUpdate, Phase, Review};
use crate::incident::Incident;
use crate::log::event::{Event, EventBody};
use crate::status_page::publishing;
use crate::status_page::publishing::OWN;
use crate::status_page::upstream as sp;
use crate::status_page::v2_page as v2;
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
    pub page: v2::Page,
    pub status: v2::PageStatus,
    /// Groups and components, in the page's order (`position`).
    pub components: Vec<v2::Component>,
    /// Every incident with something published, newest first.
    pub incidents: Vec<v2::Incident>,
    /// Every maintenance window with something published, newest first;
    /// one converted into an incident is listed as an incident instead.
    pub maintenances: Vec<v2::Incident>,
}

impl PublicState {
    pub fn unresolved(&self) -> Vec<v2::Incident> {
        self.incidents
            .iter()
            .filter(|i| !i.is_closed())
            .cloned()
            .collect()
    }

    /// Maintenance windows not yet completed: what `summary.json` lists.
    pub fn upcoming_maintenances(&self) -> Vec<v2::Incident> {
        self.maintenances
            .iter()
            .filter(|m| !m.is_closed())
            .cloned()
            .collect()
    }

    /// `scheduled-maintenances/upcoming.json`: announced, not begun.
    pub fn scheduled(&self) -> Vec<v2::Incident> {
        self.maintenances_in(&[sp::IncidentStatus::Scheduled])
    }

    /// `scheduled-maintenances/active.json`: under way (or being verified).
    pub fn active(&self) -> Vec<v2::Incident> {
        self.maintenances_in(&[
            sp::IncidentStatus::InProgress,
            sp::IncidentStatus::Verifying,
        ])
    }

    fn maintenances_in(&self, statuses: &[sp::IncidentStatus]) -> Vec<v2::Incident> {
        self.maintenances
            .iter()
            .filter(|m| statuses.contains(&m.status))
            .cloned()
            .collect()
    }

    /// `summary.json`.
    pub fn summary(&self) -> v2::Summary {
        v2::Summary {
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

/// How bad a component status is, for a group's status (its worst child).
fn badness(s: ComponentStatus) -> u8 {
    match s {
        ComponentStatus::Operational => 0,
        ComponentStatus::UnderMaintenance => 1,
        ComponentStatus::DegradedPerformance => 2,
        ComponentStatus::PartialOutage => 3,
        ComponentStatus::MajorOutage => 4,
    }
}

/// When each catalogue component was first defined and last changed (by
/// the events' best times), which the page states. Kept beside the
/// workspace fold rather than in it: the console folds the workspace too,
/// and has no use for them.
#[derive(Clone, Debug, Default)]
pub struct CatalogueTimes(BTreeMap<ComponentId, (i64, i64)>);

impl CatalogueTimes {
    /// Takes in one workspace event; others change nothing.
    pub fn apply(&mut self, ev: &Event) {
        if let EventBody::ComponentDefined { component, .. } = &ev.body {
            let at = ev.best_time();
            let (defined, changed) = self.0.entry(component.clone()).or_insert((at, at));
            *defined = (*defined).min(at);
            *changed = (*changed).max(at);
        }
    }

    fn of(&self, id: &ComponentId) -> (i64, i64) {
        self.0.get(id).copied().unwrap_or((0, 0))
    }

    /// The catalogue's last change, 0 when it never changed.
    fn last_change(&self) -> i64 {
        self.0.values().map(|t| t.1).max().unwrap_or(0)
    }
}

/// What customers were told about one component: its status and when it
/// was first and last named in a published update.
#[derive(Clone, Copy)]
struct Told {
    first_at: i64,
    at: i64,
    status: ComponentStatus,
}

/// The page's components in their order: ungrouped ones, then each group
/// followed by its children (by name), then components customers were told
/// about that have since left the catalogue. A group's id is `group-` and
/// its name's slug.
fn components(
    workspace: &Workspace,
    times: &CatalogueTimes,
    told: &BTreeMap<ComponentId, Told>,
    page_id: &str,
) -> Vec<v2::Component> {
    let status_of = |id: &ComponentId| {
        told.get(id)
            .map_or(ComponentStatus::Operational, |t| t.status)
    };
    let plain =
        |id: &ComponentId, name: String, created: i64, updated: i64, group_id| v2::Component {
            id: id.0.to_string(),
            name,
            status: component_status(status_of(id)),
            created_at: utc::iso8601(created),
            updated_at: utc::iso8601(updated),
            position: 0,
            description: None,
            showcase: false,
            start_date: None,
            group_id,
            page_id: page_id.to_string(),
            group: false,
            only_show_if_degraded: false,
            components: None,
        };
    let updated = |c: &crate::workspace::Component| {
        times.of(&c.id).1.max(told.get(&c.id).map_or(0, |t| t.at))
    };
    let mut groups: BTreeMap<&str, Vec<&crate::workspace::Component>> = BTreeMap::new();
    let mut out = Vec::new();
    for c in workspace.catalogue() {
        if c.group.is_empty() {
            out.push(plain(
                &c.id,
                c.name.clone(),
                times.of(&c.id).0,
                updated(c),
                None,
            ));
        } else {
            groups.entry(c.group.as_str()).or_default().push(c);
        }
    }
    for (name, children) in groups {
        let group_id = format!("group-{}", crate::slug::slug(name));
        let worst = children
            .iter()
            .map(|c| status_of(&c.id))
            .max_by_key(|s| badness(*s))
            .unwrap_or(ComponentStatus::Operational);
        out.push(v2::Component {
            id: group_id.clone(),
            name: name.to_string(),
            status: component_status(worst),
            created_at: utc::iso8601(
                children
                    .iter()
                    .map(|c| times.of(&c.id).0)
                    .min()
                    .unwrap_or(0),
            ),
            updated_at: utc::iso8601(children.iter().map(|c| updated(c)).max().unwrap_or(0)),
            position: 0,
            description: None,
            showcase: false,
            start_date: None,
            group_id: None,
            page_id: page_id.to_string(),
            group: true,
            only_show_if_degraded: false,
            components: Some(children.iter().map(|c| c.id.0.to_string()).collect()),
        });
        for c in children {
            out.push(plain(
                &c.id,
                c.name.clone(),
                times.of(&c.id).0,
                updated(c),
                Some(group_id.clone()),
            ));
        }
    }
    // A component an update named that has since left the catalogue is
    // still listed: customers were told about it.
    for (id, t) in told {
        if !out.iter().any(|c| !c.group && *c.id == *id.0) {
            out.push(plain(
                id,
                workspace.component_name(id),
                t.first_at,
                t.at,
                None,
            ));
        }
    }
    for (i, c) in out.iter_mut().enumerate() {
        c.position = u32::try_from(i + 1).unwrap_or(u32::MAX);
    }
    out
}

/// Where a person reads an incident: the own page, at its entry.
pub fn shortlink(info: &PageInfo, incident: &str) -> String {
    format!(
        "{}/status#incident-{}",
        info.url.trim_end_matches('/'),
        crate::slug::slug(incident)
    )
}

/// Builds the page from folded incidents and the workspace catalogue.
/// A component's status is what the latest published update naming it said;
/// one never named is operational, as far as customers were told. `now`
/// dates a page nothing has changed yet.
pub fn build<'a>(
    incidents: impl IntoIterator<Item = &'a Incident>,
    workspace: &Workspace,
    times: &CatalogueTimes,
    info: &PageInfo,
    now: i64,
) -> PublicState {
    let name_of = |id: &ComponentId| workspace.component_name(id);
    let mut told: BTreeMap<ComponentId, Told> = BTreeMap::new();
    // Each shown incident, with the components its updates named.
    let mut shown: Vec<(i64, v2::Incident, Vec<ComponentId>)> = Vec::new();
    let mut latest_at = 0i64;
    for inc in incidents {
        let ups = published_to_own(inc);
        let Some(last) = ups.last() else { continue };
        let mut before: BTreeMap<&ComponentId, ComponentStatus> = BTreeMap::new();
        let mut updates = Vec::new();
        let mut named: Vec<ComponentId> = Vec::new();
        let mut monitoring_at = None;
        let mut closed_since = None;
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
                if !named.contains(id) {
                    named.push(id.clone());
                }
                let entry = told.entry(id.clone()).or_insert(Told {
                    first_at: at,
                    at,
                    status: *s,
                });
                entry.first_at = entry.first_at.min(at);
                if entry.at <= at {
                    entry.at = at;
                    entry.status = *s;
                }
            }
            let status = incident_status(u.phase);
            if status == sp::IncidentStatus::Monitoring {
                monitoring_at.get_or_insert(at);
            }
            // Resolved when it last became resolved: a later note on a
            // resolved incident does not move it, a reopening clears it.
            closed_since = if status.is_closed() {
                closed_since.or(Some(at))
            } else {
                None
            };
            let at = utc::iso8601(at);
            updates.push(v2::IncidentUpdate {
                id: u.id.0.to_string(),
                status,
                body: u.channels.status_page.clone(),
                incident_id: inc.id.0.to_string(),
                created_at: at.clone(),
                updated_at: at.clone(),
                display_at: at,
                affected_components: affected,
                deliver_notifications: true,
                custom_tweet: None,
                tweet_id: None,
            });
        }
        updates.reverse();
        let first_at = ups.first().and_then(|u| u.published_at).unwrap_or(0);
        let last_at = last.published_at.unwrap_or(0);
        // A window still planned work is announced as a scheduled
        // maintenance, with its times; once converted it is an incident.
        let window = inc.maintenance.as_ref().filter(|_| inc.is_maintenance());
        // An incident keeps the worst impact it was published with, as
        // Statuspage's do: resolving it does not make it "none".
        let impact = if window.is_some() {
            sp::Impact::Maintenance
        } else {
            sp::Impact::from_wire(publishing::impact(
                ups.iter().flat_map(|u| u.components.values()),
            ))
        };
        shown.push((
            last_at,
            v2::Incident {
                id: inc.id.0.to_string(),
                name: publishing::public_name(inc),
                status: incident_status(last.phase),
                created_at: utc::iso8601(first_at),
                updated_at: utc::iso8601(last_at),
                monitoring_at: monitoring_at.map(utc::iso8601),
                resolved_at: closed_since.map(utc::iso8601),
                impact,
                shortlink: shortlink(info, &inc.id.0),
                started_at: utc::iso8601(first_at),
                page_id: info.id.clone(),
                incident_updates: updates,
                components: Vec::new(),
                reminder_intervals: None,
                scheduled_for: window.map(|m| utc::iso8601(m.starts_at)),
                scheduled_until: window.map(|m| utc::iso8601(m.ends_at)),
            },
            named,
        ));
    }
    let components = components(workspace, times, &told, &info.id);
    crate::ordering::sort_by(&mut shown, |a, b| {
        b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id))
    });
    let (maintenances, incidents): (Vec<_>, Vec<_>) = shown
        .into_iter()
        .map(|(_, mut i, named)| {
            // As the page lists them now, as Statuspage's incidents do.
            i.components = named
                .iter()
                .filter_map(|id| components.iter().find(|c| !c.group && *c.id == *id.0))
                .cloned()
                .collect();
            i
        })
        .partition(|i| i.scheduled_for.is_some());
    let incidents: Vec<v2::Incident> = incidents.into_iter().take(MAX_INCIDENTS).collect();
    let maintenances: Vec<v2::Incident> = maintenances.into_iter().take(MAX_INCIDENTS).collect();

    let open: Vec<&v2::Incident> = incidents.iter().filter(|i| !i.is_closed()).collect();
    let worst_component = told
        .values()
        .map(|t| t.status)
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
    // The page changed last when something was published or the catalogue
    // changed; a page nothing has happened to yet is as of now, not 1970.
    let changed_at = Some(times.last_change().max(latest_at))
        .filter(|at| *at > 0)
        .unwrap_or(now);
    PublicState {
        page: v2::Page {
            id: info.id.clone(),
            name: info.name.clone(),
            url: info.url.clone(),
            time_zone: v2::TIME_ZONE.into(),
            updated_at: utc::iso8601(changed_at),
        },
        status: v2::PageStatus {
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
        assert_eq!(
            shown.shortlink,
            "https://status.example.com/status#incident-inc-1"
        );
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
}
