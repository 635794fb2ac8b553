//! Declaring an incident: title, severity, what is happening, when impact began.
//! `?title=…&summary=…&component=ID&status=…` prefill it (the upstream panel's offer):
//! the incident then starts touching that component of ours.

use crate::browser::{new_id, now_ms};
use crate::components::form::{Outcome, SelectField, TextArea, TextField};
use crate::components::labels::ReadOnlyNote;
use crate::replica::use_replica;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use sitrep_core::time::utc;
use sitrep_core::vocabulary::{ComponentId, ComponentStatus};
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
    let summary = RwSignal::new(query.get("summary").unwrap_or_default());
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
                <TextField id="declare-title" label="Title" value=title name="title" maxlength=200
                    required=true placeholder="Checkout fails for EU customers"/>
                <SelectField id="declare-severity" label="Severity" name="severity"
                    on_change=move |v: String| {
                        if let Some(s) = Severity::from_wire(&v) { severity.set(s) }
                    }>
                    {Severity::ALL.into_iter().map(|s| view! {
                        <option value=s.wire() selected=move || severity.get() == s>{s.label()}</option>
                    }).collect_view()}
                </SelectField>
                <TextArea id="declare-summary" label="Summary" value=summary name="summary" rows=3
                    placeholder="What customers see, what we know so far"/>
                <TextField id="declare-started" label="Impact started (UTC)" value=started
                    kind="datetime-local" name="started"/>
                {prefilled.map(|(component, status)| view! {
                    <p class="hint">
                        {move || format!("Touches our component {} ({}).", workspace.with(|w| w.component_name(&component)), status.label())}
                    </p>
                })}
                <Outcome problem/>
                <button type="submit" class="primary" disabled=move || busy.get()>"Declare incident"</button>
                </fieldset>
            </form>
        </section>
    }
}
