//! The post-mortem's account to customers: what data was lost or delayed,
//! for which customers (a count and a description), what was restored and
//! what they were offered; and where each customer update went (every
//! target with its last delivery state, and the social posts someone
//! marked as posted, with who and when).

use crate::comms::{DeliveryState, Review};
use crate::incident::{Incident, Offer};
use crate::time::utc;
use crate::vocabulary::PostmortemSection;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customers {
    pub data_lost: Option<bool>,
    pub count: Option<u64>,
    /// Each fact's text, empty when nobody wrote it.
    pub facts: BTreeMap<PostmortemSection, String>,
    /// Every offer, withdrawn ones marked.
    pub offers: Vec<Offer>,
}

/// One published update and where it went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trail {
    pub phase: String,
    pub published_at: i64,
    pub published_by: String,
    /// Target id, state and the backend's words, in the order published.
    pub targets: Vec<(String, Option<DeliveryState>, String)>,
    /// Posted by hand: (url, by, at).
    pub social: Vec<(String, String, i64)>,
}

pub fn customers(inc: &Incident) -> Customers {
    Customers {
        data_lost: inc.data_lost,
        count: inc.customers_affected,
        facts: PostmortemSection::CUSTOMERS
            .into_iter()
            .map(|f| {
                (
                    f,
                    inc.writeup
                        .get(&f)
                        .map(|w| w.text.clone())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        offers: inc.offers.clone(),
    }
}

pub fn trail(inc: &Incident) -> Vec<Trail> {
    let mut out: Vec<Trail> = inc
        .updates
        .iter()
        .filter(|u| u.review == Review::Published)
        .map(|u| Trail {
            phase: u.phase.label().to_string(),
            published_at: u.published_at.unwrap_or(0),
            published_by: u.published_by.as_deref().unwrap_or("").to_string(),
            targets: u
                .targets
                .iter()
                .map(|t| {
                    let d = u.deliveries.get(t);
                    (
                        t.clone(),
                        d.map(|d| d.state),
                        d.map(|d| d.error.clone()).unwrap_or_default(),
                    )
                })
                .collect(),
            social: u
                .social_posts
                .iter()
                .map(|p| (p.url.clone(), p.by.to_string(), p.at))
                .collect(),
        })
        .collect();
    crate::ordering::sort_by_key(&mut out, |t| t.published_at);
    out
}

pub fn state_text(s: Option<DeliveryState>) -> &'static str {
    match s {
        Some(DeliveryState::Queued) => "queued",
        Some(DeliveryState::Sent) => "sent",
        Some(DeliveryState::Failed) => "failed",
        None => "unknown",
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The two sections of the Markdown export.
pub fn to_markdown(out: &mut String, c: &Customers, trail: &[Trail]) {
    out.push_str("## What customers lost and got\n\n");
    let lost = match c.data_lost {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not established",
    };
    let _ = writeln!(out, "- Data lost: {lost}");
    let _ = writeln!(
        out,
        "- Customers affected: {}",
        c.count
            .map_or_else(|| "not counted".to_string(), |n| n.to_string())
    );
    for (fact, text) in &c.facts {
        let text = if text.trim().is_empty() {
            "_not written yet_".to_string()
        } else {
            text.trim_end().replace('\n', "\n  ")
        };
        let _ = writeln!(out, "- {}: {text}", fact.label());
    }
    let standing: Vec<&Offer> = c.offers.iter().filter(|o| o.withdrawn.is_none()).collect();
    if standing.is_empty() {
        out.push_str("- Offered: nothing recorded\n");
    }
    for o in standing {
        let to = if o.customers.trim().is_empty() {
            String::new()
        } else {
            format!(" (to {})", one_line(&o.customers))
        };
        let _ = writeln!(
            out,
            "- Offered: {}: {}{to}, recorded by {} at {}",
            o.kind.label(),
            one_line(&o.details),
            one_line(&o.by),
            utc::format(o.at)
        );
    }
    out.push_str("\n## Where each update went\n\n");
    if trail.is_empty() {
        out.push_str("_No customer update was published._\n");
    }
    for t in trail {
        let targets: Vec<String> = t
            .targets
            .iter()
            .map(|(id, state, words)| {
                if words.is_empty() {
                    format!("{id} ({})", state_text(*state))
                } else {
                    format!("{id} ({}: {})", state_text(*state), one_line(words))
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "- {} by {}, {}: {}",
            utc::format(t.published_at),
            one_line(&t.published_by),
            t.phase,
            targets.join("; ")
        );
        for (url, by, at) in &t.social {
            let _ = writeln!(
                out,
                "  - social post: <{}> (marked by {} at {})",
                one_line(url),
                one_line(by),
                utc::format(*at)
            );
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comms::{Channels, Phase};
    use crate::log::event::{Event, EventBody};
    use crate::vocabulary::{EventId, IncidentId, OfferKind};
    use std::sync::Arc;

    const T0: i64 = 1_763_464_800_000;

    fn ev(id: &str, at: i64, by: &str, body: EventBody) -> Event {
        Event::new(id, "inc", by, at, body)
    }

    fn incident() -> Incident {
        let mut inc = Incident::new(IncidentId(Arc::from("inc")));
        for e in [
            ev(
                "f1",
                T0,
                "sam",
                EventBody::PostmortemSectionSet {
                    section: PostmortemSection::DataAffected,
                    text: "Orders placed 14:00–14:20 were delayed by up to 2 h; none lost.".into(),
                },
            ),
            ev(
                "f2",
                T0 + 1,
                "sam",
                EventBody::PostmortemSectionSet {
                    section: PostmortemSection::Customers,
                    text: "Shops on the EU cluster".into(),
                },
            ),
            ev(
                "f3",
                T0 + 2,
                "sam",
                EventBody::PostmortemImpactSet {
                    customers_affected: Some(120),
                    data_lost: Some(false),
                },
            ),
            ev(
                "o1",
                T0 + 3,
                "kim",
                EventBody::PostmortemOfferAdded {
                    offer: OfferKind::MakeUpDays.wire().into(),
                    details: "3 days added to the subscription".into(),
                    customers: "the 120 shops".into(),
                },
            ),
            ev(
                "o2",
                T0 + 4,
                "kim",
                EventBody::PostmortemOfferAdded {
                    offer: OfferKind::Credit.wire().into(),
                    details: "typo".into(),
                    customers: String::new(),
                },
            ),
            ev(
                "w2",
                T0 + 5,
                "kim",
                EventBody::PostmortemOfferWithdrawn {
                    offer: EventId(Arc::from("o2")),
                },
            ),
            ev(
                "u1",
                T0 + 6,
                "cody",
                EventBody::UpdateDrafted {
                    phase: Phase::Investigating,
                    channels: Channels::default(),
                    components: Default::default(),
                    public_title: None,
                },
            ),
            ev(
                "p1",
                T0 + 7,
                "cody",
                EventBody::UpdatePublished {
                    update: EventId(Arc::from("u1")),
                    targets: vec!["own".into(), "email".into()],
                    overrides: vec![],
                },
            ),
            ev(
                "d1",
                T0 + 8,
                "sitrep-server",
                EventBody::UpdateDelivery {
                    update: EventId(Arc::from("u1")),
                    target: "email".into(),
                    state: DeliveryState::Failed,
                    error: "failed for 1 of 2 subscribers: bo@example.com: 550 no such user".into(),
                    attempt: 1,
                },
            ),
            ev(
                "s1",
                T0 + 9,
                "cody",
                EventBody::SocialPosted {
                    update: EventId(Arc::from("u1")),
                    url: "https://social.example/status/1".into(),
                },
            ),
        ] {
            inc.apply(&e);
        }
        inc
    }

    #[test]
    fn what_customers_lost_and_got_is_each_recorded_fact_and_the_standing_offers() {
        let c = customers(&incident());
        assert_eq!(c.data_lost, Some(false));
        assert_eq!(c.count, Some(120));
        assert!(c.facts[&PostmortemSection::DataAffected].starts_with("Orders placed"));
        assert_eq!(c.facts[&PostmortemSection::Restored], "");
        assert_eq!(c.offers.len(), 2);
        assert!(c.offers[1].withdrawn.is_some());
        let mut md = String::new();
        to_markdown(&mut md, &c, &trail(&incident()));
        assert!(md.contains("- Customers affected: 120"), "{md}");
        assert!(md.contains("- Which customers: Shops on the EU cluster"));
        assert!(md.contains("- What was restored: _not written yet_"));
        assert!(md.contains("- Offered: Make-up days: 3 days added to the subscription (to the 120 shops), recorded by kim"));
        assert!(!md.contains("typo"), "a withdrawn offer is not offered");
    }

    #[test]
    fn each_published_update_lists_its_targets_states_and_social_posts() {
        let t = trail(&incident());
        assert_eq!(t.len(), 1);
        assert_eq!(
            t[0].targets[0],
            ("own".into(), Some(DeliveryState::Queued), String::new())
        );
        assert_eq!(t[0].targets[1].1, Some(DeliveryState::Failed));
        assert_eq!(
            t[0].social,
            vec![(
                "https://social.example/status/1".into(),
                "cody".into(),
                T0 + 9
            )]
        );
        let mut md = String::new();
        to_markdown(&mut md, &customers(&incident()), &t);
        assert!(md.contains("own (queued); email (failed: failed for 1 of 2 subscribers: bo@example.com: 550 no such user)"), "{md}");
        assert!(md.contains("social post: <https://social.example/status/1> (marked by cody"));
    }
}
