//! The incident room: where things stand, who is here, the severity
//! policy's prompt, a maintenance's steps and overrun prompt, the status
//! controls (resolving asks for a note), the timeline with the note form, and the panels for
//! roles, changes, tasks, impact and times.

mod changes;
mod impact;
mod maintenance;
mod people;
mod resolve;
mod roles;
mod tasks;
mod timeline;
mod times;

use crate::components::cadence_badge::CadenceBadge;
use crate::components::form::{Outcome, SelectField, TextArea};
use crate::components::labels::{ReadOnlyNote, SeverityBadge, StatusBadge};
use crate::replica::use_replica;
use crate::room::{
    provide_room_context, use_room, use_route_incident, IncidentNotHereYet, RouteIncident,
};
use crate::session::use_session;
use changes::ChangesPanel;
use impact::ImpactPanel;
use leptos::prelude::*;
use leptos_router::components::A;
use maintenance::{MaintenancePanel, OverrunPrompt};
use roles::RolesPanel;
use sitrep_core::incident::number;
use sitrep_core::incident::severity_policy::prompt;
use sitrep_core::time::utc;
use sitrep_core::{EventBody, Incident, NoteKind, Severity, Status};
use std::sync::Arc;
use tasks::TasksPanel;
use timeline::Timeline;
use times::TimesPanel;

#[component]
pub fn IncidentRoom() -> impl IntoView {
    let replica = use_replica();
    let RouteIncident {
        id,
        found: incident,
        current,
    } = use_route_incident();

    // Tell the others who is here, and say goodbye on leaving.
    Effect::new(move |_| {
        replica
            .presence
            .set_viewing(Some(id.get()), replica.author_name());
    });
    on_cleanup(move || replica.presence.set_viewing(None, String::new()));

    view! {
        <section class="page room">
            <Show
                when=move || incident.with(Option::is_some)
                fallback=IncidentNotHereYet
            >
                <RoomBody incident=current/>
            </Show>
        </section>
    }
}

#[component]
fn RoomBody(incident: Memo<Arc<Incident>>) -> impl IntoView {
    provide_room_context(incident);
    people::provide_directory();
    let session = use_session();
    // A viewer reads everything and changes nothing; the server is the
    // authority, this only spares them controls that would be refused.
    let read_only = move || !session.can_write();
    view! {
        <RoomHead/>
        <ReadOnlyNote/>
        <SeverityPrompt/>
        <OverrunPrompt/>
        <div class="room-grid">
            <div class="room-main">
                <fieldset class="plain" disabled=read_only>
                    <MaintenancePanel/>
                    // A maintenance moves by its own steps until it becomes an incident.
                    <Show when=move || !incident.with(|i| i.is_maintenance())>
                        <StatusControls/>
                    </Show>
                    <NoteForm/>
                </fieldset>
                <h2>"Timeline"</h2>
                <Timeline/>
            </div>
            <fieldset class="plain room-side" disabled=read_only>
                <legend class="visually-hidden">"Incident details"</legend>
                <RolesPanel/>
                <ChangesPanel/>
                <TasksPanel/>
                <ImpactPanel/>
                <TimesPanel/>
            </fieldset>
        </div>
    }
}

#[component]
fn RoomHead() -> impl IntoView {
    let room = use_room();
    let replica = use_replica();
    let incident = room.incident;
    let here = move || {
        let me = replica.author_name();
        let mut others = replica.presence.people(&incident.with(|i| i.id.clone()));
        // One "you" even when this person has the room open in two tabs.
        if let Some(pos) = others.iter().position(|p| *p == me) {
            others.remove(pos);
        }
        others
    };
    view! {
        <div class="room-head">
            <h1>{move || incident.with(|i| i.title.clone())}</h1>
            <div class="facts">
                // An incident declared offline has no number until the
                // backend stores its declaration; a maintenance has none.
                {move || incident.with(|i| {
                    (!i.is_maintenance() || i.number.is_some()).then(|| number::shown(i.number))
                }).map(|n| view! { <span class="incident-number" data-testid="incident-number">{n}</span> })}
                {move || if incident.with(|i| i.is_maintenance()) {
                    view! { <span class="badge maintenance">"Maintenance"</span> }.into_any()
                } else {
                    view! {
                        <SeverityBadge severity=incident.with(|i| i.severity)/>
                        <StatusBadge status=incident.with(|i| i.status)/>
                    }.into_any()
                }}
                <span>"Impact since " {move || crate::reader::when(incident.with(|i| i.started_at))}</span>
                <span>"Declared " {move || incident.with(|i| format!("{} by {}", crate::reader::when(i.declared_at), i.declared_by))}</span>
                // Once it is over, when, and how long the impact lasted.
                {move || incident.with(|i| {
                    let word = if i.is_maintenance() { "Ended" } else { "Resolved" };
                    i.resolved_at.map(|r| format!(
                        "{word} {} (after {})", crate::reader::when(r), utc::duration(r - i.started_at)
                    ))
                }).map(|text| view! { <span data-testid="resolved-at">{text}</span> })}
                <A href=move || format!("/incidents/{}/postmortem", incident.with(|i| i.id.clone()))>"Post-mortem"</A>
                <CadenceBadge incident policy=Signal::derive(move || room.workspace.with(|w| w.comms.cadence))/>
                <A href=move || format!("/incidents/{}/comms", incident.with(|i| i.id.clone()))>"Comms desk"</A>
            </div>
            <p class="summary">{move || incident.with(|i| i.summary.clone())}</p>
            <p class="presence" role="status" aria-label="Also here">
                {move || {
                    let others = here();
                    if others.is_empty() {
                        "Nobody else has this incident open.".to_string()
                    } else {
                        format!("Also here: {}", others.join(", "))
                    }
                }}
            </p>
        </div>
    }
}

/// The severity policy's prompt when the recorded impact asks for more.
#[component]
fn SeverityPrompt() -> impl IntoView {
    let room = use_room();
    let session = use_session();
    let ask = Memo::new(move |_| {
        room.workspace
            .with(|w| room.incident.with(|i| prompt(i, &w.severity_rules)))
    });
    move || {
        ask.get().map(|p| {
            let required = p.required;
            let current = room.incident.with_untracked(|i| i.severity);
            view! {
                <div class="banner policy" role="alert">
                    <span>{format!(
                        "Severity policy: {}, so this incident should be at least {} (it is {}).",
                        p.because, required.label(), current.label()
                    )}</span>
                    <button type="button" class="primary" disabled=move || !session.can_write()
                        on:click=move |_| room.record(EventBody::SeverityChanged { severity: required })>
                        {format!("Raise to {}", required.label())}
                    </button>
                </div>
            }
        })
    }
}

#[component]
fn StatusControls() -> impl IntoView {
    let room = use_room();
    let incident = room.incident;
    let resolving = RwSignal::new(false);
    let current = move || incident.with(|i| i.status.wire());
    view! {
        <div class="controls">
            // Shows "Resolved" while the resolve panel is open; the status
            // changes only once the note is written.
            <SelectField id="room-status" label="Status"
                value=Signal::derive(move || {
                    if resolving.get() { Status::Resolved.wire() } else { current() }.to_string()
                })
                on_change=move |v: String| {
                    if v == current() {
                        resolving.set(false);
                        return;
                    }
                    match Status::from_wire(&v) {
                        Some(Status::Resolved) => resolving.set(true),
                        Some(status) => {
                            resolving.set(false);
                            room.record(EventBody::StatusChanged { status });
                        }
                        None => {}
                    }
                }>
                {Status::ALL.iter().map(|s| view! { <option value=s.wire()>{s.label()}</option> }).collect_view()}
            </SelectField>
            <ChoiceField
                id="room-severity"
                label="Severity"
                options=Severity::ALL.iter().map(|s| (s.wire(), room.workspace.with_untracked(|w| w.severity_name(*s)))).collect()
                current=Signal::derive(move || incident.with(|i| i.severity.wire()))
                on_pick=move |v: String| {
                    if let Some(severity) = Severity::from_wire(&v) {
                        room.record(EventBody::SeverityChanged { severity });
                    }
                }
            />
        </div>
        <resolve::ResolvePanel resolving/>
    }
}

/// A labelled select that reports a pick only when it differs from the
/// current value (re-selecting the same status records nothing).
#[component]
fn ChoiceField(
    id: &'static str,
    label: &'static str,
    options: Vec<(&'static str, String)>,
    #[prop(into)] current: Signal<&'static str>,
    #[prop(into)] on_pick: Callback<String>,
) -> impl IntoView {
    view! {
        <SelectField id=id label={label}
            on_change=move |v: String| {
                if v != current.get_untracked() {
                    on_pick.run(v);
                }
            }>
            {options.into_iter().map(|(value, text)| view! {
                <option value=value selected=move || current.get() == value>{text}</option>
            }).collect_view()}
        </SelectField>
    }
}

#[component]
fn NoteForm() -> impl IntoView {
    let room = use_room();
    let text = RwSignal::new(String::new());
    let kind = RwSignal::new(NoteKind::Observation);
    let problem = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = text.get_untracked();
        if t.trim().is_empty() {
            problem.set(Some("Write something first.".into()));
            return;
        }
        // An over-long note is still recorded: the backend's refusal shows
        // beside it and the text stays safe in this browser.
        problem.set(None);
        room.record(EventBody::NoteAdded {
            text: t.into(),
            entry: kind.get_untracked(),
        });
        text.set(String::new());
    };
    view! {
        <form class="note-form" on:submit=submit>
            <TextArea id="room-note" label="Note" value=text name="note" rows=3
                placeholder="What you saw, did or decided (Markdown)"/>
            <div class="row">
                <SelectField id="room-note-kind" label="Kind"
                    on_change=move |v: String| {
                        if let Some(k) = NoteKind::from_wire(&v) { kind.set(k) }
                    }>
                    {NoteKind::ALL.into_iter().map(|k| view! { <option value=k.wire()>{k.label()}</option> }).collect_view()}
                </SelectField>
                <button type="submit">"Add note"</button>
            </div>
            <Outcome problem/>
        </form>
    }
}
