//! The team's own webhooks, configured by an admin: which incident events
//! they hear about (declared, status changed, severity changed, role
//! assigned, resolved, customer update published), and the body each gets,
//! as generic JSON (signed, see `signing`) or as a Slack incoming-webhook
//! message. These are for responders, so they name the incident by its
//! internal title; customers never see them.

use crate::comms::Review;
use crate::incident::Incident;
use crate::log::event::{Event, EventBody};
use crate::time::utc;
use crate::vocabulary::Status;
use crate::workspace::Workspace;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HookEvent {
    Declared,
    StatusChanged,
    SeverityChanged,
    RoleAssigned,
    Resolved,
    UpdatePublished,
}

impl HookEvent {
    pub const ALL: [HookEvent; 6] = [
        HookEvent::Declared,
        HookEvent::StatusChanged,
        HookEvent::SeverityChanged,
        HookEvent::RoleAssigned,
        HookEvent::Resolved,
        HookEvent::UpdatePublished,
    ];

    /// The `type` in the body and the `Sitrep-Event` header.
    pub fn wire(self) -> &'static str {
        match self {
            HookEvent::Declared => "incident.declared",
            HookEvent::StatusChanged => "incident.status_changed",
            HookEvent::SeverityChanged => "incident.severity_changed",
            HookEvent::RoleAssigned => "incident.role_assigned",
            HookEvent::Resolved => "incident.resolved",
            HookEvent::UpdatePublished => "incident.customer_update_published",
        }
    }

    pub fn from_wire(s: &str) -> Option<HookEvent> {
        HookEvent::ALL.into_iter().find(|e| e.wire() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            HookEvent::Declared => "Incident declared",
            HookEvent::StatusChanged => "Status changed",
            HookEvent::SeverityChanged => "Severity changed",
            HookEvent::RoleAssigned => "Role assigned",
            HookEvent::Resolved => "Incident resolved",
            HookEvent::UpdatePublished => "Customer update published",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookFormat {
    /// Our JSON body (see `body`), signed.
    Generic,
    /// `{"text": …}` for a Slack (or Mattermost, Teams-compatible) incoming webhook.
    Slack,
}

impl HookFormat {
    pub fn wire(self) -> &'static str {
        match self {
            HookFormat::Generic => "generic",
            HookFormat::Slack => "slack",
        }
    }

    pub fn from_wire(s: &str) -> Option<HookFormat> {
        [HookFormat::Generic, HookFormat::Slack]
            .into_iter()
            .find(|f| f.wire() == s)
    }
}

pub const MAX_HOOK_ID: usize = 40;
pub const MAX_HOOK_NAME: usize = 80;
pub const MAX_HOOK_URL: usize = 2048;

/// Why a hook as an admin typed it cannot be saved.
pub fn check_hook(id: &str, name: &str, url: &str, events: &[HookEvent]) -> Result<(), String> {
    let id_ok = !id.is_empty()
        && id.len() <= MAX_HOOK_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !id_ok {
        return Err(format!(
            "the hook id must be 1–{MAX_HOOK_ID} lowercase letters, digits or dashes"
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_HOOK_NAME {
        return Err(format!("the name must be 1–{MAX_HOOK_NAME} characters"));
    }
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'));
    if !host_ok || u.len() > MAX_HOOK_URL || u.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("the address must be an http(s) URL without spaces".into());
    }
    if events.is_empty() {
        return Err("choose at least one event to send".into());
    }
    Ok(())
}

/// Which hook event a stored event is, if any. `before` is the incident
/// folded up to (not including) `ev`: a declaration seen again, or an
/// update whose publication the fold ignored, is no event.
pub fn classify(ev: &Event, before: &Incident, after: &Incident) -> Option<HookEvent> {
    match &ev.body {
        EventBody::Declared { .. } if !before.declared => Some(HookEvent::Declared),
        EventBody::StatusChanged { status } if *status == before.status => None,
        EventBody::StatusChanged {
            status: Status::Resolved,
        } => Some(HookEvent::Resolved),
        EventBody::StatusChanged { .. } => Some(HookEvent::StatusChanged),
        EventBody::SeverityChanged { severity } if *severity != before.severity => {
            Some(HookEvent::SeverityChanged)
        }
        EventBody::RoleAssigned { .. } => Some(HookEvent::RoleAssigned),
        EventBody::UpdatePublished { update, .. } => {
            let was = before.update(update).map(|u| u.review);
            let now = after.update(update).map(|u| u.review);
            (was != Some(Review::Published) && now == Some(Review::Published))
                .then_some(HookEvent::UpdatePublished)
        }
        _ => None,
    }
}

/// Where the console shows the incident, when the server knows its address.
fn link(console_url: &str, incident: &Incident) -> Option<String> {
    let base = console_url.trim().trim_end_matches('/');
    (!base.is_empty()).then(|| format!("{base}/incidents/{}", incident.id.0))
}

/// The generic JSON body.
pub fn body(
    kind: HookEvent,
    ev: &Event,
    before: &Incident,
    after: &Incident,
    w: &Workspace,
    console_url: &str,
) -> Value {
    let change = match (&ev.body, kind) {
        (EventBody::Declared { summary, .. }, _) => json!({ "summary": summary }),
        (EventBody::StatusChanged { status }, _) => {
            json!({ "from": before.status.wire(), "to": status.wire() })
        }
        (EventBody::SeverityChanged { severity }, _) => {
            json!({ "from": before.severity.wire(), "to": severity.wire() })
        }
        (EventBody::RoleAssigned { role, person }, _) => json!({
            "role": role.0.as_ref(),
            "role_name": w.role_name(role),
            "person": person,
            "previous": before.roles.get(role).map(|h| h.person.clone()),
        }),
        (
            EventBody::UpdatePublished {
                update, targets, ..
            },
            _,
        ) => {
            let u = after.update(update);
            json!({
                "update": update.0.as_ref(),
                "phase": u.map(|u| u.phase.wire()),
                "public_title": after.published_title(),
                "status_page": u.map(|u| u.channels.status_page.clone()),
                "targets": targets,
            })
        }
        _ => json!({}),
    };
    json!({
        "id": ev.id.0.as_ref(),
        "type": kind.wire(),
        "occurred_at": utc::iso8601(ev.best_time()),
        "actor": ev.author.as_ref(),
        "incident": {
            "id": after.id.0.as_ref(),
            "title": after.title,
            "severity": after.severity.wire(),
            "severity_name": w.severity_name(after.severity),
            "status": after.status.wire(),
            "started_at": utc::iso8601(after.started_at),
            "url": link(console_url, after),
        },
        "change": change,
    })
}

/// Slack's mrkdwn needs only these three escaped.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The Slack message.
pub fn slack_body(
    kind: HookEvent,
    ev: &Event,
    before: &Incident,
    after: &Incident,
    w: &Workspace,
    console_url: &str,
) -> Value {
    let title = format!("*{}*", slack_escape(&after.title));
    let by = slack_escape(&ev.author);
    let line = match (&ev.body, kind) {
        (_, HookEvent::Declared) => format!(
            ":rotating_light: {} declared: {title} (by {by})",
            slack_escape(&w.severity_name(after.severity))
        ),
        (_, HookEvent::Resolved) => format!(
            ":white_check_mark: {title} is resolved (was {}; by {by})",
            before.status.label().to_lowercase()
        ),
        (EventBody::StatusChanged { status }, _) => format!(
            ":arrows_counterclockwise: {title} is now {} (was {}; by {by})",
            status.label().to_lowercase(),
            before.status.label().to_lowercase()
        ),
        (EventBody::SeverityChanged { severity }, _) => format!(
            ":warning: {title}: severity {} → {} (by {by})",
            slack_escape(&w.severity_name(before.severity)),
            slack_escape(&w.severity_name(*severity))
        ),
        (EventBody::RoleAssigned { role, person }, _) => format!(
            ":bust_in_silhouette: {title}: {} is now {} (by {by})",
            slack_escape(&w.role_name(role)),
            slack_escape(person)
        ),
        (
            EventBody::UpdatePublished {
                update, targets, ..
            },
            _,
        ) => format!(
            ":mega: {title}: customer update ({}) published to {} (by {by})",
            after
                .update(update)
                .map_or("update", |u| u.phase.label())
                .to_lowercase(),
            slack_escape(&targets.join(", "))
        ),
        _ => format!("{title}: {}", kind.label()),
    };
    let text = match link(console_url, after) {
        Some(url) => format!("{line}\n<{}|Open in Sitrep>", slack_escape(&url)),
        None => line,
    };
    json!({ "text": text })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comms::{Channels, Phase};
    use crate::vocabulary::{EventId, IncidentId, RoleId, Severity};
    use std::sync::Arc;

    fn ev(id: &str, body: EventBody) -> Event {
        Event::new(id, "inc-1", "ana", 1_795_965_450_000, body)
    }

    /// Folds `events` and answers, for the last one, the hook event and the
    /// state before and after it.
    fn last(events: &[Event]) -> (Option<HookEvent>, Incident, Incident) {
        let mut inc = Incident::new(IncidentId(Arc::from("inc-1")));
        for e in &events[..events.len() - 1] {
            inc.apply(e);
        }
        let before = inc.clone();
        inc.apply(events.last().unwrap());
        (classify(events.last().unwrap(), &before, &inc), before, inc)
    }

    fn declared() -> Event {
        ev(
            "d",
            EventBody::Declared {
                title: "Checkout <errors> & more".into(),
                severity: Severity::Sev2,
                summary: "Card payments fail".into(),
                started_at: 1_795_965_000_000,
                detected_at: None,
            },
        )
    }

    #[test]
    fn each_kind_of_change_is_its_own_hook_event_and_a_repeat_is_none() {
        let d = declared();
        assert_eq!(last(std::slice::from_ref(&d)).0, Some(HookEvent::Declared));
        assert_eq!(last(&[d.clone(), ev("d2", d.body.clone())]).0, None);
        let status = |s| ev("s", EventBody::StatusChanged { status: s });
        assert_eq!(
            last(&[d.clone(), status(Status::Identified)]).0,
            Some(HookEvent::StatusChanged)
        );
        assert_eq!(
            last(&[d.clone(), status(Status::Investigating)]).0,
            None,
            "no change"
        );
        assert_eq!(
            last(&[d.clone(), status(Status::Resolved)]).0,
            Some(HookEvent::Resolved)
        );
        let sev = ev(
            "v",
            EventBody::SeverityChanged {
                severity: Severity::Sev1,
            },
        );
        assert_eq!(last(&[d.clone(), sev]).0, Some(HookEvent::SeverityChanged));
        let role = ev(
            "r",
            EventBody::RoleAssigned {
                role: RoleId("incident_commander".into()),
                person: "bo".into(),
            },
        );
        assert_eq!(last(&[d.clone(), role]).0, Some(HookEvent::RoleAssigned));
        assert_eq!(last(&[d, ev("n", EventBody::note("x"))]).0, None);
    }

    #[test]
    fn a_published_update_is_an_event_once() {
        let drafted = ev(
            "u1",
            EventBody::UpdateDrafted {
                phase: Phase::Investigating,
                channels: Channels {
                    status_page: "Looking into it.".into(),
                    ..Channels::default()
                },
                components: Default::default(),
                public_title: Some("Checkout trouble".into()),
            },
        );
        let publish = |id: &str| {
            ev(
                id,
                EventBody::UpdatePublished {
                    update: EventId(Arc::from("u1")),
                    targets: vec!["own".into()],
                    overrides: vec![],
                },
            )
        };
        let (kind, before, after) = last(&[declared(), drafted.clone(), publish("p1")]);
        assert_eq!(kind, Some(HookEvent::UpdatePublished));
        let b = body(
            kind.unwrap(),
            &publish("p1"),
            &before,
            &after,
            &Workspace::default(),
            "",
        );
        assert_eq!(b["change"]["phase"], "investigating");
        assert_eq!(b["change"]["public_title"], "Checkout trouble");
        assert_eq!(b["change"]["targets"][0], "own");
        assert_eq!(
            last(&[declared(), drafted, publish("p1"), publish("p2")]).0,
            None
        );
    }

    #[test]
    fn the_generic_body_says_what_changed_from_what() {
        let e = ev(
            "s",
            EventBody::StatusChanged {
                status: Status::Identified,
            },
        );
        let (kind, before, after) = last(&[declared(), e.clone()]);
        let b = body(
            kind.unwrap(),
            &e,
            &before,
            &after,
            &Workspace::default(),
            "https://sitrep.example.com/",
        );
        assert_eq!(b["id"], "s");
        assert_eq!(b["type"], "incident.status_changed");
        assert_eq!(b["occurred_at"], "2026-11-29T15:17:30.000Z");
        assert_eq!(b["actor"], "ana");
        assert_eq!(b["incident"]["title"], "Checkout <errors> & more");
        assert_eq!(b["incident"]["severity"], "sev2");
        assert_eq!(
            b["incident"]["url"],
            "https://sitrep.example.com/incidents/inc-1"
        );
        assert_eq!(
            b["change"],
            json!({ "from": "investigating", "to": "identified" })
        );
    }

    #[test]
    fn the_slack_message_is_one_escaped_line_and_a_link() {
        let e = ev(
            "v",
            EventBody::SeverityChanged {
                severity: Severity::Sev1,
            },
        );
        let (kind, before, after) = last(&[declared(), e.clone()]);
        let b = slack_body(
            kind.unwrap(),
            &e,
            &before,
            &after,
            &Workspace::default(),
            "https://sitrep.example.com",
        );
        let text = b["text"].as_str().unwrap();
        assert!(
            text.starts_with(":warning: *Checkout &lt;errors&gt; &amp; more*: severity SEV2"),
            "{text}"
        );
        assert!(
            text.ends_with("\n<https://sitrep.example.com/incidents/inc-1|Open in Sitrep>"),
            "{text}"
        );
        let r = ev(
            "s",
            EventBody::StatusChanged {
                status: Status::Resolved,
            },
        );
        let (kind, before, after) = last(&[declared(), r.clone()]);
        let text = slack_body(
            kind.unwrap(),
            &r,
            &before,
            &after,
            &Workspace::default(),
            "",
        )["text"]
            .clone();
        assert_eq!(text, ":white_check_mark: *Checkout &lt;errors&gt; &amp; more* is resolved (was investigating; by ana)");
    }

    #[test]
    fn a_hook_needs_an_id_a_name_a_web_address_and_an_event() {
        let all = HookEvent::ALL;
        assert!(check_hook(
            "ops-slack",
            "Ops",
            "https://hooks.slack.com/services/x",
            &all
        )
        .is_ok());
        assert!(check_hook("Ops!", "Ops", "https://x.example", &all).is_err());
        assert!(check_hook("ops", "", "https://x.example", &all).is_err());
        assert!(check_hook("ops", "Ops", "file:///etc/passwd", &all).is_err());
        assert!(check_hook("ops", "Ops", "https://x.example", &[]).is_err());
    }
}
