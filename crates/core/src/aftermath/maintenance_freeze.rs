//! Maintenance during a change freeze: planning a window that falls in a
//! freeze, or starting one while a freeze is on, needs a reason, which the
//! event carries into the log. One decision for the console (which warns and
//! asks) and the server (which refuses the event without it).

use crate::aftermath::freeze::{self, Freeze, FreezeSettings};
use crate::incident::Incident;
use crate::log::event::EventBody;
use crate::time::utc;

/// The freeze a maintenance event meets, if any: for a plan, a freeze that
/// overlaps its window and has not ended by `at` (the one ending last); for a
/// start, the freeze on at `at`. Other events meet none.
pub fn freeze_met<'a>(
    settings: &FreezeSettings,
    incidents: impl IntoIterator<Item = &'a Incident>,
    body: &EventBody,
    at: i64,
) -> Option<Freeze> {
    match body {
        EventBody::MaintenancePlanned {
            starts_at, ends_at, ..
        } => freeze::freezes(settings, incidents)
            .into_iter()
            .filter(|f| f.ends_at() > at && f.starts_at < *ends_at && *starts_at < f.ends_at())
            .max_by_key(|f| (f.ends_at(), f.starts_at)),
        EventBody::MaintenanceStarted { .. } => freeze::active_at(settings, incidents, at),
        _ => None,
    }
}

/// The reason the event gives for going ahead, when it gives one.
pub fn reason_given(body: &EventBody) -> Option<&str> {
    match body {
        EventBody::MaintenancePlanned { freeze_reason, .. }
        | EventBody::MaintenanceStarted { freeze_reason } => freeze_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty()),
        _ => None,
    }
}

/// Why the event cannot be stored as it is: it meets a freeze and says no
/// reason. None when it may go ahead.
pub fn refusal<'a>(
    settings: &FreezeSettings,
    incidents: impl IntoIterator<Item = &'a Incident>,
    body: &EventBody,
    at: i64,
) -> Option<String> {
    let met = freeze_met(settings, incidents, body, at)?;
    if reason_given(body).is_some() {
        return None;
    }
    Some(warning(&met))
}

/// What the console shows before the reason is given, and the server's
/// refusal: which freeze, until when, and what is needed.
pub fn warning(f: &Freeze) -> String {
    format!(
        "A change freeze is on until {} ({}); say why this maintenance must go ahead (freeze_reason).",
        utc::format(f.ends_at()),
        f.reason
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::event::Event;
    use crate::time::utc::parse_input;
    use crate::vocabulary::IncidentId;

    fn t(s: &str) -> i64 {
        parse_input(s).unwrap()
    }

    /// A manual freeze from Monday 09:00 to Wednesday 09:00.
    fn frozen() -> FreezeSettings {
        let mut s = FreezeSettings::default();
        s.apply(&Event::new(
            "f1",
            IncidentId::workspace(),
            "ada",
            t("2026-11-23T09:00"),
            EventBody::FreezeStarted {
                until: t("2026-11-25T09:00"),
                reason: "Black Friday".into(),
            },
        ));
        s
    }

    fn plan(starts: &str, ends: &str, reason: Option<&str>) -> EventBody {
        EventBody::MaintenancePlanned {
            title: "Database upgrade".into(),
            starts_at: t(starts),
            ends_at: t(ends),
            components: Vec::new(),
            customer_notice: String::new(),
            freeze_reason: reason.map(Into::into),
        }
    }

    fn start(reason: Option<&str>) -> EventBody {
        EventBody::MaintenanceStarted {
            freeze_reason: reason.map(Into::into),
        }
    }

    const NO_INCIDENTS: [&Incident; 0] = [];

    #[test]
    fn planning_a_window_inside_a_freeze_without_a_reason_is_refused_naming_the_freeze() {
        let body = plan("2026-11-24T10:00", "2026-11-24T11:00", None);
        let why = refusal(&frozen(), NO_INCIDENTS, &body, t("2026-11-23T12:00")).unwrap();
        assert!(why.contains("Black Friday"), "{why}");
        assert!(why.contains("2026-11-25 09:00"), "{why}");
    }

    #[test]
    fn a_window_that_only_overlaps_the_freeze_meets_it_too() {
        // Planned before the freeze began, for a window reaching into it.
        let body = plan("2026-11-25T08:30", "2026-11-25T10:00", None);
        let at = t("2026-11-20T12:00");
        assert!(refusal(&frozen(), NO_INCIDENTS, &body, at).is_some());
    }

    #[test]
    fn a_reason_lets_it_go_ahead_and_blank_is_no_reason() {
        let at = t("2026-11-23T12:00");
        let with = plan(
            "2026-11-24T10:00",
            "2026-11-24T11:00",
            Some("Security patch"),
        );
        assert_eq!(refusal(&frozen(), NO_INCIDENTS, &with, at), None);
        assert_eq!(reason_given(&with), Some("Security patch"));
        let blank = plan("2026-11-24T10:00", "2026-11-24T11:00", Some("   "));
        assert!(refusal(&frozen(), NO_INCIDENTS, &blank, at).is_some());
    }

    #[test]
    fn a_window_after_the_freeze_or_no_freeze_at_all_needs_nothing() {
        let at = t("2026-11-23T12:00");
        let after = plan("2026-11-25T09:00", "2026-11-25T10:00", None);
        assert_eq!(refusal(&frozen(), NO_INCIDENTS, &after, at), None);
        let inside = plan("2026-11-24T10:00", "2026-11-24T11:00", None);
        let none = FreezeSettings::default();
        assert_eq!(refusal(&none, NO_INCIDENTS, &inside, at), None);
    }

    #[test]
    fn starting_during_a_freeze_needs_a_reason_and_after_it_does_not() {
        let during = t("2026-11-24T10:00");
        assert!(refusal(&frozen(), NO_INCIDENTS, &start(None), during).is_some());
        assert_eq!(
            refusal(
                &frozen(),
                NO_INCIDENTS,
                &start(Some("Fix ships now")),
                during
            ),
            None
        );
        let after = t("2026-11-25T09:00");
        assert_eq!(refusal(&frozen(), NO_INCIDENTS, &start(None), after), None);
    }

    #[test]
    fn the_reason_shows_in_the_timeline() {
        let stream = IncidentId("mnt".into());
        let mut m = Incident::new(stream.clone());
        let body = plan(
            "2026-11-24T10:00",
            "2026-11-24T11:00",
            Some("Security patch"),
        );
        m.apply(&Event::new("p", stream.clone(), "ada", 1, body));
        m.apply(&Event::new(
            "s",
            stream,
            "ada",
            2,
            start(Some("CTO approved")),
        ));
        let lines: Vec<String> = m
            .timeline
            .iter()
            .map(|e| crate::incident::entry_text::line(&e.what, &Default::default()))
            .collect();
        assert!(
            lines[0].ends_with("during a change freeze: Security patch"),
            "{lines:?}"
        );
        assert_eq!(
            lines[1],
            "Maintenance started during a change freeze: CTO approved"
        );
    }

    #[test]
    fn other_events_meet_no_freeze() {
        let note = EventBody::NoteAdded {
            text: "x".into(),
            entry: Default::default(),
        };
        assert_eq!(
            freeze_met(&frozen(), NO_INCIDENTS, &note, t("2026-11-24T10:00")),
            None
        );
    }
}
