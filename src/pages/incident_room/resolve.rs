//! Resolving, guided: picking "Resolved" opens this panel instead of
//! recording at once. It says what still argues against it (components not
//! operational, open tasks, no resolving customer update published; core's
//! `incident::resolution`) and asks for the resolution note, which is
//! recorded before the status.

use crate::components::form::{Outcome, TextArea};
use crate::room::use_room;
use leptos::prelude::*;
use sitrep_core::incident::resolution;

#[component]
pub fn ResolvePanel(resolving: RwSignal<bool>) -> impl IntoView {
    let room = use_room();
    let note = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let warnings = Memo::new(move |_| {
        room.workspace
            .with(|w| room.incident.with(|i| resolution::warnings(i, w)))
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match resolution::events(&note.get_untracked()) {
            Err(why) => problem.set(Some(why)),
            Ok(events) => {
                problem.set(None);
                for body in events {
                    room.record(body);
                }
                note.set(String::new());
                resolving.set(false);
            }
        }
    };
    view! {
        <Show when=move || resolving.get()>
            <form class="panel stack resolve" aria-label="Resolve the incident" on:submit=submit>
                <h2>"Resolve the incident"</h2>
                {move || {
                    let list = warnings.get();
                    (!list.is_empty()).then(|| view! {
                        <div class="warning" role="status">
                            <p><strong>"Before you resolve:"</strong></p>
                            <ul aria-label="Before you resolve">
                                {list.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                            </ul>
                        </div>
                    })
                }}
                <TextArea id="resolution-note" label="Resolution note" value=note rows=3
                    placeholder="What ended the impact, and what is left to watch"/>
                <Outcome problem/>
                <div class="row">
                    <button type="submit" class="primary">"Resolve incident"</button>
                    <button type="button" on:click=move |_| {
                        problem.set(None);
                        resolving.set(false);
                    }>"Cancel"</button>
                </div>
            </form>
        </Show>
    }
}
