//! Mitigation changes, one at a time: start a change, record its outcome,
//! and a warning before a second change starts while one has no outcome.

use crate::components::form::{Outcome as OutcomeLine, SelectField, TextField};
use crate::reader::when;
use crate::room::use_room;
use leptos::prelude::*;
use sitrep_core::incident::Change;
use sitrep_core::{EventBody, Outcome};

#[component]
pub fn ChangesPanel() -> impl IntoView {
    let room = use_room();
    let in_flight = Memo::new(move |_| {
        room.incident
            .with(|i| i.changes_in_flight().cloned().collect::<Vec<_>>())
    });
    let what = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let w = what.get_untracked().trim().to_string();
        if w.is_empty() {
            problem.set(Some("Say what you are changing.".into()));
            return;
        }
        problem.set(None);
        room.record(EventBody::ChangeStarted { what: w });
        what.set(String::new());
    };
    view! {
        <section class="panel" aria-labelledby="changes-heading">
            <h2 id="changes-heading">"Changes"</h2>
            {move || {
                let n = in_flight.with(Vec::len);
                (n > 1).then(|| view! {
                    <p class="warning" role="alert">{format!("{n} changes in flight without an outcome: their effects are hard to tell apart.")}</p>
                })
            }}
            <ul class="changes" aria-label="Changes in flight">
                <For each=move || in_flight.get() key=|c| c.id.clone() let:change>
                    <ChangeInFlight change/>
                </For>
            </ul>
            <form class="stack-form" on:submit=start>
                <TextField id="change-what" label="Change" value=what maxlength=4000
                    placeholder="Roll back deploy 41 on eu-west"/>
                {move || in_flight.with(|c| c.first().map(|c| view! {
                    <p class="warning" role="alert">
                        {format!("“{}” has no outcome yet. Starting another change now makes it hard to tell which one helped.", c.what)}
                    </p>
                }))}
                <button type="submit">{move || if in_flight.with(Vec::is_empty) { "Start change" } else { "Start change anyway" }}</button>
            </form>
            <OutcomeLine problem/>
        </section>
    }
}

#[component]
fn ChangeInFlight(change: Change) -> impl IntoView {
    let room = use_room();
    // No outcome is assumed: a default would record "Helped" for whoever
    // only meant to add what they saw.
    let outcome = RwSignal::new(None::<Outcome>);
    let note = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let id = change.id.clone();
    let select_id = format!("outcome-{}", change.id);
    let note_id = format!("outcome-note-{}", change.id);
    let record = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(picked) = outcome.get_untracked() else {
            problem.set(Some("Choose an outcome first.".into()));
            return;
        };
        problem.set(None);
        room.record(EventBody::ChangeOutcome {
            change: id.clone(),
            outcome: picked,
            note: note.get_untracked().trim().to_string(),
        });
    };
    view! {
        <li class="change">
            <p>
                <strong>{change.what.clone()}</strong>
                " — started " {when(change.at)} " by " {change.by.to_string()}
                {change.overlapped.then_some(" (started while another change had no outcome)")}
            </p>
            <form class="inline-form" on:submit=record>
                <SelectField id=select_id label=format!("Outcome of {}", change.what)
                    on_change=move |v: String| outcome.set(Outcome::from_wire(&v))>
                    <option value="" selected>"Choose…"</option>
                    {Outcome::ALL.into_iter().map(|o| view! { <option value=o.wire()>{o.label()}</option> }).collect_view()}
                </SelectField>
                <TextField id=note_id label="What you saw" value=note maxlength=4000/>
                <button type="submit">"Record outcome"</button>
            </form>
            <OutcomeLine problem/>
        </li>
    }
}
