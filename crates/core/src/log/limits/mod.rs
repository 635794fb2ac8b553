//! What a backend accepts: the size of each text field and batch. The server
//! enforces these; the console shows the server's verdict beside the entry.

mod alert_kinds;

use crate::aftermath::freeze;
use crate::comms::Channels;
use crate::log::event::{Event, EventBody};
use crate::time::zone::{Date, TimeZone};
pub use alert_kinds::MAX_ALERT_BRIEFS;

/// Largest request body `POST /api/v1/events` accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most events in one batch. Big enough that a backlog of 10,000 edits goes
/// in five round trips (each costs the console an IndexedDB write and the
/// backend a commit); at about 300 bytes an event, well inside the body
/// limit. Bigger events meet the body limit first (413), and the sync
/// engine then sends smaller batches.
pub const MAX_BATCH: usize = 2000;
pub const MAX_ID_BYTES: usize = 64;
pub const MAX_AUTHOR_BYTES: usize = 100;
pub const MAX_TITLE_BYTES: usize = 200;
pub const MAX_SUMMARY_BYTES: usize = 4 * 1024;
pub const MAX_NOTE_BYTES: usize = 64 * 1024;
/// One written section of a post-mortem (a root cause can run long).
pub const MAX_POSTMORTEM_SECTION_BYTES: usize = 64 * 1024;

pub const MAX_NAME_BYTES: usize = 100;
pub const MAX_CHANGE_BYTES: usize = 4 * 1024;
pub const MAX_URL_BYTES: usize = 2048;
pub const MAX_RULES: usize = 20;
pub const MAX_TARGETS: usize = 20;
/// Entries in each word list of the comms policy.
pub const MAX_TERMS: usize = 200;
/// Components one customer update may list.
pub const MAX_UPDATE_COMPONENTS: usize = 200;

/// Every channel of a customer update fits where it is going; the social
/// post's own 280-character rule is a check, not a limit, so a long draft
/// can still be saved.
fn update_text(
    channels: &Channels,
    public_title: Option<&str>,
    components: usize,
) -> Result<(), String> {
    if let Some(t) = public_title {
        field("public title", t, 0, MAX_TITLE_BYTES)?;
    }
    field("status page text", &channels.status_page, 0, MAX_NOTE_BYTES)?;
    field("social post", &channels.social, 0, MAX_SUMMARY_BYTES)?;
    field("email subject", &channels.email_subject, 0, MAX_TITLE_BYTES)?;
    field("email body", &channels.email_body, 0, MAX_NOTE_BYTES)?;
    field("banner", &channels.banner, 0, MAX_SUMMARY_BYTES)?;
    if components > MAX_UPDATE_COMPONENTS {
        return Err(format!(
            "{components} components in one update; the limit is {MAX_UPDATE_COMPONENTS}"
        ));
    }
    Ok(())
}
/// Components one maintenance window may list.
pub const MAX_COMPONENTS: usize = 100;
/// 2000-01-01T00:00:00Z: no event of ours happened before it.
pub const EARLIEST_MS: i64 = 946_684_800_000;
/// A year and a day, in ms: how far an event's `at` (and a clock offset)
/// may stray from the backend's clock.
pub const YEAR_MS: i64 = 366 * 86_400_000;
/// Times inside an event (a due date, a maintenance window, a freeze's end)
/// may lie this far ahead.
pub const AHEAD_MS: i64 = 5 * YEAR_MS;

/// Checks an event's times against the backend's clock `now`: `at` within
/// a year of it and not before 2000, a clock offset under a year, and every
/// instant the body names from 2000 to five years ahead. Far-off times are
/// typos or attacks, and would stick a page's "updated" date or overflow
/// date arithmetic.
pub fn times(ev: &Event, now: i64) -> Result<(), String> {
    let shown = |ms: i64| match ms {
        ms if (EARLIEST_MS..=now.saturating_add(AHEAD_MS * 100)).contains(&ms) => {
            crate::time::utc::format(ms)
        }
        ms => format!("{ms} ms since 1970"),
    };
    let lo = EARLIEST_MS.max(now.saturating_sub(YEAR_MS));
    let hi = now.saturating_add(YEAR_MS);
    if !(lo..=hi).contains(&ev.at) {
        return Err(format!(
            "the event's time ({}) is not within a year of the server's clock ({})",
            shown(ev.at),
            shown(now)
        ));
    }
    if ev
        .clock_offset
        .is_some_and(|o| o.unsigned_abs() > YEAR_MS as u64)
    {
        return Err("the clock offset is over a year".into());
    }
    let latest = now.saturating_add(AHEAD_MS);
    for (name, ms) in instants(&ev.body) {
        if !(EARLIEST_MS..=latest).contains(&ms) {
            return Err(format!(
                "{name} ({}) is not between 2000-01-01 and five years from now",
                shown(ms)
            ));
        }
    }
    Ok(())
}

/// Every instant a body names, by field.
fn instants(body: &EventBody) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    let mut add = |name: &'static str, v: Option<i64>| {
        if let Some(v) = v {
            out.push((name, v));
        }
    };
    match body {
        EventBody::Declared {
            started_at,
            detected_at,
            ..
        } => {
            add("started_at", Some(*started_at));
            add("detected_at", *detected_at);
        }
        EventBody::TaskAdded { due_at, .. } | EventBody::TaskUpdated { due_at, .. } => {
            add("due_at", *due_at)
        }
        EventBody::TimesSet {
            started_at,
            detected_at,
            declared_at,
        } => {
            add("started_at", *started_at);
            add("detected_at", *detected_at);
            add("declared_at", *declared_at);
        }
        EventBody::MaintenancePlanned {
            starts_at, ends_at, ..
        } => {
            add("starts_at", Some(*starts_at));
            add("ends_at", Some(*ends_at));
        }
        EventBody::MaintenanceOverrun { ends_at, .. } => add("ends_at", Some(*ends_at)),
        EventBody::FreezeStarted { until, .. } => add("until", Some(*until)),
        EventBody::AlertsLinked { started_at, .. } => add("started_at", Some(*started_at)),
        _ => {}
    }
    out
}

/// Event ids the server makes itself (delivery reports are named after the
/// update, target, attempt and state, so a report made twice is stored
/// once): a client that took one first would make that report a "repeat",
/// and the update would read "queued" forever.
pub const SERVER_ID_PREFIXES: [&str; 2] = ["delivery/", "alerts/"];

fn reserved_prefix(id: &str) -> Option<&'static str> {
    SERVER_ID_PREFIXES.into_iter().find(|p| id.starts_with(p))
}

/// Largest message a console sends up the stream (presence is a few dozen
/// bytes); a bigger one ends that console's socket, and only that one.
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 4 * 1024;

/// A presence message is relayed to every console, so its incident id is
/// held to an id's limits; the name is the account's, never the client's.
pub fn presence(incident: Option<&crate::vocabulary::IncidentId>) -> Result<(), String> {
    match incident {
        None => Ok(()),
        Some(i) if i.0.chars().any(char::is_control) => {
            Err("the incident id has control characters".into())
        }
        Some(i) => field("incident", &i.0, 1, MAX_ID_BYTES),
    }
}

/// Checks one event against the limits and against its stream (settings
/// on the workspace stream, everything else on an incident); the message is
/// for a person.
pub fn check(ev: &Event) -> Result<(), String> {
    field("id", &ev.id.0, 1, MAX_ID_BYTES)?;
    if let Some(prefix) = reserved_prefix(&ev.id.0) {
        return Err(format!(
            "event ids starting with {prefix} are sitrep-server's own; make ids with a UUID"
        ));
    }
    field("incident", &ev.incident.0, 1, MAX_ID_BYTES)?;
    field("author", &ev.author, 1, MAX_AUTHOR_BYTES)?;
    let stream_name = |workspace: bool, alerts: bool| match (workspace, alerts) {
        (true, _) => "the workspace",
        (_, true) => "the alerts stream",
        _ => "an incident",
    };
    let is = stream_name(ev.incident.is_workspace(), ev.incident.is_alerts());
    let belongs = stream_name(ev.body.is_workspace_kind(), ev.body.is_alerts_kind());
    if is != belongs {
        return Err(format!(
            "a {} event belongs to {belongs}, not {is}",
            ev.body.kind()
        ));
    }
    if let Some(result) = alert_kinds::alert_fields(&ev.body) {
        return result;
    }
    match &ev.body {
        EventBody::Declared { title, summary, .. } => {
            text("title", title, MAX_TITLE_BYTES)?;
            field("summary", summary, 0, MAX_SUMMARY_BYTES)
        }
        EventBody::NoteAdded { text: t, .. } => text("note", t, MAX_NOTE_BYTES),
        EventBody::RoleAssigned { role, person } => {
            field("role", &role.0, 1, MAX_ID_BYTES)?;
            text("person", person, MAX_NAME_BYTES)
        }
        EventBody::RoleReleased { role } | EventBody::RoleRemoved { role } => {
            field("role", &role.0, 1, MAX_ID_BYTES)
        }
        EventBody::ChangeStarted { what } => text("change", what, MAX_CHANGE_BYTES),
        EventBody::ChangeOutcome { change, note, .. } => {
            field("change", &change.0, 1, MAX_ID_BYTES)?;
            field("outcome note", note, 0, MAX_NOTE_BYTES)
        }
        EventBody::EntryMarked { entry, .. } => field("entry", &entry.0, 1, MAX_ID_BYTES),
        EventBody::TaskAdded {
            title, assignee, ..
        } => {
            text("task", title, MAX_TITLE_BYTES)?;
            field(
                "assignee",
                assignee.as_deref().unwrap_or(""),
                0,
                MAX_NAME_BYTES,
            )
        }
        EventBody::TaskUpdated { task, assignee, .. } => {
            field("task", &task.0, 1, MAX_ID_BYTES)?;
            field(
                "assignee",
                assignee.as_deref().unwrap_or(""),
                0,
                MAX_NAME_BYTES,
            )
        }
        EventBody::TaskDone { task, .. } | EventBody::TaskRemediationSet { task, .. } => {
            field("task", &task.0, 1, MAX_ID_BYTES)
        }
        EventBody::PostmortemSectionSet { section, text } => {
            field(section.label(), text, 0, MAX_POSTMORTEM_SECTION_BYTES)
        }
        EventBody::PostmortemOfferAdded {
            offer,
            details,
            customers,
        } => {
            if crate::vocabulary::OfferKind::from_wire(offer).is_none() {
                return Err(format!(
                    "{offer:?} is not a kind of offer; use credit, extended_trial, make_up_days or other"
                ));
            }
            text("offer", details, MAX_SUMMARY_BYTES)?;
            field("customers offered it", customers, 0, MAX_SUMMARY_BYTES)
        }
        EventBody::PostmortemOfferWithdrawn { offer } => field("offer", &offer.0, 1, MAX_ID_BYTES),
        EventBody::SocialPosted { update, url } => {
            field("update", &update.0, 1, MAX_ID_BYTES)?;
            web_address("the post's address", url)
        }
        EventBody::ComponentStatusSet { component, .. }
        | EventBody::ComponentCleared { component }
        | EventBody::ComponentRemoved { component } => {
            field("component", &component.0, 1, MAX_ID_BYTES)
        }
        EventBody::ImpactSet { share_permille, .. } => match share_permille {
            Some(p) if *p > 1000 => Err(format!(
                "the share affected is {}%; it cannot exceed 100%",
                f64::from(*p) / 10.0
            )),
            _ => Ok(()),
        },
        EventBody::UpdateDrafted {
            channels,
            components,
            public_title,
            ..
        } => update_text(channels, public_title.as_deref(), components.len()),
        EventBody::UpdateEdited {
            update,
            channels,
            components,
            public_title,
            ..
        } => {
            field("update", &update.0, 1, MAX_ID_BYTES)?;
            update_text(channels, public_title.as_deref(), components.len())
        }
        EventBody::UpdateApproved { update } => field("update", &update.0, 1, MAX_ID_BYTES),
        EventBody::UpdatePublished {
            update,
            targets,
            overrides,
        } => {
            field("update", &update.0, 1, MAX_ID_BYTES)?;
            if targets.len() > MAX_TARGETS {
                return Err(format!(
                    "{} publishing targets; the limit is {MAX_TARGETS}",
                    targets.len()
                ));
            }
            for t in targets {
                field("target", t, 1, MAX_ID_BYTES)?;
            }
            for o in overrides {
                field("check", &o.check, 1, MAX_ID_BYTES)?;
                text("override reason", &o.reason, MAX_SUMMARY_BYTES)?;
            }
            Ok(())
        }
        EventBody::UpdateDelivery {
            update,
            target,
            error,
            ..
        } => {
            field("update", &update.0, 1, MAX_ID_BYTES)?;
            field("target", target, 1, MAX_ID_BYTES)?;
            field("delivery error", error, 0, MAX_SUMMARY_BYTES)
        }
        EventBody::ComponentDefined {
            component,
            name,
            group,
        } => {
            field("component", &component.0, 1, MAX_ID_BYTES)?;
            text("component name", name, MAX_NAME_BYTES)?;
            field("group", group, 0, MAX_NAME_BYTES)
        }
        EventBody::RoleDefined { role, name } => {
            field("role", &role.0, 1, MAX_ID_BYTES)?;
            text("role name", name, MAX_NAME_BYTES)
        }
        EventBody::SeverityDefined {
            name, definition, ..
        } => {
            text("severity name", name, MAX_NAME_BYTES)?;
            field("definition", definition, 0, MAX_SUMMARY_BYTES)
        }
        EventBody::SeverityRulesSet { rules } if rules.len() > MAX_RULES => Err(format!(
            "{} severity rules; the limit is {MAX_RULES}",
            rules.len()
        )),
        EventBody::UpstreamAdded { name, url } => {
            text("provider name", name, 64)?;
            text("provider URL", url, MAX_URL_BYTES)
        }
        EventBody::UpstreamRemoved { name } => text("provider name", name, 64),
        EventBody::UpstreamLinked {
            provider,
            provider_component,
            component,
        } => {
            text("provider name", provider, 64)?;
            field("provider component", provider_component, 1, MAX_ID_BYTES)?;
            field("component", &component.0, 1, MAX_ID_BYTES)
        }
        EventBody::UpstreamUnlinked {
            provider,
            provider_component,
        } => {
            text("provider name", provider, 64)?;
            field("provider component", provider_component, 1, MAX_ID_BYTES)
        }
        EventBody::TemplateSet { channels, .. } => update_text(channels, None, 0),
        EventBody::CommsPolicySet { policy } => {
            policy.audience_zone.check()?;
            text(
                "audience zone name",
                &policy.audience_zone.name,
                MAX_NAME_BYTES,
            )?;
            for (what, list) in [
                ("internal terms", &policy.internal_terms),
                ("blame words", &policy.blame_words),
            ] {
                if list.len() > MAX_TERMS {
                    return Err(format!("{} {what}; the limit is {MAX_TERMS}", list.len()));
                }
                for t in list {
                    text(what, t, MAX_NAME_BYTES)?;
                }
            }
            Ok(())
        }
        EventBody::MaintenancePlanned {
            title,
            starts_at,
            ends_at,
            components,
            customer_notice,
            freeze_reason,
        } => {
            text("title", title, MAX_TITLE_BYTES)?;
            optional(
                "freeze_reason",
                freeze_reason.as_deref(),
                freeze::MAX_REASON_BYTES,
            )?;
            if ends_at <= starts_at {
                return Err("the maintenance window ends before it starts".into());
            }
            if components.len() > MAX_COMPONENTS {
                return Err(format!(
                    "{} components; the limit is {MAX_COMPONENTS}",
                    components.len()
                ));
            }
            for c in components {
                field("component", &c.0, 1, MAX_ID_BYTES)?;
            }
            field("customer notice", customer_notice, 0, MAX_SUMMARY_BYTES)
        }
        EventBody::MaintenanceOverrun { note, .. } => text("overrun note", note, MAX_NOTE_BYTES),
        EventBody::FreezePolicySet {
            business_days,
            time_zone,
            holidays,
        } => {
            if *business_days > freeze::MAX_BUSINESS_DAYS {
                return Err(format!(
                    "a freeze of {business_days} business days; the limit is {}",
                    freeze::MAX_BUSINESS_DAYS
                ));
            }
            if TimeZone::named(time_zone).is_none() {
                return Err(format!(
                    "{time_zone:?} is not a time zone this version knows; use an IANA name such as Europe/Berlin or America/New_York"
                ));
            }
            if holidays.len() > freeze::MAX_HOLIDAYS {
                return Err(format!(
                    "{} holidays; the limit is {}",
                    holidays.len(),
                    freeze::MAX_HOLIDAYS
                ));
            }
            match holidays.iter().find(|d| Date::parse(d).is_none()) {
                Some(bad) => Err(format!(
                    "the holiday {bad:?} is not a date written as YYYY-MM-DD"
                )),
                None => Ok(()),
            }
        }
        EventBody::FreezeStarted { until, reason } => {
            text("freeze reason", reason, freeze::MAX_REASON_BYTES)?;
            if *until <= ev.at {
                return Err("the freeze would end before it starts".into());
            }
            Ok(())
        }
        EventBody::FreezeEnded { reason } => text(
            "reason for ending the freeze",
            reason,
            freeze::MAX_REASON_BYTES,
        ),
        EventBody::AlertsLinked { .. }
        | EventBody::AlertsChanged { .. }
        | EventBody::AlertsReceived { .. }
        | EventBody::AlertGroupDismissed { .. }
        | EventBody::AlertGroupAttached { .. }
        | EventBody::AlertRoutesSet { .. } => Ok(()),
        EventBody::MaintenanceStarted { freeze_reason } => optional(
            "freeze_reason",
            freeze_reason.as_deref(),
            freeze::MAX_REASON_BYTES,
        ),
        EventBody::MaintenanceCompleted {}
        | EventBody::MaintenanceConverted { .. }
        | EventBody::StatusChanged { .. }
        | EventBody::SeverityChanged { .. }
        | EventBody::TimesSet { .. }
        | EventBody::PostmortemImpactSet { .. }
        | EventBody::SeverityRulesSet { .. } => Ok(()),
    }
}

/// An http(s) address as a person pastes it: one line, a host, no spaces.
pub fn web_address(name: &str, url: &str) -> Result<(), String> {
    let u = url.trim();
    text(name, u, MAX_URL_BYTES)?;
    let lower = u.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !u.chars().any(char::is_whitespace) => {
            Ok(())
        }
        _ => Err(format!(
            "{name} must be a web address starting with https:// (got {:?})",
            u.chars().take(80).collect::<String>()
        )),
    }
}

/// A text a person must write something into.
fn text(name: &str, value: &str, max: usize) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err(format!("the {name} is empty"));
    }
    field(name, value, 1, max)
}

/// A text that may be absent or empty, but not too long.
fn optional(name: &str, value: Option<&str>, max: usize) -> Result<(), String> {
    value.map_or(Ok(()), |v| field(name, v, 0, max))
}

fn field(name: &str, value: &str, min: usize, max: usize) -> Result<(), String> {
    if value.len() < min {
        Err(format!("{name} is empty"))
    } else if value.len() > max {
        Err(format!(
            "{name} is {} bytes; the limit is {max}",
            value.len()
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::IncidentId;

    #[test]
    fn times_far_from_the_servers_clock_or_before_2000_are_refused() {
        // 2026-11-25T10:00:00Z
        let now = 1_795_600_800_000;
        let at = |at: i64, body: EventBody| {
            Event::new(
                crate::vocabulary::EventId("e".into()),
                crate::vocabulary::IncidentId("inc-1".into()),
                "ana",
                at,
                body,
            )
        };
        assert!(times(&at(now - 3_600_000, EventBody::note("x")), now).is_ok());
        for bad in [i64::MAX, i64::MIN, 0, now + YEAR_MS + 1, now - YEAR_MS - 1] {
            let why = times(&at(bad, EventBody::note("x")), now).unwrap_err();
            assert!(why.contains("within a year"), "{bad}: {why}");
        }
        let resolve_far = EventBody::FreezeStarted {
            until: i64::MAX,
            reason: "x".into(),
        };
        assert!(times(&at(now, resolve_far), now)
            .unwrap_err()
            .contains("until"));
        let old_start = EventBody::Declared {
            title: "t".into(),
            severity: crate::Severity::Sev2,
            summary: String::new(),
            started_at: EARLIEST_MS - 1,
            detected_at: None,
        };
        assert!(times(&at(now, old_start), now)
            .unwrap_err()
            .contains("started_at"));
        let mut skewed = at(now, EventBody::note("x"));
        skewed.clock_offset = Some(-YEAR_MS - 1);
        assert!(times(&skewed, now).is_err());
    }

    #[test]
    fn ids_in_the_servers_namespace_are_refused() {
        let mut ev = Event::new(
            crate::vocabulary::EventId("delivery/u1/own/1/sent".into()),
            crate::vocabulary::IncidentId("inc-1".into()),
            "ana",
            0,
            EventBody::note("x"),
        );
        assert!(check(&ev).unwrap_err().contains("sitrep-server's own"));
        ev.id = crate::vocabulary::EventId("my-delivery/1".into());
        assert!(check(&ev).is_ok());
    }

    #[test]
    fn presence_names_an_incident_by_a_short_printable_id_or_none() {
        use crate::vocabulary::IncidentId;
        assert!(presence(None).is_ok());
        assert!(presence(Some(&IncidentId("inc-1".into()))).is_ok());
        assert!(presence(Some(&IncidentId("".into()))).is_err());
        let long = IncidentId("x".repeat(MAX_ID_BYTES + 1).into());
        assert!(presence(Some(&long)).unwrap_err().contains("limit"));
        assert!(presence(Some(&IncidentId("a\u{7}b".into()))).is_err());
    }

    fn note(text: String) -> Event {
        Event::new("e", "i", "ana", 0, EventBody::note(text))
    }

    #[test]
    fn a_note_within_the_limit_passes() {
        assert!(check(&note("ok".into())).is_ok());
    }

    #[test]
    fn an_oversized_note_is_refused_with_its_size() {
        let err = check(&note("x".repeat(MAX_NOTE_BYTES + 1))).unwrap_err();
        assert!(err.contains("note is 65537 bytes"), "{err}");
    }

    #[test]
    fn a_settings_event_on_an_incident_is_refused() {
        let mut ev = note("x".into());
        ev.body = EventBody::RoleRemoved {
            role: crate::vocabulary::RoleId("r".into()),
        };
        let err = check(&ev).unwrap_err();
        assert!(err.contains("belongs to the workspace"), "{err}");
        ev.incident = IncidentId::workspace();
        assert!(check(&ev).is_ok());
    }

    #[test]
    fn an_incident_event_on_the_workspace_is_refused() {
        let mut ev = note("x".into());
        ev.incident = IncidentId::workspace();
        let err = check(&ev).unwrap_err();
        assert!(err.contains("belongs to an incident"), "{err}");
    }

    #[test]
    fn a_share_over_a_hundred_percent_is_refused() {
        let mut ev = note("x".into());
        ev.body = EventBody::ImpactSet {
            customer_impact: true,
            share_permille: Some(1001),
        };
        assert!(check(&ev).unwrap_err().contains("cannot exceed 100%"));
    }

    #[test]
    fn a_comms_policy_needs_an_iana_audience_zone_with_a_sane_offset() {
        let mut ev = note("x".into());
        ev.incident = IncidentId::workspace();
        let mut policy = crate::comms::policy::CommsPolicy::default();
        policy.audience_zone.offset_minutes = 900;
        ev.body = EventBody::CommsPolicySet {
            policy: policy.clone(),
        };
        assert!(check(&ev).unwrap_err().contains("audience zone"));
        policy.audience_zone.name = "Eastern Time".into();
        policy.audience_zone.offset_minutes = -300;
        ev.body = EventBody::CommsPolicySet {
            policy: policy.clone(),
        };
        let err = check(&ev).unwrap_err();
        assert!(err.contains("not a time zone this version knows"), "{err}");
        policy.audience_zone.name = "America/New_York".into();
        ev.body = EventBody::CommsPolicySet { policy };
        assert!(check(&ev).is_ok());
    }

    #[test]
    fn a_blank_note_is_refused() {
        assert_eq!(check(&note("  ".into())).unwrap_err(), "the note is empty");
    }

    fn on(stream: IncidentId, body: EventBody) -> Event {
        let mut ev = note("x".into());
        ev.incident = stream;
        ev.body = body;
        ev
    }

    #[test]
    fn a_freeze_policy_with_an_unknown_zone_or_a_bad_holiday_is_refused() {
        let policy = |zone: &str, holidays: &[&str]| {
            on(
                IncidentId::workspace(),
                EventBody::FreezePolicySet {
                    business_days: 3,
                    time_zone: zone.into(),
                    holidays: holidays.iter().map(|s| s.to_string()).collect(),
                },
            )
        };
        assert!(check(&policy("Europe/Berlin", &["2026-12-25"])).is_ok());
        let err = check(&policy("Europe/Atlantis", &[])).unwrap_err();
        assert!(err.contains("Europe/Atlantis"), "{err}");
        let err = check(&policy("UTC", &["25/12/2026"])).unwrap_err();
        assert!(err.contains("25/12/2026"), "{err}");
    }

    #[test]
    fn a_freeze_needs_a_reason_and_an_end_after_its_start() {
        let start = |until: i64, reason: &str| {
            on(
                IncidentId::workspace(),
                EventBody::FreezeStarted {
                    until,
                    reason: reason.into(),
                },
            )
        };
        assert!(check(&start(10, "Release week")).is_ok());
        assert!(check(&start(0, "Release week")).is_err());
        assert!(check(&start(10, "  ")).unwrap_err().contains("empty"));
        let end = on(
            IncidentId::workspace(),
            EventBody::FreezeEnded { reason: "".into() },
        );
        assert!(check(&end).is_err());
    }

    #[test]
    fn alert_kinds_belong_on_the_alerts_stream_and_triage_needs_a_reason() {
        let dismiss = |reason: &str| EventBody::AlertGroupDismissed {
            group: "alertmanager:{}".into(),
            episode: crate::vocabulary::EventId("r1".into()),
            reason: reason.into(),
        };
        assert!(check(&on(IncidentId::alerts(), dismiss("known flake"))).is_ok());
        assert!(check(&on(IncidentId::alerts(), dismiss(" ")))
            .unwrap_err()
            .contains("reason for dismissing is empty"));
        let err = check(&on(IncidentId("inc-1".into()), dismiss("x"))).unwrap_err();
        assert!(
            err.contains("belongs to the alerts stream, not an incident"),
            "{err}"
        );
        let err = check(&on(IncidentId::alerts(), EventBody::note("x"))).unwrap_err();
        assert!(
            err.contains("belongs to an incident, not the alerts stream"),
            "{err}"
        );
        let attach = |incident: IncidentId| EventBody::AlertGroupAttached {
            group: "g".into(),
            episode: crate::vocabulary::EventId("r1".into()),
            incident,
        };
        assert!(check(&on(IncidentId::alerts(), attach(IncidentId::workspace()))).is_err());
        assert!(check(&on(
            IncidentId::alerts(),
            attach(IncidentId("inc-1".into()))
        ))
        .is_ok());
    }

    #[test]
    fn routing_rules_are_bounded_and_named() {
        use crate::alerts::model::{AlertRoute, MatchOp, Matcher};
        let rule = |name: &str, label: &str| AlertRoute {
            name: name.into(),
            matchers: vec![Matcher {
                label: label.into(),
                op: MatchOp::Equals,
                value: "page".into(),
            }],
            components: Vec::new(),
            severity: None,
            open_incident: false,
        };
        let set = |routes| {
            on(
                IncidentId::workspace(),
                EventBody::AlertRoutesSet { routes },
            )
        };
        assert!(check(&set(vec![rule("Pages", "severity")])).is_ok());
        assert!(check(&set(vec![rule("", "severity")]))
            .unwrap_err()
            .contains("rule name"));
        assert!(check(&set(vec![rule("Pages", "")]))
            .unwrap_err()
            .contains("label name"));
        let many = vec![rule("r", "l"); crate::alerts::routing::MAX_ROUTES + 1];
        assert!(check(&set(many)).unwrap_err().contains("limit"));
    }

    #[test]
    fn a_maintenance_window_must_end_after_it_starts() {
        let plan = |starts_at: i64, ends_at: i64| {
            on(
                IncidentId("m-1".into()),
                EventBody::MaintenancePlanned {
                    title: "DB upgrade".into(),
                    starts_at,
                    ends_at,
                    components: Vec::new(),
                    customer_notice: String::new(),
                    freeze_reason: None,
                },
            )
        };
        assert!(check(&plan(1, 2)).is_ok());
        assert!(check(&plan(2, 2)).unwrap_err().contains("ends before"));
        // Maintenance is incident work, not a workspace setting.
        let mut on_ws = plan(1, 2);
        on_ws.incident = IncidentId::workspace();
        assert!(check(&on_ws).is_err());
    }
}
