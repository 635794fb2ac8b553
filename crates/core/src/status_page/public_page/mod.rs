//! What sitrep-server's own public status page says: built only from what
//! was published to it (update texts for the status page channel, the
//! components each update named), never from the internal log, in the
//! shapes of Statuspage's public API v2 so any Statuspage client reads it,
//! plus what only our own page, its feeds and its notifications use: each
//! incident's short code and times, its public post-mortem, and every
//! component's status history for the uptime bars (see `uptime`).

mod components;
#[cfg(test)]
mod tests;

pub use components::CatalogueTimes;

use crate::comms::{CustomerUpdate, Phase, Review};
use crate::incident::Incident;
use crate::status_page::publishing;
use crate::status_page::publishing::OWN;
use crate::status_page::short_code;
use crate::status_page::upstream as sp;
use crate::status_page::uptime;
use crate::status_page::v2_page as v2;
use crate::time::utc;
use crate::vocabulary::{ComponentId, ComponentStatus};
use crate::workspace::Workspace;
use components::Told;
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
    /// Every incident with something published, newest first (the JSON
    /// lists the latest `MAX_INCIDENTS`; the page's history all of them).
    pub incidents: Vec<v2::Incident>,
    /// Every maintenance window with something published, newest first;
    /// one converted into an incident is listed as an incident instead.
    pub maintenances: Vec<v2::Incident>,
    /// Our own page's extras for each incident and maintenance, by id.
    pub shown: BTreeMap<String, Shown>,
    /// Each plain component's 90-day bar, by component id.
    pub bars: BTreeMap<String, uptime::Bar>,
    /// When the page was built (the server's clock).
    pub built_at: i64,
}

/// What our own page knows of a shown incident beyond the v2 object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    /// The short code in its address (`/status/incidents/CODE`).
    pub code: String,
    /// When its first and latest update (post-mortem aside) were published.
    pub first_at: i64,
    pub last_at: i64,
    pub resolved_at: Option<i64>,
    /// A maintenance's planned window.
    pub window: Option<(i64, i64)>,
    /// Its published updates, newest first, with their times in ms.
    pub updates: Vec<ShownUpdate>,
    /// The public post-mortem summary, once published.
    pub postmortem: Option<ShownUpdate>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownUpdate {
    /// The customer update's id (stable: feeds and links use it).
    pub id: String,
    pub at: i64,
    pub phase: Phase,
    /// The status page text, Markdown.
    pub body: String,
}

impl PublicState {
    pub fn unresolved(&self) -> Vec<v2::Incident> {
        self.incidents
            .iter()
            .filter(|i| !i.is_closed())
            .cloned()
            .collect()
    }

    /// `incidents.json`: the latest `MAX_INCIDENTS`.
    pub fn recent_incidents(&self) -> Vec<v2::Incident> {
        self.incidents.iter().take(MAX_INCIDENTS).cloned().collect()
    }

    /// `scheduled-maintenances.json`: the latest `MAX_INCIDENTS`.
    pub fn recent_maintenances(&self) -> Vec<v2::Incident> {
        self.maintenances
            .iter()
            .take(MAX_INCIDENTS)
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

    /// The incident or maintenance whose short code this is.
    pub fn by_code(&self, code: &str) -> Option<(&v2::Incident, &Shown)> {
        if !short_code::plausible(code) {
            return None;
        }
        let (id, shown) = self.shown.iter().find(|(_, s)| s.code == code)?;
        self.incidents
            .iter()
            .chain(&self.maintenances)
            .find(|i| &i.id == id)
            .map(|i| (i, shown))
    }
}

/// The updates shown on the own page: published to it, oldest first.
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

pub(crate) fn component_status(s: ComponentStatus) -> sp::ComponentStatus {
    sp::ComponentStatus::from_wire(publishing::statuspage_component(s))
}

/// Where a person reads an incident: its own page, at a short address.
pub fn shortlink(info: &PageInfo, code: &str) -> String {
    format!("{}/status/incidents/{code}", info.url.trim_end_matches('/'))
}

/// What one incident's published updates claim about components, for
/// the status history (rules in `uptime`).
fn claims(incident: &str, ups: &[&CustomerUpdate]) -> Vec<uptime::Claim> {
    let mut out = Vec::new();
    let mut held: Vec<ComponentId> = Vec::new();
    for u in ups {
        let at = u.published_at.unwrap_or(0);
        if u.phase.is_closing() {
            for c in held.drain(..) {
                out.push(uptime::Claim {
                    at,
                    incident: incident.to_string(),
                    component: c,
                    status: None,
                });
            }
            continue;
        }
        if u.phase == Phase::MaintenanceScheduled {
            continue;
        }
        for (c, s) in &u.components {
            if !held.contains(c) {
                held.push(c.clone());
            }
            out.push(uptime::Claim {
                at,
                incident: incident.to_string(),
                component: c.clone(),
                status: Some(*s),
            });
        }
    }
    out
}

/// One incident as shown, before the page's component list exists.
struct Built {
    incident: v2::Incident,
    shown: Shown,
    named: Vec<ComponentId>,
}

/// The v2 incident and our extras for one incident with something
/// published to the own page; `None` when nothing was.
fn build_incident(
    inc: &Incident,
    workspace: &Workspace,
    info: &PageInfo,
    told: &mut BTreeMap<ComponentId, Told>,
    claims_out: &mut Vec<uptime::Claim>,
) -> Option<Built> {
    let all = published_to_own(inc);
    let postmortem = all
        .iter()
        .rfind(|u| u.phase == Phase::Postmortem)
        .map(|u| shown_update(u));
    // The post-mortem changes no status: it is shown apart.
    let ups: Vec<&CustomerUpdate> = all
        .iter()
        .copied()
        .filter(|u| u.phase != Phase::Postmortem)
        .collect();
    if ups.is_empty() && postmortem.is_none() {
        return None;
    }
    claims_out.extend(claims(&inc.id.0, &ups));
    let mut before: BTreeMap<&ComponentId, ComponentStatus> = BTreeMap::new();
    let mut updates = Vec::new();
    let mut named: Vec<ComponentId> = Vec::new();
    let mut monitoring_at = None;
    let mut closed_since = None;
    for u in &ups {
        let at = u.published_at.unwrap_or(0);
        let affected = u
            .components
            .iter()
            .map(|(id, s)| sp::AffectedComponent {
                code: Some(id.0.to_string()),
                name: workspace.component_name(id),
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
            let entry = told.entry(id.clone()).or_insert(Told { first_at: at, at });
            entry.first_at = entry.first_at.min(at);
            entry.at = entry.at.max(at);
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
    let pm_at = postmortem.as_ref().map(|p| p.at);
    let first_at = ups.first().and_then(|u| u.published_at).or(pm_at)?;
    let last_at = ups.last().and_then(|u| u.published_at).or(pm_at)?;
    let status = match ups.last() {
        Some(u) => incident_status(u.phase),
        // Only a post-mortem was published here: it speaks of the past.
        None => sp::IncidentStatus::Resolved,
    };
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
    let shown_updates = ups.iter().rev().map(|u| shown_update(u)).collect();
    Some(Built {
        incident: v2::Incident {
            id: inc.id.0.to_string(),
            name: publishing::public_name(inc),
            status,
            created_at: utc::iso8601(first_at),
            updated_at: utc::iso8601(last_at),
            monitoring_at: monitoring_at.map(utc::iso8601),
            resolved_at: closed_since.map(utc::iso8601),
            impact,
            // Filled in once every incident's code is known.
            shortlink: String::new(),
            started_at: utc::iso8601(first_at),
            page_id: info.id.clone(),
            incident_updates: updates,
            components: Vec::new(),
            reminder_intervals: None,
            scheduled_for: window.map(|m| utc::iso8601(m.starts_at)),
            scheduled_until: window.map(|m| utc::iso8601(m.ends_at)),
        },
        shown: Shown {
            code: String::new(),
            first_at,
            last_at,
            resolved_at: closed_since,
            window: window.map(|m| (m.starts_at, m.ends_at)),
            updates: shown_updates,
            postmortem,
        },
        named,
    })
}

fn shown_update(u: &CustomerUpdate) -> ShownUpdate {
    ShownUpdate {
        id: u.id.0.to_string(),
        at: u.published_at.unwrap_or(0),
        phase: u.phase,
        body: u.channels.status_page.clone(),
    }
}

/// Builds the page from folded incidents and the workspace catalogue.
/// A component's status is the worst that an open incident's latest
/// published update claims for it (see `uptime`); one never named is
/// operational, as far as customers were told. `now` dates a page nothing
/// has changed yet and ends the uptime bars.
pub fn build<'a>(
    incidents: impl IntoIterator<Item = &'a Incident>,
    workspace: &Workspace,
    times: &CatalogueTimes,
    info: &PageInfo,
    now: i64,
) -> PublicState {
    let mut told: BTreeMap<ComponentId, Told> = BTreeMap::new();
    let mut all_claims = Vec::new();
    let mut built: Vec<Built> = incidents
        .into_iter()
        .filter_map(|inc| build_incident(inc, workspace, info, &mut told, &mut all_claims))
        .collect();
    let latest_at = built.iter().map(|b| b.shown.last_at).max().unwrap_or(0);
    // Codes go to incidents in the order they were first published, so an
    // earlier one keeps its code whatever comes later.
    let mut by_first: Vec<(i64, &str)> = built
        .iter()
        .map(|b| (b.shown.first_at, b.incident.id.as_str()))
        .collect();
    crate::ordering::sort_by(&mut by_first, |a, b| a.cmp(b));
    let codes = short_code::assign(by_first.iter().map(|(_, id)| *id));
    for b in &mut built {
        b.shown.code = codes.get(&b.incident.id).cloned().unwrap_or_default();
        b.incident.shortlink = shortlink(info, &b.shown.code);
    }

    let steps = uptime::steps(&all_claims);
    let current: BTreeMap<ComponentId, ComponentStatus> = steps
        .iter()
        .map(|(id, s)| (id.clone(), uptime::status_at(s, i64::MAX)))
        .collect();
    let components = components::components(workspace, times, &told, &current, &info.id);
    let bars = components
        .iter()
        .filter(|c| !c.group)
        .map(|c| {
            let id = ComponentId(c.id.as_str().into());
            // Measured from when it was defined (or first named, if earlier).
            let defined = Some(times.of(&id).0).filter(|t| *t > 0);
            let first_told = told.get(&id).map(|t| t.first_at);
            let since = match (defined, first_told) {
                (Some(d), Some(t)) => d.min(t),
                (Some(d), None) => d,
                (None, Some(t)) => t,
                (None, None) => now,
            };
            let s = steps.get(&id).map(Vec::as_slice).unwrap_or(&[]);
            (c.id.clone(), uptime::bar(s, since, now))
        })
        .collect();

    crate::ordering::sort_by(&mut built, |a, b| {
        b.shown
            .last_at
            .cmp(&a.shown.last_at)
            .then_with(|| a.incident.id.cmp(&b.incident.id))
    });
    let mut shown = BTreeMap::new();
    let (maintenances, incidents): (Vec<_>, Vec<_>) = built
        .into_iter()
        .map(|b| {
            let mut i = b.incident;
            // As the page lists them now, as Statuspage's incidents do.
            i.components = b
                .named
                .iter()
                .filter_map(|id| components.iter().find(|c| !c.group && *c.id == *id.0))
                .cloned()
                .collect();
            shown.insert(i.id.clone(), b.shown);
            i
        })
        .partition(|i| i.scheduled_for.is_some());

    let open: Vec<&v2::Incident> = incidents.iter().filter(|i| !i.is_closed()).collect();
    let affected: Vec<ComponentStatus> = current
        .values()
        .copied()
        .filter(|s| *s != ComponentStatus::Operational)
        .collect();
    // Work under way shows as maintenance unless something is worse.
    let working = maintenances
        .iter()
        .filter(|m| m.status == sp::IncidentStatus::InProgress)
        .map(|_| sp::Impact::Maintenance);
    let indicator = page_indicator(
        open.iter().map(|i| i.impact).chain(working),
        publishing::impact(&affected),
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
        shown,
        bars,
        built_at: now,
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
