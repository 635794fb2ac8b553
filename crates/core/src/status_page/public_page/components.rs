//! The page's component list: the catalogue in the page's order, each with
//! the status customers were last told, and when each was defined.

use super::component_status;
use crate::log::event::{Event, EventBody};
use crate::status_page::uptime::badness;
use crate::status_page::v2_page as v2;
use crate::time::utc;
use crate::vocabulary::{ComponentId, ComponentStatus};
use crate::workspace::Workspace;
use std::collections::BTreeMap;

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

    pub(super) fn of(&self, id: &ComponentId) -> (i64, i64) {
        self.0.get(id).copied().unwrap_or((0, 0))
    }

    /// The catalogue's last change, 0 when it never changed.
    pub(super) fn last_change(&self) -> i64 {
        self.0.values().map(|t| t.1).max().unwrap_or(0)
    }
}

/// When a published update first and last named a component.
#[derive(Clone, Copy)]
pub(super) struct Told {
    pub first_at: i64,
    pub at: i64,
}

/// The page's components in their order: ungrouped ones, then each group
/// followed by its children (by name), then components customers were told
/// about that have since left the catalogue. A group's id is `group-` and
/// its name's slug.
pub(super) fn components(
    workspace: &Workspace,
    times: &CatalogueTimes,
    told: &BTreeMap<ComponentId, Told>,
    current: &BTreeMap<ComponentId, ComponentStatus>,
    page_id: &str,
) -> Vec<v2::Component> {
    let status_of = |id: &ComponentId| {
        current
            .get(id)
            .copied()
            .unwrap_or(ComponentStatus::Operational)
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
