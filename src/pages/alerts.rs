//! The alert inbox (`/alerts`): firing alert groups nobody has handled,
//! live from the log's alerts stream (core's `AlertBook`), each with its
//! labels and how long it has been firing, and the three ways out:
//! declare an incident from it (proposed by the routing rules), attach it
//! to an open incident, or dismiss it with a reason. Below, the firing
//! groups someone already handled.

mod group;
mod triage;

use crate::components::labels::ReadOnlyNote;
use crate::replica::use_replica;
use leptos::prelude::*;
use leptos_router::components::A;
use sitrep_core::alerts::book::{AlertBook, Group, Triage};
use sitrep_core::IncidentId;
use std::sync::Arc;

/// The inbox, shared by the page's parts.
#[derive(Clone, Copy)]
struct Inbox {
    book: Memo<Arc<AlertBook>>,
}

#[component]
pub fn AlertInbox() -> impl IntoView {
    let replica = use_replica();
    // Folded again only when the alerts stream changed (its revision).
    let revision = Memo::new(move |_| {
        replica.with_log(|l| l.stream(&IncidentId::alerts()).map_or(0, |s| s.revision()))
    });
    let book = Memo::new(move |_| {
        revision.track();
        let book = replica.with_log(|l| AlertBook::of(l.stream_events(&IncidentId::alerts())));
        Arc::new(book)
    });
    provide_context(Inbox { book });
    let open = Memo::new(move |_| {
        book.with(|b| {
            b.inbox()
                .into_iter()
                .map(|g| g.id.clone())
                .collect::<Vec<_>>()
        })
    });
    let handled = Memo::new(move |_| {
        book.with(|b| {
            b.handled()
                .into_iter()
                .map(|g| g.id.clone())
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="page alerts">
            <h1>"Alert inbox"</h1>
            <p class="hint">"Firing alert groups from Alertmanager, Grafana and the API that nobody has handled yet. "
                "Routing rules in "<A href="/settings">"Settings"</A>" propose what an incident from a group starts with."</p>
            <ReadOnlyNote/>
            <section aria-labelledby="inbox-open">
                <h2 id="inbox-open">{move || format!("Waiting ({})", open.with(Vec::len))}</h2>
                <Show when=move || open.with(Vec::is_empty)>
                    <p class="empty">"Nothing is waiting: no alert group fires that nobody has handled."</p>
                </Show>
                <ul class="alert-groups" aria-label="Waiting alert groups">
                    <For each=move || open.get() key=|id| id.clone() let:id>
                        <group::GroupCard id/>
                    </For>
                </ul>
            </section>
            <section aria-labelledby="inbox-handled">
                <h2 id="inbox-handled">"Handled, still firing"</h2>
                <Show when=move || handled.with(Vec::is_empty)>
                    <p class="empty">"None."</p>
                </Show>
                <ul class="alert-groups handled" aria-label="Handled alert groups">
                    <For each=move || handled.get() key=|id| id.clone() let:id>
                        <HandledGroup id/>
                    </For>
                </ul>
            </section>
        </section>
    }
}

/// One group as the book holds it now, tracked.
fn group_now(id: &str) -> Option<Group> {
    let inbox = expect_context::<Inbox>();
    inbox.book.with(|b| b.group(id).cloned())
}

#[component]
fn HandledGroup(id: String) -> impl IntoView {
    let replica = use_replica();
    let incidents = replica.incidents();
    let gid = id.clone();
    view! {
        {move || group_now(&gid).map(|g| {
            let title = g.title();
            let what = match &g.triage {
                Triage::Attached { incident, by, .. } => {
                    let name = incidents.with(|list| {
                        list.iter().find(|i| &i.id == incident).map(|i| i.title.clone())
                    }).unwrap_or_else(|| incident.to_string());
                    view! {
                        <span>"Attached by "{by.to_string()}" to "
                            <A href=format!("/incidents/{incident}")>{name}</A></span>
                    }.into_any()
                }
                Triage::Dismissed { reason, by, .. } => view! {
                    <span>{format!("Dismissed by {by}: {reason}")}</span>
                }.into_any(),
                Triage::Open => ().into_any(),
            };
            let label = title.clone();
            view! {
                <li class="alert-group" aria-label=label>
                    <h3>{title}</h3>
                    <p>{format!("{} firing · ", g.firing())}{what}</p>
                </li>
            }
        })}
    }
}
