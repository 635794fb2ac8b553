//! Settings every console shares: the component catalogue, custom roles,
//! the severity policy and the comms desk's policy and templates. Each change is an event on the workspace stream.

mod catalogue;
mod comms_policy;
mod roles;
mod severity;
mod templates;

use leptos::prelude::*;
use sitrep_core::{limits, Event, EventBody, EventId, IncidentId};

#[component]
pub fn Settings() -> impl IntoView {
    view! {
        <section class="page settings">
            <h1>"Settings"</h1>
            <p class="hint">"Shared by every console: changes reach the others as soon as they are delivered."</p>
            <catalogue::Catalogue/>
            <roles::Roles/>
            <severity::SeverityPolicy/>
            <templates::CommsSettings/>
        </section>
    }
}

/// What the backend would refuse about this settings event, as a sentence
/// for the form, so nothing is recorded that cannot be delivered.
fn problem_with(body: &EventBody) -> Option<String> {
    let probe = Event {
        id: EventId("probe".into()),
        incident: IncidentId::workspace(),
        author: "settings".into(),
        at: 0,
        body: body.clone(),
        seq: None,
        received_at: None,
        clock_offset: None,
    };
    limits::check(&probe).err().map(|reason| {
        let mut chars = reason.chars();
        let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
        format!("{}{}.", first.unwrap_or_default(), chars.as_str())
    })
}

/// A form's outcome line: a problem (an alert) or what was just saved.
#[component]
fn Outcome(problem: RwSignal<Option<String>>, saved: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        {move || saved.get().map(|s| view! { <p class="saved" role="status">{s}</p> })}
    }
}
