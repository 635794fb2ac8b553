//! The incident timeline: every entry in log order, each marked delivered,
//! not yet delivered, or refused with the backend's reason.

use crate::replica::use_replica;
use leptos::prelude::*;
use sitrep_core::{utc, Entry, EntryWhat};

#[component]
pub fn Timeline(#[prop(into)] entries: Signal<Vec<Entry>>) -> impl IntoView {
    view! {
        <ol class="timeline" aria-label="Timeline">
            <For
                each=move || entries.get()
                key=|e| (e.event.clone(), e.seq)
                let:entry
            >
                <TimelineEntry entry/>
            </For>
        </ol>
    }
}

#[component]
fn TimelineEntry(entry: Entry) -> impl IntoView {
    let replica = use_replica();
    let id = entry.event.clone();
    let refused = move || replica.refusal(&id);
    let delivered = entry.seq.is_some();
    let delivery = move || match (delivered, refused()) {
        (true, _) => view! { <span class="delivery ok">"delivered"</span> }.into_any(),
        (false, None) => {
            view! { <span class="delivery pending">"not yet delivered"</span> }.into_any()
        }
        (false, Some(why)) => view! {
            <span class="delivery refused" role="alert">"refused by the backend: " {why}</span>
        }
        .into_any(),
    };
    let (kind, text) = describe(&entry.what);
    view! {
        <li class=format!("entry {kind}") data-event=entry.event.0.clone()>
            <time class="when" title=utc::format(entry.at)>{utc::format_time(entry.at)}</time>
            <span class="who">{entry.author.clone()}</span>
            // Text from people is rendered as text, never as HTML.
            <div class="what">{text}</div>
            {delivery}
        </li>
    }
}

fn describe(what: &EntryWhat) -> (&'static str, String) {
    match what {
        EntryWhat::Declared { title, severity } => (
            "declared",
            format!("Declared {} · {}", severity.label(), title),
        ),
        EntryWhat::Status { from, to } => (
            "status",
            format!("Status {} → {}", from.label(), to.label()),
        ),
        EntryWhat::Severity { from, to } => (
            "severity",
            format!("Severity {} → {}", from.label(), to.label()),
        ),
        EntryWhat::Note { text, .. } => ("note", text.to_string()),
        _ => ("other", String::new()),
    }
}
