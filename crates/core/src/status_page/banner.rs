//! The in-app banner (`GET /api/v2/banner.json`): the approved banner text
//! of the latest update published to the banner target, for an incident or
//! a maintenance still open, with a severity a product can style by. The
//! most severe open one wins (then the latest). Empty once everything is
//! over: a resolution takes its incident's banner down.

use crate::comms::{CustomerUpdate, Phase, Review};
use crate::incident::Incident;
use crate::status_page::public_page::PublicState;
use crate::status_page::publishing::{self, BANNER};
use crate::time::utc;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Banner {
    /// One line, as approved; plain text (a product must show it as text).
    pub text: String,
    /// `critical`, `warning` or `info`, for the product's styling.
    pub severity: &'static str,
    /// The incident's impact in Statuspage's words (`critical`, `major`,
    /// `minor`, `maintenance`, `none`).
    pub impact: &'static str,
    /// The incident's public name.
    pub name: String,
    /// Where to read more: the incident's public page, or the status page.
    pub url: String,
    pub updated_at: String,
}

/// `banner.json`'s body: `{"banner": null}` when nothing is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BannerReply {
    pub banner: Option<Banner>,
}

fn rank(impact: &str) -> u8 {
    match impact {
        "critical" => 4,
        "major" => 3,
        "minor" => 2,
        "maintenance" => 1,
        _ => 0,
    }
}

fn severity(impact: &str) -> &'static str {
    match impact {
        "critical" | "major" => "critical",
        "minor" => "warning",
        _ => "info",
    }
}

fn published(inc: &Incident) -> Vec<&CustomerUpdate> {
    let mut ups: Vec<&CustomerUpdate> = inc
        .updates
        .iter()
        .filter(|u| u.review == Review::Published && u.phase != Phase::Postmortem)
        .collect();
    crate::ordering::sort_by_key(&mut ups, |u| u.published_at.unwrap_or(0));
    ups
}

/// The banner to show now, if any.
pub fn banner<'a>(
    incidents: impl IntoIterator<Item = &'a Incident>,
    state: &PublicState,
) -> BannerReply {
    let mut best: Option<(u8, i64, Banner)> = None;
    for inc in incidents {
        let ups = published(inc);
        // Over: its latest published update (any target) says so.
        if ups.last().is_none_or(|u| u.phase.is_closing()) {
            continue;
        }
        let Some(u) = ups
            .iter()
            .rev()
            .find(|u| u.targets.iter().any(|t| t == BANNER))
        else {
            continue;
        };
        let text = u.channels.banner.trim();
        if text.is_empty() {
            continue;
        }
        let at = u.published_at.unwrap_or(0);
        let impact = if inc.is_maintenance() {
            "maintenance"
        } else {
            publishing::impact(u.components.values())
        };
        let url = state
            .incidents
            .iter()
            .chain(&state.maintenances)
            .find(|i| *i.id == *inc.id.0)
            .map(|i| i.shortlink.clone())
            .unwrap_or_else(|| format!("{}/status", state.page.url.trim_end_matches('/')));
        let candidate = Banner {
            text: text.lines().next().unwrap_or("").to_string(),
            severity: severity(impact),
            impact,
            name: publishing::public_name(inc),
            url,
            updated_at: utc::iso8601(at),
        };
        let key = (rank(impact), at);
        if best.as_ref().is_none_or(|(r, a, _)| key > (*r, *a)) {
            best = Some((key.0, key.1, candidate));
        }
    }
    BannerReply {
        banner: best.map(|(_, _, b)| b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comms::Channels;
    use crate::log::event::{Event, EventBody};
    use crate::status_page::test_world::{World, NOW};
    use crate::vocabulary::{ComponentId, ComponentStatus, EventId};
    use std::sync::Arc;

    #[allow(clippy::too_many_arguments)] // a test builder: every field named at the call
    fn publish(
        w: &mut World,
        id: &str,
        update: &str,
        at: i64,
        phase: Phase,
        banner: &str,
        targets: &[&str],
        api: ComponentStatus,
    ) {
        let inc = w.incidents.iter_mut().find(|i| &*i.id.0 == id).unwrap();
        inc.apply(&Event::new(
            update,
            id,
            "cody",
            at,
            EventBody::UpdateDrafted {
                phase,
                channels: Channels {
                    banner: banner.into(),
                    ..Channels::default()
                },
                components: [(ComponentId(Arc::from("api")), api)].into_iter().collect(),
                public_title: Some(format!("Trouble {id}")),
            },
        ));
        inc.apply(&Event::new(
            format!("p-{update}").as_str(),
            id,
            "cody",
            at,
            EventBody::UpdatePublished {
                update: EventId(Arc::from(update)),
                targets: targets.iter().map(|t| t.to_string()).collect(),
                overrides: vec![],
            },
        ));
    }

    #[test]
    fn the_most_severe_open_banner_shows_and_a_resolution_takes_it_down() {
        let mut w = World::new();
        w.declare("a", "internal a", NOW - 5_000);
        w.declare("b", "internal b", NOW - 5_000);
        assert_eq!(
            banner(&w.incidents, &w.state()).banner,
            None,
            "nothing published"
        );
        publish(
            &mut w,
            "a",
            "a1",
            NOW - 3_000,
            Phase::Investigating,
            "Slow logins.",
            &["own", "banner"],
            ComponentStatus::DegradedPerformance,
        );
        publish(
            &mut w,
            "b",
            "b1",
            NOW - 2_000,
            Phase::Investigating,
            "Payments are failing.\nsecond line",
            &["banner"],
            ComponentStatus::MajorOutage,
        );
        let shown = banner(&w.incidents, &w.state()).banner.unwrap();
        assert_eq!(shown.text, "Payments are failing.");
        assert_eq!(shown.severity, "critical");
        assert_eq!(shown.name, "Trouble b");
        assert_eq!(
            shown.url, "https://status.example.com/status",
            "not on the own page"
        );
        publish(
            &mut w,
            "b",
            "b2",
            NOW - 1_000,
            Phase::Resolved,
            "Fixed.",
            &["own"],
            ComponentStatus::Operational,
        );
        let s = w.state();
        let shown = banner(&w.incidents, &s).banner.unwrap();
        assert_eq!(shown.text, "Slow logins.");
        assert_eq!(shown.severity, "warning");
        assert!(shown
            .url
            .starts_with("https://status.example.com/status/incidents/"));
        publish(
            &mut w,
            "a",
            "a2",
            NOW,
            Phase::Resolved,
            "Fixed.",
            &["banner"],
            ComponentStatus::Operational,
        );
        assert_eq!(banner(&w.incidents, &w.state()).banner, None);
        assert_eq!(
            serde_json::to_string(&banner(&w.incidents, &w.state())).unwrap(),
            "{\"banner\":null}"
        );
    }

    #[test]
    fn an_update_not_published_to_the_banner_shows_nothing() {
        let mut w = World::new();
        w.declare("a", "internal a", NOW - 5_000);
        publish(
            &mut w,
            "a",
            "a1",
            NOW - 3_000,
            Phase::Investigating,
            "Slow logins.",
            &["own"],
            ComponentStatus::MajorOutage,
        );
        assert_eq!(banner(&w.incidents, &w.state()).banner, None);
    }
}
