//! One provider as consoles are sent it: the verdict, the broken components
//! and open incidents, and what was left out to keep the message small.

use super::{
    unknown_label, Component, Fetched, Impact, Incident, IncidentStatus, Indicator, Page,
    ProviderState,
};
use serde::{Deserialize, Serialize};

/// One provider as `GET /api/v1/upstreams` lists it. Either `known` or
/// `unknown` is present; a console shows `unknown` as unknown whatever the
/// last known summary said.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProviderView {
    pub name: String,
    /// The base URL the admin configured.
    pub url: String,
    pub state: ViewState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<Snapshot>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown: Option<UnknownView>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ViewState {
    Known,
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UnknownView {
    pub since: i64,
    pub reason: String,
    /// `unknown since 14:05 UTC (reason)`.
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_known: Option<Snapshot>,
}

/// The part of a summary the console shows: what is not fine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Snapshot {
    pub fetched_at: i64,
    pub page: Page,
    pub indicator: Indicator,
    pub description: String,
    /// Components whose status is anything but `operational`.
    pub components: Vec<Component>,
    /// Every component the page lists (groups left out), operational or
    /// not, so a console can link one to ours before it breaks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub catalogue: Vec<ComponentRef>,
    /// Unresolved incidents, each with its newest update.
    pub incidents: Vec<IncidentView>,
    /// Maintenances not yet completed.
    pub maintenances: Vec<IncidentView>,
    /// How much of each list above was left out to keep what consoles are
    /// sent small (see `upstream_budget`); absent when nothing was.
    #[serde(default, skip_serializing_if = "Omitted::is_nothing")]
    pub omitted: Omitted,
}

/// Counts of what a bounded snapshot leaves out of each of its lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Omitted {
    /// Components not operational beyond those listed.
    #[serde(default)]
    pub components: usize,
    #[serde(default)]
    pub catalogue: usize,
    #[serde(default)]
    pub incidents: usize,
    #[serde(default)]
    pub maintenances: usize,
}

impl Omitted {
    pub fn is_nothing(&self) -> bool {
        *self == Omitted::default()
    }
}

/// A provider's component by id and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ComponentRef {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IncidentView {
    pub id: String,
    pub name: String,
    pub status: IncidentStatus,
    pub impact: Impact,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortlink: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_update: Option<UpdateView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UpdateView {
    pub status: IncidentStatus,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

impl Snapshot {
    pub fn of(f: &Fetched) -> Snapshot {
        let s = &f.summary;
        let open = |list: &[Incident]| -> Vec<IncidentView> {
            list.iter()
                .filter(|i| !i.status.is_closed())
                .map(IncidentView::of)
                .collect()
        };
        Snapshot {
            fetched_at: f.fetched_at,
            page: s.page.clone(),
            indicator: s.status.indicator,
            description: s.status.description.clone(),
            components: s
                .components
                .iter()
                .filter(|c| !c.status.is_operational())
                .cloned()
                .collect(),
            catalogue: s
                .components
                .iter()
                .filter(|c| !c.group)
                .map(|c| ComponentRef {
                    id: c.id.clone(),
                    name: c.name.clone(),
                })
                .collect(),
            incidents: open(&s.incidents),
            maintenances: open(&s.scheduled_maintenances),
            omitted: Omitted::default(),
        }
    }
}

impl IncidentView {
    pub fn of(i: &Incident) -> IncidentView {
        IncidentView {
            id: i.id.clone(),
            name: i.name.clone(),
            status: i.status,
            impact: i.impact,
            shortlink: i.shortlink.clone(),
            scheduled_for: i.scheduled_for.clone(),
            scheduled_until: i.scheduled_until.clone(),
            latest_update: i.latest_update().map(|u| UpdateView {
                status: u.status,
                body: u.body.clone(),
                at: u.at().map(str::to_owned),
            }),
        }
    }
}

impl ProviderView {
    pub fn of(name: &str, url: &str, state: &ProviderState) -> ProviderView {
        let (view, known, unknown) = match state {
            ProviderState::Known(f) => (ViewState::Known, Some(Snapshot::of(f)), None),
            ProviderState::Unknown {
                since,
                reason,
                last_known,
            } => (
                ViewState::Unknown,
                None,
                Some(UnknownView {
                    since: *since,
                    reason: reason.clone(),
                    label: unknown_label(*since, reason),
                    last_known: last_known.as_ref().map(Snapshot::of),
                }),
            ),
        };
        ProviderView {
            name: name.into(),
            url: url.into(),
            state: view,
            known,
            unknown,
        }
    }
}
