//! The rules for browser notifications, with every instant written out.

use super::*;
use crate::comms::{Channels, Phase};
use crate::log::event::{Event, EventBody};
use crate::vocabulary::{EventId, Severity, Status};
use crate::Log;

const MIN: i64 = 60_000;
/// When the reader's tab started (and notifications were on): 10:00 on an
/// arbitrary day, as ms since the epoch.
const T0: i64 = 1_780_000_000_000;

fn on() -> Choices {
    Choices {
        enabled_at: Some(T0 - 60 * MIN),
        ..Choices::default()
    }
}

fn reader(choices: &Choices) -> Reader<'_> {
    Reader {
        me: "cody",
        choices,
        since: T0,
    }
}

/// An event by `author`, stored by the server at `at` (seq from `seq`).
fn stored(id: &str, seq: u64, author: &str, at: i64, body: EventBody) -> Event {
    Event::new(id, "inc", author, at, body).stored(seq, at)
}

fn declared(title: &str, severity: Severity) -> EventBody {
    EventBody::Declared {
        title: title.into(),
        severity,
        summary: String::new(),
        started_at: T0 - 30 * MIN,
        detected_at: None,
    }
}

fn role(role: &str, person: &str) -> EventBody {
    EventBody::RoleAssigned {
        role: RoleId(role.into()),
        person: person.into(),
    }
}

fn before(events: &[Event]) -> Watched {
    let mut w = Watched::default();
    events.iter().for_each(|e| w.apply(e));
    w
}

fn declared_sev2() -> Watched {
    before(&[stored(
        "d",
        1,
        "ana",
        T0 + MIN,
        declared("Payments down", Severity::Sev2),
    )])
}

fn notice_of(ev: &Event, prior: &Watched, choices: &Choices) -> Option<Notice> {
    notice(ev, &reader(choices), prior, &Workspace::default())
}

#[test]
fn a_declaration_by_someone_else_is_a_notice_naming_severity_title_and_author() {
    let ev = stored(
        "d",
        1,
        "ana",
        T0 + MIN,
        declared("Payments down", Severity::Sev1),
    );
    let n = notice_of(&ev, &Watched::default(), &on()).expect("a notice");
    assert_eq!(n.key, "d");
    assert_eq!(n.kind, NoticeKind::Declared);
    assert_eq!(n.title, "SEV1 declared: Payments down");
    assert_eq!(n.body, "SEV1 · Critical · declared by ana");
    assert_eq!(n.incident, IncidentId("inc".into()));
}

#[test]
fn own_edits_pending_events_and_replays_from_before_the_start_are_quiet() {
    let body = || declared("Payments down", Severity::Sev1);
    let none = Watched::default();
    let mine = stored("d", 1, "Cody ", T0 + MIN, body());
    assert_eq!(notice_of(&mine, &none, &on()), None, "the reader's own");
    let pending = Event::new("d", "inc", "ana", T0 + MIN, body());
    assert_eq!(notice_of(&pending, &none, &on()), None, "not yet stored");
    let old = stored("d", 1, "ana", T0 - 1, body());
    assert_eq!(
        notice_of(&old, &none, &on()),
        None,
        "received before the tab started"
    );
    let at_start = stored("d", 1, "ana", T0, body());
    assert!(notice_of(&at_start, &none, &on()).is_some());
}

#[test]
fn received_at_decides_news_so_an_edit_made_offline_earlier_still_notifies() {
    // Made an hour before the tab started, delivered after: news to the reader.
    let ev = Event::new(
        "d",
        "inc",
        "ana",
        T0 - 60 * MIN,
        declared("x", Severity::Sev3),
    )
    .stored(1, T0 + MIN);
    assert!(notice_of(&ev, &Watched::default(), &on()).is_some());
}

#[test]
fn nothing_while_notifications_are_off_or_the_kind_is_not_chosen() {
    let ev = stored(
        "d",
        1,
        "ana",
        T0 + MIN,
        declared("Payments down", Severity::Sev1),
    );
    let off = Choices::default();
    assert_eq!(notice_of(&ev, &Watched::default(), &off), None);
    let mut other_kinds = on();
    other_kinds.kinds.remove(&NoticeKind::Declared);
    assert_eq!(notice_of(&ev, &Watched::default(), &other_kinds), None);
}

#[test]
fn only_a_raised_severity_notifies() {
    let prior = declared_sev2();
    let raised = stored(
        "s",
        2,
        "ana",
        T0 + 2 * MIN,
        EventBody::SeverityChanged {
            severity: Severity::Sev1,
        },
    );
    let n = notice_of(&raised, &prior, &on()).expect("raised");
    assert_eq!(n.kind, NoticeKind::SeverityRaised);
    assert_eq!(n.title, "Payments down raised to SEV1");
    assert_eq!(n.body, "SEV2 · Major → SEV1 · Critical · by ana");
    for lower_or_same in [Severity::Sev2, Severity::Sev3] {
        let ev = stored(
            "s",
            2,
            "ana",
            T0 + 2 * MIN,
            EventBody::SeverityChanged {
                severity: lower_or_same,
            },
        );
        assert_eq!(notice_of(&ev, &prior, &on()), None, "{lower_or_same:?}");
    }
}

#[test]
fn a_role_given_to_me_notifies_once_and_not_when_given_to_others() {
    let prior = declared_sev2();
    let mine = stored("r", 2, "ana", T0 + 2 * MIN, role(COMMS_LEAD, "cody"));
    let n = notice_of(&mine, &prior, &on()).expect("mine");
    assert_eq!(n.kind, NoticeKind::Assigned);
    assert_eq!(n.title, "You are communications lead");
    assert_eq!(n.body, "Payments down · given by ana");
    let again = stored("r2", 3, "ana", T0 + 3 * MIN, role(COMMS_LEAD, "CODY"));
    let held = before(&[
        stored(
            "d",
            1,
            "ana",
            T0 + MIN,
            declared("Payments down", Severity::Sev2),
        ),
        mine.clone(),
    ]);
    assert_eq!(notice_of(&again, &held, &on()), None, "already mine");
    let other = stored("r3", 2, "ana", T0 + 2 * MIN, role(COMMS_LEAD, "bea"));
    assert_eq!(notice_of(&other, &prior, &on()), None);
}

#[test]
fn a_task_given_to_me_notifies_when_added_or_reassigned_to_me() {
    let prior = declared_sev2();
    let added = stored(
        "t",
        2,
        "ana",
        T0 + 2 * MIN,
        EventBody::TaskAdded {
            title: "Roll back <b>deploy</b>".into(),
            assignee: Some("cody".into()),
            due_at: None,
            remediation: false,
        },
    );
    let n = notice_of(&added, &prior, &on()).expect("added for me");
    // Text stays text: markup typed by someone is shown as typed.
    assert_eq!(n.title, "Task for you: Roll back <b>deploy</b>");
    assert_eq!(n.body, "Payments down · from ana");

    let for_bea = stored(
        "t",
        2,
        "ana",
        T0 + 2 * MIN,
        EventBody::TaskAdded {
            title: "Call the bank".into(),
            assignee: Some("bea".into()),
            due_at: None,
            remediation: false,
        },
    );
    assert_eq!(notice_of(&for_bea, &prior, &on()), None);
    let mut with_task = prior.clone();
    with_task.apply(&for_bea);
    let to_me = |id: &str| {
        stored(
            id,
            3,
            "ana",
            T0 + 3 * MIN,
            EventBody::TaskUpdated {
                task: EventId("t".into()),
                assignee: Some("cody".into()),
                due_at: None,
            },
        )
    };
    let n = notice_of(&to_me("u"), &with_task, &on()).expect("reassigned to me");
    assert_eq!(n.title, "Task for you: Call the bank");
    with_task.apply(&to_me("u"));
    assert_eq!(
        notice_of(&to_me("u2"), &with_task, &on()),
        None,
        "already mine"
    );
}

#[test]
fn notification_text_is_one_short_line() {
    assert_eq!(plain("a\nb\tc", 10), "a b c");
    let long = "x".repeat(150);
    let cut = plain(&long, 100);
    assert_eq!(cut.chars().count(), 100);
    assert!(cut.ends_with('…'));
}

#[test]
fn the_watcher_gives_each_new_event_once_with_the_state_before_it() {
    let choices = on();
    let r = reader(&choices);
    let ws = Workspace::default();
    let mut log = Log::new();
    // The cache holds an old declaration: replayed at start, quiet.
    log.insert(
        Event::new(
            "old",
            "old-inc",
            "ana",
            T0 - 90 * MIN,
            declared("Old one", Severity::Sev3),
        )
        .stored(1, T0 - 90 * MIN),
    );
    let mut w = Watcher::default();
    assert_eq!(w.notices(&log, &ws, &r), vec![]);

    // Declared and given to me in one batch: both, the role naming the title.
    log.insert(stored(
        "d",
        2,
        "ana",
        T0 + MIN,
        declared("Payments down", Severity::Sev2),
    ));
    log.insert(stored(
        "r",
        3,
        "ana",
        T0 + MIN,
        role("incident_commander", "cody"),
    ));
    let got = w.notices(&log, &ws, &r);
    let titles: Vec<&str> = got.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(
        titles,
        ["SEV2 declared: Payments down", "You are incident commander"]
    );
    assert_eq!(
        w.notices(&log, &ws, &r),
        vec![],
        "nothing new, nothing again"
    );

    log.insert(stored(
        "s",
        4,
        "ana",
        T0 + 2 * MIN,
        EventBody::SeverityChanged {
            severity: Severity::Sev1,
        },
    ));
    let got = w.notices(&log, &ws, &r);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].title, "Payments down raised to SEV1");
}

#[test]
fn a_reordered_stream_is_walked_again_with_the_same_keys() {
    let choices = on();
    let r = reader(&choices);
    let ws = Workspace::default();
    let mut log = Log::new();
    log.insert(stored(
        "d",
        5,
        "ana",
        T0 + MIN,
        declared("Payments down", Severity::Sev2),
    ));
    let mut w = Watcher::default();
    assert_eq!(w.notices(&log, &ws, &r).len(), 1);
    // A late event with a lower seq: the stream is walked from its start;
    // the declaration comes again under its key, the role after it is new.
    log.insert(stored("r", 3, "ana", T0 + MIN, role("scribe", "cody")));
    let keys: Vec<String> = w
        .notices(&log, &ws, &r)
        .into_iter()
        .map(|n| n.key)
        .collect();
    assert_eq!(keys, ["r", "d"]);
}

fn incident_led_by(lead: &str, declared_at: i64) -> Incident {
    let mut i = Incident::new(IncidentId("inc".into()));
    i.apply(&stored(
        "d",
        1,
        "ana",
        declared_at,
        declared("Payments down", Severity::Sev1),
    ));
    i.apply(&stored("r", 2, "ana", declared_at, role(COMMS_LEAD, lead)));
    i
}

#[test]
fn an_overdue_update_notifies_the_communications_lead_once_per_due_time() {
    let choices = on();
    let r = reader(&choices);
    let policy = CadencePolicy::default(); // 30 min while investigating
    let i = incident_led_by("cody", T0);
    assert_eq!(
        overdue_notice(&i, &policy, &r, T0 + 30 * MIN),
        None,
        "due, not past"
    );
    let n = overdue_notice(&i, &policy, &r, T0 + 31 * MIN).expect("overdue");
    assert_eq!(n.key, format!("overdue:inc:{}", T0 + 30 * MIN));
    assert_eq!(n.title, "Customer update overdue: Payments down");
    assert_eq!(
        n.body,
        "Customers last heard from us 31 min ago; you are the communications lead."
    );
    let later = overdue_notice(&i, &policy, &r, T0 + 45 * MIN).expect("still overdue");
    assert_eq!(later.key, n.key, "the same moment: shown once");

    // A published update starts a new period, and its own overdue moment.
    let mut i = i;
    i.apply(&stored(
        "u",
        3,
        "cody",
        T0 + 50 * MIN,
        EventBody::UpdateDrafted {
            phase: Phase::Investigating,
            channels: Channels::default(),
            components: Default::default(),
            public_title: None,
        },
    ));
    i.apply(&stored(
        "p",
        4,
        "bea",
        T0 + 50 * MIN,
        EventBody::UpdatePublished {
            update: EventId("u".into()),
            targets: vec!["own".into()],
            overrides: vec![],
        },
    ));
    assert_eq!(overdue_notice(&i, &policy, &r, T0 + 60 * MIN), None);
    let next = overdue_notice(&i, &policy, &r, T0 + 81 * MIN).expect("overdue again");
    assert_eq!(next.key, format!("overdue:inc:{}", T0 + 80 * MIN));
}

#[test]
fn overdue_is_for_the_lead_only_while_open_and_not_from_before_the_start() {
    let choices = on();
    let r = reader(&choices);
    let policy = CadencePolicy::default();
    let someone_else = incident_led_by("bea", T0);
    assert_eq!(
        overdue_notice(&someone_else, &policy, &r, T0 + 40 * MIN),
        None
    );
    // Due at T0 - 1 min: already overdue when the tab started.
    let stale = incident_led_by("cody", T0 - 31 * MIN);
    assert_eq!(overdue_notice(&stale, &policy, &r, T0 + 5 * MIN), None);
    let mut resolved = incident_led_by("cody", T0);
    resolved.apply(&stored(
        "x",
        3,
        "ana",
        T0 + MIN,
        EventBody::StatusChanged {
            status: Status::Resolved,
        },
    ));
    assert_eq!(overdue_notice(&resolved, &policy, &r, T0 + 40 * MIN), None);
    let mut off = on();
    off.kinds.remove(&NoticeKind::UpdateOverdue);
    let i = incident_led_by("cody", T0);
    assert_eq!(
        overdue_notice(&i, &policy, &reader(&off), T0 + 40 * MIN),
        None
    );
}

#[test]
fn choices_read_back_and_default_to_off_with_every_kind() {
    let c = on();
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(serde_json::from_str::<Choices>(&json).unwrap(), c);
    let d: Choices = serde_json::from_str("{}").unwrap();
    assert_eq!(d, Choices::default());
    assert_eq!(d.enabled_at, None);
    assert_eq!(d.kinds.len(), NoticeKind::ALL.len());
}
