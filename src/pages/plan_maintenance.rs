//! Planning a maintenance window: title, start and end (UTC), the affected
//! components and what customers will notice. It opens its own stream,
//! listed with the incidents and marked as maintenance. A window that falls
//! in a change freeze is warned about and needs a reason, which is logged
//! (core's `maintenance_freeze`; the server refuses it without one).

use crate::browser::{new_id, now_ms};
use crate::components::form::{CheckField, Outcome, TextArea, TextField};
use crate::components::freeze_warning::FreezeWarning;
use crate::components::labels::ReadOnlyNote;
use crate::replica::use_replica;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use sitrep_core::aftermath::maintenance_freeze;
use sitrep_core::log::limits;
use sitrep_core::time::utc;
use sitrep_core::{ComponentId, Event, EventBody, EventId, IncidentId};
use std::collections::BTreeSet;

#[component]
pub fn PlanMaintenance() -> impl IntoView {
    let replica = use_replica();
    let session = use_session();
    let navigate = use_navigate();
    let workspace = replica.workspace();
    let title = RwSignal::new(String::new());
    let starts = RwSignal::new(utc::to_input(now_ms() + 24 * 3_600_000));
    let ends = RwSignal::new(utc::to_input(now_ms() + 25 * 3_600_000));
    let notice = RwSignal::new(String::new());
    let chosen = RwSignal::new(BTreeSet::<ComponentId>::new());
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let freeze_reason = RwSignal::new(String::new());
    let incidents = replica.incidents();
    // The freeze the window as typed falls in, re-read as the times change.
    let freeze_met = Memo::new(move |_| {
        let (Some(starts_at), Some(ends_at)) = (
            utc::parse_input(&starts.get()),
            utc::parse_input(&ends.get()),
        ) else {
            return None;
        };
        let probe = window_probe(starts_at, ends_at);
        workspace.with(|w| {
            incidents.with(|all| {
                maintenance_freeze::freeze_met(
                    &w.freeze,
                    all.iter().map(|i| &**i),
                    &probe,
                    now_ms(),
                )
            })
        })
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(starts_at), Some(ends_at)) = (
            utc::parse_input(&starts.get_untracked()),
            utc::parse_input(&ends.get_untracked()),
        ) else {
            problem.set(Some("Start and end must be dates and times (UTC).".into()));
            return;
        };
        let id = IncidentId(new_id().into());
        let body = EventBody::MaintenancePlanned {
            title: title.get_untracked().trim().to_string(),
            starts_at,
            ends_at,
            components: chosen.get_untracked().into_iter().collect(),
            customer_notice: notice.get_untracked().trim().to_string(),
            freeze_reason: Some(freeze_reason.get_untracked().trim().to_string())
                .filter(|r| !r.is_empty()),
        };
        if let Some(f) = freeze_met.get_untracked() {
            if maintenance_freeze::reason_given(&body).is_none() {
                problem.set(Some(format!(
                    "This window falls in the change freeze until {}: say why it must go ahead.",
                    crate::reader::when(f.ends_at())
                )));
                return;
            }
        }
        let probe = Event {
            id: EventId("probe".into()),
            incident: id.clone(),
            author: "plan".into(),
            at: 0,
            body: body.clone(),
            seq: None,
            received_at: None,
            clock_offset: None,
            number: None,
        };
        if let Err(why) = limits::check(&probe) {
            problem.set(Some(format!("Cannot plan this: {why}.")));
            return;
        }
        problem.set(None);
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            replica.record(id.clone(), body).await;
            navigate(&format!("/incidents/{id}"), Default::default());
        });
    };

    let components = move || {
        workspace.with(|w| {
            w.catalogue()
                .into_iter()
                .map(|c| (c.id.clone(), w.component_name(&c.id)))
                .collect::<Vec<_>>()
        })
    };

    view! {
        <section class="page narrow">
            <h1>"Plan maintenance"</h1>
            <ReadOnlyNote/>
            <form class="stack" on:submit=submit>
                <fieldset class="stack plain" disabled=move || !session.can_write()>
                <TextField id="maint-title" label="Title" value=title maxlength=200 required=true
                    placeholder="Database upgrade"/>
                <div class="row">
                    <TextField id="maint-start" label="Starts (UTC)" value=starts
                        kind="datetime-local"/>
                    <TextField id="maint-end" label="Ends (UTC)" value=ends kind="datetime-local"/>
                </div>
                <fieldset class="stack">
                    <legend>"Affected components"</legend>
                    {move || {
                        let list = components();
                        if list.is_empty() {
                            view! { <p class="hint">"No components in the catalogue yet (Settings)."</p> }.into_any()
                        } else {
                            list.into_iter().enumerate().map(|(n, (id, name))| {
                                let input_id = format!("maint-component-{n}");
                                let toggle = id.clone();
                                let checked = id.clone();
                                view! {
                                    <CheckField id=input_id label=name
                                        checked=Signal::derive(move || chosen.with(|c| c.contains(&checked)))
                                        on_change=move |on| chosen.update(|c| { if on { c.insert(toggle.clone()); } else { c.remove(&toggle); } })/>
                                }
                            }).collect_view().into_any()
                        }
                    }}
                </fieldset>
                <TextArea id="maint-notice" label="What customers will notice" value=notice rows=3
                    placeholder="Checkout may be slow for up to ten minutes"/>
                {move || freeze_met.get().map(|f| view! {
                    <FreezeWarning freeze=f testid="maint-freeze-warning"
                        headline="This window falls in a change freeze"
                        ask="Say why it must go ahead; the reason is logged."
                        reason_id="maint-freeze-reason" reason_label="Why it must go ahead during the freeze"
                        reason=freeze_reason placeholder="Security patch that cannot wait"/>
                })}
                <Outcome problem/>
                <button type="submit" class="primary" disabled=move || busy.get()>"Plan maintenance"</button>
                </fieldset>
            </form>
        </section>
    }
}

/// A plan with only its window, for asking which freeze the window meets.
fn window_probe(starts_at: i64, ends_at: i64) -> EventBody {
    EventBody::MaintenancePlanned {
        title: String::new(),
        starts_at,
        ends_at,
        components: Vec::new(),
        customer_notice: String::new(),
        freeze_reason: None,
    }
}
