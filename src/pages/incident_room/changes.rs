//! Mitigation changes, one at a time: start a change, record its outcome,
//! and a warning before a second change starts while one has no outcome.

use crate::room::use_room;
use leptos::prelude::*;
use sitrep_core::incident::Change;
use sitrep_core::time::utc;
use sitrep_core::{EventBody, Outcome};

#[component]
pub fn ChangesPanel() -> impl IntoView {
    let room = use_room();
    let in_flight = Memo::new(move |_| {
        room.incident
            .with(|i| i.changes_in_flight().cloned().collect::<Vec<_>>())
    });
    let what = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<&'static str>);
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let w = what.get_untracked().trim().to_string();
        if w.is_empty() {
            problem.set(Some("Say what you are changing."));
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
                <div class="field">
                    <label for="change-what">"Change"</label>
                    <input id="change-what" type="text" maxlength="4000" placeholder="Roll back deploy 41 on eu-west"
                        prop:value=move || what.get()
                        on:input:target=move |ev| what.set(ev.target().value())/>
                </div>
                {move || in_flight.with(|c| c.first().map(|c| view! {
                    <p class="warning" role="alert">
                        {format!("“{}” has no outcome yet. Starting another change now makes it hard to tell which one helped.", c.what)}
                    </p>
                }))}
                <button type="submit">{move || if in_flight.with(Vec::is_empty) { "Start change" } else { "Start change anyway" }}</button>
            </form>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        </section>
    }
}

#[component]
fn ChangeInFlight(change: Change) -> impl IntoView {
    let room = use_room();
    let outcome = RwSignal::new(Outcome::Helped);
    let note = RwSignal::new(String::new());
    let id = change.id.clone();
    let select_id = format!("outcome-{}", change.id);
    let note_id = format!("outcome-note-{}", change.id);
    let record = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        room.record(EventBody::ChangeOutcome {
            change: id.clone(),
            outcome: outcome.get_untracked(),
            note: note.get_untracked().trim().to_string(),
        });
    };
    view! {
        <li class="change">
            <p>
                <strong>{change.what.clone()}</strong>
                " — started " {utc::format_time(change.at)} " by " {change.by.to_string()}
                {change.overlapped.then_some(" (started while another change had no outcome)")}
            </p>
            <form class="inline-form" on:submit=record>
                <div class="field">
                    <label for=select_id.clone()>{format!("Outcome of {}", change.what)}</label>
                    <select id=select_id on:change:target=move |ev| {
                        if let Some(o) = Outcome::from_wire(&ev.target().value()) { outcome.set(o) }
                    }>
                        {Outcome::ALL.into_iter().map(|o| view! { <option value=o.wire()>{o.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=note_id.clone()>"What you saw"</label>
                    <input id=note_id type="text" maxlength="4000"
                        on:input:target=move |ev| note.set(ev.target().value())/>
                </div>
                <button type="submit">"Record outcome"</button>
            </form>
        </li>
    }
}
