//! The fold of one incident, as a specification: each area's events and what
//! they leave behind.

use super::*;

fn ev(id: &str, at: i64, body: EventBody) -> Event {
    Event::new(id, "i", "ana", at, body)
}

fn declared(sev: Severity) -> EventBody {
    EventBody::Declared {
        title: "Checkout failing".into(),
        severity: sev,
        summary: "5xx on /pay".into(),
        started_at: 100,
        detected_at: None,
    }
}

#[test]
fn declaring_sets_title_severity_summary_and_impact_start() {
    let mut inc = Incident::new(IncidentId("i".into()));
    inc.apply(&ev("a", 200, declared(Severity::Sev2)));
    assert!(inc.declared);
    assert_eq!(inc.title, "Checkout failing");
    assert_eq!(inc.severity, Severity::Sev2);
    assert_eq!(inc.started_at, 100);
    assert_eq!(inc.declared_at, 200);
    assert_eq!(inc.status, Status::Investigating);
}

#[test]
fn resolving_records_the_time_and_reopening_clears_it() {
    let mut inc = Incident::new(IncidentId("i".into()));
    inc.apply(&ev("a", 200, declared(Severity::Sev1)));
    inc.apply(&ev(
        "b",
        900,
        EventBody::StatusChanged {
            status: Status::Resolved,
        },
    ));
    assert_eq!(inc.resolved_at, Some(900));
    assert_eq!(inc.time_to_resolve_ms(), Some(800));
    inc.apply(&ev(
        "c",
        950,
        EventBody::StatusChanged {
            status: Status::Monitoring,
        },
    ));
    assert_eq!(inc.resolved_at, None);
}

#[test]
fn durations_use_the_best_time_when_a_clock_was_known_to_be_off() {
    let mut inc = Incident::new(IncidentId("i".into()));
    inc.apply(&ev("a", 200, declared(Severity::Sev1)));
    // This author's clock ran 5 minutes fast, and knew it.
    let mut resolve = ev(
        "b",
        300_900,
        EventBody::StatusChanged {
            status: Status::Resolved,
        },
    );
    resolve.clock_offset = Some(-300_000);
    inc.apply(&resolve);
    assert_eq!(inc.resolved_at, Some(900));
    assert_eq!(inc.time_to_resolve_ms(), Some(800));
    assert_eq!(inc.timeline[1].at, 900);
}

#[test]
fn a_severity_change_is_recorded_with_what_it_replaced() {
    let mut inc = Incident::new(IncidentId("i".into()));
    inc.apply(&ev("a", 200, declared(Severity::Sev3)));
    inc.apply(&ev(
        "b",
        300,
        EventBody::SeverityChanged {
            severity: Severity::Sev1,
        },
    ));
    assert_eq!(inc.severity, Severity::Sev1);
    assert_eq!(
        inc.timeline[1].what,
        EntryWhat::Severity {
            from: Severity::Sev3,
            to: Severity::Sev1
        }
    );
}

#[test]
fn notes_are_appended_never_replaced() {
    let mut inc = Incident::new(IncidentId("i".into()));
    inc.apply(&ev("a", 200, declared(Severity::Sev3)));
    inc.apply(&ev("b", 300, EventBody::note("one")));
    inc.apply(&ev("c", 300, EventBody::note("two")));
    let notes: Vec<_> = inc
        .timeline
        .iter()
        .filter_map(|e| match &e.what {
            EntryWhat::Note { text, .. } => Some(text.as_ref()),
            _ => None,
        })
        .collect();
    assert_eq!(notes, ["one", "two"]);
}

#[test]
fn the_list_puts_open_incidents_first_then_the_most_severe() {
    let mk = |id: &str, sev, status, at| {
        let mut i = Incident::new(IncidentId(id.into()));
        i.severity = sev;
        i.status = status;
        i.declared_at = at;
        i
    };
    let mut list = [
        mk("resolved-sev1", Severity::Sev1, Status::Resolved, 5),
        mk("open-sev3", Severity::Sev3, Status::Investigating, 9),
        mk("open-sev1-old", Severity::Sev1, Status::Monitoring, 1),
        mk("open-sev1-new", Severity::Sev1, Status::Identified, 2),
    ];
    list.sort_by(list_order);
    let ids: Vec<_> = list.iter().map(|i| i.id.0.as_ref()).collect();
    assert_eq!(
        ids,
        [
            "open-sev1-new",
            "open-sev1-old",
            "open-sev3",
            "resolved-sev1"
        ]
    );
}
fn room() -> Incident {
    let mut inc = Incident::new(IncidentId("i".into()));
    inc.apply(&ev("a", 200, declared(Severity::Sev2)));
    inc
}

fn role(id: &str) -> RoleId {
    RoleId(id.into())
}

#[test]
fn a_role_handover_records_the_new_holder_since_when_and_whom_it_replaced() {
    let mut inc = room();
    let assign = |p: &str| EventBody::RoleAssigned {
        role: role("incident_commander"),
        person: p.into(),
    };
    inc.apply(&ev("b", 300, assign("ana")));
    inc.apply(&ev("c", 500, assign("bo")));
    let holder = &inc.roles[&role("incident_commander")];
    assert_eq!((holder.person.as_str(), holder.since), ("bo", 500));
    assert_eq!(
        inc.timeline[2].what,
        EntryWhat::Role {
            role: role("incident_commander"),
            from: Some("ana".into()),
            to: Some("bo".into())
        }
    );
    inc.apply(&ev(
        "d",
        600,
        EventBody::RoleReleased {
            role: role("incident_commander"),
        },
    ));
    assert!(inc.roles.is_empty());
    assert_eq!(
        inc.timeline
            .iter()
            .filter(|e| e.what.kind() == EntryKind::Role)
            .count(),
        3
    );
}

#[test]
fn a_change_gets_its_outcome_later_and_a_second_change_in_flight_is_flagged() {
    let mut inc = room();
    inc.apply(&ev(
        "c1",
        300,
        EventBody::ChangeStarted {
            what: "Roll back deploy 41".into(),
        },
    ));
    assert_eq!(inc.changes_in_flight().count(), 1);
    inc.apply(&ev(
        "c2",
        320,
        EventBody::ChangeStarted {
            what: "Raise pool size".into(),
        },
    ));
    assert!(!inc.changes[0].overlapped);
    assert!(inc.changes[1].overlapped, "started while c1 had no outcome");
    inc.apply(&ev(
        "o1",
        400,
        EventBody::ChangeOutcome {
            change: EventId("c1".into()),
            outcome: Outcome::Helped,
            note: "errors halved".into(),
        },
    ));
    let result = inc.changes[0].outcome.as_ref().unwrap();
    assert_eq!((result.outcome, result.at), (Outcome::Helped, 400));
    assert_eq!(
        inc.changes_in_flight()
            .map(|c| c.what.as_str())
            .collect::<Vec<_>>(),
        ["Raise pool size"]
    );
    // The change's own entry shows its outcome, and the outcome has an entry of its own.
    assert_eq!(
        inc.timeline[1].what,
        EntryWhat::ChangeStarted {
            what: "Roll back deploy 41".into(),
            outcome: Some(Outcome::Helped)
        }
    );
    assert!(matches!(
        inc.timeline[3].what,
        EntryWhat::ChangeOutcome {
            outcome: Outcome::Helped,
            ..
        }
    ));
    inc.apply(&ev(
        "c3",
        500,
        EventBody::ChangeStarted {
            what: "Flush cache".into(),
        },
    ));
    assert!(inc.changes[2].overlapped, "c2 still has no outcome");
}

#[test]
fn an_outcome_for_an_unknown_change_changes_nothing() {
    let mut inc = room();
    let before = inc.timeline.len();
    inc.apply(&ev(
        "o",
        400,
        EventBody::ChangeOutcome {
            change: EventId("nope".into()),
            outcome: Outcome::Helped,
            note: String::new(),
        },
    ));
    assert_eq!(inc.timeline.len(), before);
    assert!(inc.changes.is_empty());
}

#[test]
fn tasks_are_added_assigned_given_a_due_time_and_done() {
    let mut inc = room();
    inc.apply(&ev(
        "t1",
        300,
        EventBody::TaskAdded {
            title: "Page DB on-call".into(),
            assignee: None,
            due_at: None,
            remediation: false,
        },
    ));
    inc.apply(&ev(
        "t2",
        310,
        EventBody::TaskAdded {
            title: "Draft update".into(),
            assignee: Some("cy".into()),
            due_at: Some(900),
            remediation: false,
        },
    ));
    inc.apply(&ev(
        "u",
        320,
        EventBody::TaskUpdated {
            task: EventId("t1".into()),
            assignee: Some("bo".into()),
            due_at: Some(600),
        },
    ));
    assert_eq!(inc.tasks[0].assignee.as_deref(), Some("bo"));
    assert_eq!(inc.tasks[0].due_at, Some(600));
    inc.apply(&ev(
        "d",
        330,
        EventBody::TaskDone {
            task: EventId("t1".into()),
            done: true,
        },
    ));
    assert_eq!(
        inc.open_tasks()
            .map(|t| t.title.as_str())
            .collect::<Vec<_>>(),
        ["Draft update"]
    );
    inc.apply(&ev(
        "r",
        340,
        EventBody::TaskDone {
            task: EventId("t1".into()),
            done: false,
        },
    ));
    assert_eq!(inc.open_tasks().count(), 2);
}

#[test]
fn a_component_stays_listed_as_affected_when_back_to_operational_until_cleared() {
    let mut inc = room();
    let api = ComponentId("api".into());
    let set = |s| EventBody::ComponentStatusSet {
        component: ComponentId("api".into()),
        status: s,
    };
    inc.apply(&ev("b", 300, set(ComponentStatus::MajorOutage)));
    inc.apply(&ev("c", 400, set(ComponentStatus::Operational)));
    assert_eq!(
        inc.components.get(&api),
        Some(&ComponentStatus::Operational)
    );
    inc.apply(&ev(
        "d",
        500,
        EventBody::ComponentCleared {
            component: api.clone(),
        },
    ));
    assert!(inc.components.is_empty());
    assert_eq!(
        inc.timeline
            .iter()
            .filter(|e| e.what.kind() == EntryKind::Component)
            .count(),
        3
    );
}

#[test]
fn impact_records_customer_impact_and_the_share_affected() {
    let mut inc = room();
    inc.apply(&ev(
        "b",
        300,
        EventBody::ImpactSet {
            customer_impact: true,
            share_permille: Some(125),
        },
    ));
    assert!(inc.customer_impact);
    assert_eq!(inc.share_permille, Some(125));
}

#[test]
fn impact_start_detection_and_declaration_are_separate_and_correctable() {
    let mut inc = Incident::new(IncidentId("i".into()));
    let mut d = declared(Severity::Sev2);
    if let EventBody::Declared { detected_at, .. } = &mut d {
        *detected_at = Some(150);
    }
    inc.apply(&ev("a", 200, d));
    assert_eq!(
        (inc.started_at, inc.detected_at, inc.declared_at),
        (100, Some(150), 200)
    );
    assert_eq!(inc.time_to_detect_ms(), Some(50));
    inc.apply(&ev(
        "b",
        900,
        EventBody::TimesSet {
            started_at: Some(40),
            detected_at: None,
            declared_at: None,
        },
    ));
    assert_eq!(
        (inc.started_at, inc.detected_at, inc.declared_at),
        (40, Some(150), 200)
    );
    assert_eq!(inc.time_to_detect_ms(), Some(110));
    assert!(matches!(
        inc.timeline[1].what,
        EntryWhat::Times {
            started_at: Some(40),
            ..
        }
    ));
}

#[test]
fn marking_an_entry_key_flags_it_without_adding_an_entry() {
    let mut inc = room();
    inc.apply(&ev("n", 300, EventBody::note("DB primary lost")));
    inc.apply(&ev(
        "m",
        310,
        EventBody::EntryMarked {
            entry: EventId("n".into()),
            key: true,
        },
    ));
    assert_eq!(inc.timeline.len(), 2);
    assert!(inc.timeline[1].key);
    inc.apply(&ev(
        "m2",
        320,
        EventBody::EntryMarked {
            entry: EventId("n".into()),
            key: false,
        },
    ));
    assert!(!inc.timeline[1].key);
}

#[test]
fn notes_carry_their_kind_for_the_timeline_filter() {
    let mut inc = room();
    inc.apply(&ev(
        "n",
        300,
        EventBody::NoteAdded {
            text: "Fail over to eu-west".into(),
            entry: NoteKind::Decision,
        },
    ));
    assert_eq!(inc.timeline[1].what.kind(), EntryKind::Decision);
}

fn planned(starts_at: i64, ends_at: i64) -> EventBody {
    EventBody::MaintenancePlanned {
        title: "Database upgrade".into(),
        starts_at,
        ends_at,
        components: vec![ComponentId("db".into())],
        customer_notice: "Checkout may be slow for ten minutes".into(),
        freeze_reason: None,
    }
}

#[test]
fn a_maintenance_goes_from_scheduled_to_in_progress_to_completed() {
    let mut m = Incident::new(IncidentId("i".into()));
    m.apply(&ev("p", 10, planned(1_000, 2_000)));
    assert!(m.declared && m.is_maintenance());
    assert_eq!(m.maintenance_state(500), Some(MaintenanceState::Scheduled));
    assert!(m.status.is_open());
    m.apply(&ev(
        "s",
        1_000,
        EventBody::MaintenanceStarted {
            freeze_reason: None,
        },
    ));
    assert_eq!(
        m.maintenance_state(1_500),
        Some(MaintenanceState::InProgress)
    );
    assert_eq!(
        m.components.get(&ComponentId("db".into())),
        Some(&ComponentStatus::UnderMaintenance)
    );
    m.apply(&ev("c", 1_800, EventBody::MaintenanceCompleted {}));
    assert_eq!(
        m.maintenance_state(5_000),
        Some(MaintenanceState::Completed)
    );
    assert_eq!(m.status, Status::Resolved);
    assert_eq!(
        m.components.get(&ComponentId("db".into())),
        Some(&ComponentStatus::Operational)
    );
}

#[test]
fn a_maintenance_past_its_end_overruns_until_an_update_moves_the_end() {
    let mut m = Incident::new(IncidentId("i".into()));
    m.apply(&ev("p", 10, planned(1_000, 2_000)));
    m.apply(&ev(
        "s",
        1_000,
        EventBody::MaintenanceStarted {
            freeze_reason: None,
        },
    ));
    assert_eq!(
        m.maintenance_state(1_999),
        Some(MaintenanceState::InProgress)
    );
    assert_eq!(
        m.maintenance_state(2_000),
        Some(MaintenanceState::Overrunning)
    );
    m.apply(&ev(
        "o",
        2_100,
        EventBody::MaintenanceOverrun {
            note: "Index rebuild slower than planned".into(),
            ends_at: 4_000,
        },
    ));
    assert_eq!(
        m.maintenance_state(2_100),
        Some(MaintenanceState::InProgress)
    );
    assert_eq!(
        m.maintenance_state(4_000),
        Some(MaintenanceState::Overrunning)
    );
    // A window never started is overrunning once its end has passed too.
    let mut missed = Incident::new(IncidentId("j".into()));
    missed.apply(&ev("p2", 10, planned(1_000, 2_000)));
    assert_eq!(
        missed.maintenance_state(3_000),
        Some(MaintenanceState::Overrunning)
    );
}

#[test]
fn a_converted_maintenance_is_an_open_incident_that_keeps_its_entries() {
    let mut m = Incident::new(IncidentId("i".into()));
    m.apply(&ev("p", 10, planned(1_000, 2_000)));
    m.apply(&ev(
        "s",
        1_000,
        EventBody::MaintenanceStarted {
            freeze_reason: None,
        },
    ));
    m.apply(&ev("n", 1_100, EventBody::note("Replica lag rising")));
    m.apply(&ev(
        "x",
        1_200,
        EventBody::MaintenanceConverted {
            severity: Severity::Sev2,
        },
    ));
    assert!(!m.is_maintenance());
    assert_eq!(m.maintenance_state(1_300), None);
    assert_eq!(m.severity, Severity::Sev2);
    assert_eq!(m.status, Status::Investigating);
    assert_eq!(m.started_at, 1_200);
    let kinds: Vec<_> = m.timeline.iter().map(|e| e.event.0.to_string()).collect();
    assert_eq!(kinds, ["p", "s", "n", "x"]);
    assert!(matches!(
        m.timeline[0].what,
        EntryWhat::MaintenancePlanned { .. }
    ));
}

#[test]
fn maintenance_steps_on_a_stream_never_planned_are_ignored() {
    let mut i = Incident::new(IncidentId("i".into()));
    i.apply(&ev("d", 10, declared(Severity::Sev3)));
    i.apply(&ev(
        "s",
        20,
        EventBody::MaintenanceStarted {
            freeze_reason: None,
        },
    ));
    i.apply(&ev(
        "x",
        30,
        EventBody::MaintenanceConverted {
            severity: Severity::Sev1,
        },
    ));
    assert_eq!(i.severity, Severity::Sev3);
    assert_eq!(i.timeline.len(), 1);
    assert!(!i.is_maintenance());
}
