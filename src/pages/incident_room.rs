//! The incident room: where things stand, the timeline, and the controls
//! to add a note or change status and severity.

use crate::components::labels::{SeverityBadge, StatusBadge};
use crate::components::timeline::Timeline;
use crate::replica::use_replica;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use sitrep_core::{utc, EventBody, Incident, IncidentId, Severity, Status};

#[component]
pub fn IncidentRoom() -> impl IntoView {
    let replica = use_replica();
    let params = use_params_map();
    let id =
        Memo::new(move |_| IncidentId(params.with(|p| p.get("id").unwrap_or_default()).into()));
    let incident = replica.incident(id);

    view! {
        <section class="page room">
            <Show
                when=move || incident.with(Option::is_some)
                fallback=move || view! {
                    <p class="empty">
                        {move || if replica.loaded.get() {
                            "No incident with this id here yet. It appears as soon as the backend sends it."
                        } else {
                            "Reading the local copy…"
                        }}
                        " " <A href="/">"Back to incidents"</A>
                    </p>
                }
            >
                <RoomBody incident=Signal::derive(move || incident.get().unwrap_or_else(|| Incident::new(id.get())))/>
            </Show>
        </section>
    }
}

#[component]
fn RoomBody(#[prop(into)] incident: Signal<Incident>) -> impl IntoView {
    let replica = use_replica();
    let record = move |body: EventBody| {
        let id = incident.with_untracked(|i| i.id.clone());
        spawn_local(async move {
            replica.record(id, body).await;
        });
    };
    let entries = Signal::derive(move || incident.with(|i| i.timeline.clone()));

    view! {
        <div class="room-head">
            <h1>{move || incident.with(|i| i.title.clone())}</h1>
            <div class="facts">
                {move || view! { <SeverityBadge severity=incident.with(|i| i.severity)/> }}
                {move || view! { <StatusBadge status=incident.with(|i| i.status)/> }}
                <span>"Impact since " {move || utc::format(incident.with(|i| i.started_at))}</span>
                <span>"Declared " {move || incident.with(|i| format!("{} by {}", utc::format(i.declared_at), i.declared_by))}</span>
            </div>
            <p class="summary">{move || incident.with(|i| i.summary.clone())}</p>
        </div>
        <div class="controls">
            <div class="field">
                <label for="room-status">"Status"</label>
                <select id="room-status" on:change:target=move |ev| {
                    if let Some(status) = Status::from_wire(&ev.target().value()) {
                        if status != incident.with_untracked(|i| i.status) {
                            record(EventBody::StatusChanged { status });
                        }
                    }
                }>
                    {Status::ALL.into_iter().map(|s| view! {
                        <option value=s.wire() selected=move || incident.with(|i| i.status) == s>{s.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="room-severity">"Severity"</label>
                <select id="room-severity" on:change:target=move |ev| {
                    if let Some(severity) = Severity::from_wire(&ev.target().value()) {
                        if severity != incident.with_untracked(|i| i.severity) {
                            record(EventBody::SeverityChanged { severity });
                        }
                    }
                }>
                    {Severity::ALL.into_iter().map(|s| view! {
                        <option value=s.wire() selected=move || incident.with(|i| i.severity) == s>{s.label()}</option>
                    }).collect_view()}
                </select>
            </div>
        </div>
        <NoteForm on_note=move |text: String| record(EventBody::note(text))/>
        <h2>"Timeline"</h2>
        <Timeline entries/>
    }
}

#[component]
fn NoteForm(#[prop(into)] on_note: Callback<String>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<&'static str>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = text.get_untracked();
        if t.trim().is_empty() {
            problem.set(Some("Write something first."));
            return;
        }
        problem.set(None);
        on_note.run(t);
        text.set(String::new());
    };
    view! {
        <form class="note-form" on:submit=submit>
            <div class="field">
                <label for="room-note">"Note"</label>
                <textarea id="room-note" name="note" rows="3" placeholder="What you saw, did or decided"
                    prop:value=move || text.get()
                    on:input:target=move |ev| text.set(ev.target().value())></textarea>
            </div>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
            <button type="submit">"Add note"</button>
        </form>
    }
}
