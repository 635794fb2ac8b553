//! A maintenance's room: its window, what customers will notice, the steps
//! (start, complete, convert into an incident) and, once it runs past its
//! end, the prompt for an overrun update. Starting during a change freeze
//! warns and asks why (logged with the start; the server refuses it without).

use crate::browser::now_ms;
use crate::components::form::{Outcome, SelectField, TextArea, TextField};
use crate::components::freeze_banner::active_freeze;
use crate::components::freeze_warning::FreezeWarning;
use crate::replica::use_replica;
use crate::room::use_room;
use crate::session::use_session;
use crate::upstreams::use_upstreams;
use leptos::prelude::*;
use sitrep_core::incident::MaintenanceState;
use sitrep_core::time::utc;
use sitrep_core::{EventBody, Severity};

/// The maintenance's state now, ticking; None once it is an incident.
fn state_now() -> Memo<Option<MaintenanceState>> {
    let room = use_room();
    let tick = use_upstreams().now;
    Memo::new(move |_| {
        tick.track();
        room.incident.with(|i| i.maintenance_state(now_ms()))
    })
}

#[component]
pub fn OverrunPrompt() -> impl IntoView {
    let room = use_room();
    let session = use_session();
    let state = state_now();
    let note = RwSignal::new(String::new());
    let new_end = RwSignal::new(utc::to_input(now_ms() + 3_600_000));
    let problem = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = note.get_untracked().trim().to_string();
        if text.is_empty() {
            problem.set(Some(
                "Say what is happening and what customers should expect.".into(),
            ));
            return;
        }
        let Some(ends_at) = utc::parse_input(&new_end.get_untracked()) else {
            problem.set(Some(
                "The new expected end must be a date and time (UTC).".into(),
            ));
            return;
        };
        if ends_at <= now_ms() {
            problem.set(Some(
                "The new expected end is in the past; pick a later time.".into(),
            ));
            return;
        }
        problem.set(None);
        note.set(String::new());
        room.record(EventBody::MaintenanceOverrun {
            note: text.into(),
            ends_at,
        });
    };
    move || {
        (state.get() == Some(MaintenanceState::Overrunning)).then(|| {
            let ends = room
                .incident
                .with_untracked(|i| i.maintenance.as_ref().map(|m| m.ends_at))
                .unwrap_or_default();
            view! {
                <section class="banner overrun" aria-label="Maintenance overrun">
                    <p>
                        <strong>"This maintenance is running past its end"</strong>
                        {format!(" ({}). Post an update: what is happening and when it should finish.", crate::reader::when(ends))}
                    </p>
                    <form class="stack" on:submit=submit>
                        <fieldset class="stack plain" disabled=move || !session.can_write()>
                            <TextArea id="overrun-note" label="Overrun update" value=note rows=2/>
                            <div class="row">
                                <TextField id="overrun-end" label="New expected end (UTC)"
                                    value=new_end kind="datetime-local"/>
                                <button type="submit" class="primary">"Log overrun update"</button>
                            </div>
                        </fieldset>
                    </form>
                    <Outcome problem/>
                </section>
            }
        })
    }
}

/// The window and the steps; shown while the stream is a maintenance.
#[component]
pub fn MaintenancePanel() -> impl IntoView {
    let room = use_room();
    let state = state_now();
    let severity = RwSignal::new(Severity::Sev2);
    let frozen = active_freeze(use_replica());
    let start_reason = RwSignal::new(String::new());
    let window = move || {
        room.incident.with(|i| {
            i.maintenance.as_ref().map(|m| {
                format!(
                    "{} to {}",
                    crate::reader::when(m.starts_at),
                    crate::reader::when(m.ends_at)
                )
            })
        })
    };
    let components = move || {
        room.workspace.with(|w| {
            room.incident.with(|i| {
                i.maintenance
                    .as_ref()
                    .map(|m| {
                        m.components
                            .iter()
                            .map(|c| w.component_name(c))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "None listed".into())
            })
        })
    };
    move || {
        state.get().map(|s| {
            view! {
                <section class="panel maintenance" aria-labelledby="maintenance-head">
                    <h2 id="maintenance-head">"Scheduled maintenance"</h2>
                    <dl class="facts-list">
                        <dt>"State"</dt><dd data-testid="maintenance-state">{s.label()}</dd>
                        <dt>"Window"</dt><dd>{window}</dd>
                        <dt>"Affected components"</dt><dd>{components}</dd>
                    </dl>
                    {move || (s == MaintenanceState::Scheduled).then(|| frozen.get()).flatten().map(|f| view! {
                        <FreezeWarning freeze=f testid="start-freeze-warning"
                            headline="A change freeze is on"
                            ask="Say why this maintenance must start now; the reason is logged."
                            reason_id="start-freeze-reason" reason_label="Why it must start during the freeze"
                            reason=start_reason/>
                    })}
                    <div class="row">
                        {(s == MaintenanceState::Scheduled).then(|| view! {
                            <button type="button" class="primary"
                                disabled=move || frozen.with(Option::is_some) && start_reason.with(|r| r.trim().is_empty())
                                title=move || frozen.with(Option::is_some).then_some("Give the reason for starting during the freeze first")
                                on:click=move |_| {
                                    let reason = start_reason.get_untracked().trim().to_string();
                                    let freeze_reason = frozen.with_untracked(Option::is_some).then_some(reason).filter(|r| !r.is_empty());
                                    room.record(EventBody::MaintenanceStarted { freeze_reason })
                                }>
                                "Start maintenance"
                            </button>
                        })}
                        {(s != MaintenanceState::Completed).then(|| view! {
                            <button type="button"
                                on:click=move |_| room.record(EventBody::MaintenanceCompleted {})>
                                "Complete maintenance"
                            </button>
                        })}
                    </div>
                    <form class="row" aria-label="Convert into an incident" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        room.record(EventBody::MaintenanceConverted { severity: severity.get_untracked() });
                    }>
                        <SelectField id="convert-severity" label="Severity"
                            on_change=move |v: String| {
                                if let Some(s) = Severity::from_wire(&v) { severity.set(s) }
                            }>
                            {Severity::ALL.into_iter().map(|s| view! {
                                <option value=s.wire() selected=move || severity.get() == s>{s.label()}</option>
                            }).collect_view()}
                        </SelectField>
                        <button type="submit" class="danger">"Convert into an incident"</button>
                    </form>
                    <p class="hint">"Convert when the work causes impact nobody planned: the log stays, and it becomes an incident."</p>
                </section>
            }
        })
    }
}
