//! Declaring an incident: title, severity, what is happening, when impact began.
//! `?title=…&component=ID&status=…` prefill it (the upstream panel's offer):
//! the incident then starts touching that component of ours.

use crate::browser::{new_id, now_ms};
use crate::components::labels::ReadOnlyNote;
use crate::replica::use_replica;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use sitrep_core::vocabulary::{ComponentId, ComponentStatus};
use sitrep_core::time::utc;
use sitrep_core::{EventBody, IncidentId, Severity};

#[component]
pub fn Declare() -> impl IntoView {
    let replica = use_replica();
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map().get_untracked();
    let title = RwSignal::new(query.get("title").unwrap_or_default());
    let workspace = replica.workspace();
    let touches = query.get("component").filter(|c| !c.is_empty()).map(|c| {
        let status = query
            .get("status")
            .and_then(|s| ComponentStatus::from_wire(&s))
            .unwrap_or(ComponentStatus::DegradedPerformance);
        (ComponentId(c.into()), status)
    });
    let severity = RwSignal::new(Severity::Sev2);
    let summary = RwSignal::new(String::new());
    let started = RwSignal::new(utc::to_input(now_ms()));
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let prefilled = touches.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = title.get_untracked().trim().to_string();
        if t.is_empty() {
            problem.set(Some("Give the incident a title.".into()));
            return;
        }
        let Some(started_at) = utc::parse_input(&started.get_untracked()) else {
            problem.set(Some("Impact start must be a date and time (UTC).".into()));
            return;
        };
        problem.set(None);
        busy.set(true);
        let id = IncidentId(new_id().into());
        let body = EventBody::Declared {
            title: t,
            severity: severity.get_untracked(),
            summary: summary.get_untracked().trim().to_string(),
            started_at,
            detected_at: None,
        };
        let navigate = navigate.clone();
        let touches = touches.clone();
        spawn_local(async move {
            replica.record(id.clone(), body).await;
            if let Some((component, status)) = touches {
                replica
                    .record(
                        id.clone(),
                        EventBody::ComponentStatusSet { component, status },
                    )
                    .await;
            }
            navigate(&format!("/incidents/{id}"), Default::default());
        });
    };

    view! {
        <section class="page narrow">
            <h1>"Declare an incident"</h1>
            <ReadOnlyNote/>
            <form class="stack" on:submit=submit>
                <fieldset class="stack plain" disabled=move || !session.can_write()>
                <div class="field">
                    <label for="declare-title">"Title"</label>
                    <input id="declare-title" type="text" name="title" maxlength="200" required
                        placeholder="Checkout fails for EU customers"
                        prop:value=move || title.get()
                        on:input:target=move |ev| title.set(ev.target().value())/>
                </div>
                <div class="field">
                    <label for="declare-severity">"Severity"</label>
                    <select id="declare-severity" name="severity"
                        on:change:target=move |ev| {
                            if let Some(s) = Severity::from_wire(&ev.target().value()) { severity.set(s) }
                        }>
                        {Severity::ALL.into_iter().map(|s| view! {
                            <option value=s.wire() selected=move || severity.get() == s>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="declare-summary">"Summary"</label>
                    <textarea id="declare-summary" name="summary" rows="3"
                        placeholder="What customers see, what we know so far"
                        prop:value=move || summary.get()
                        on:input:target=move |ev| summary.set(ev.target().value())></textarea>
                </div>
                <div class="field">
                    <label for="declare-started">"Impact started (UTC)"</label>
                    <input id="declare-started" type="datetime-local" name="started"
                        prop:value=move || started.get()
                        on:input:target=move |ev| started.set(ev.target().value())/>
                </div>
                {prefilled.map(|(component, status)| view! {
                    <p class="hint">
                        {move || format!("Touches our component {} ({}).", workspace.with(|w| w.component_name(&component)), status.label())}
                    </p>
                })}
                {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>"Declare incident"</button>
                </fieldset>
            </form>
        </section>
    }
}
