//! `/i/42`: an incident by its short number (`INC-42`). Opens the room when
//! this console knows the incident; otherwise says plainly that there is
//! no such incident (yet), never a blank page.

use crate::replica::use_replica;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;
use sitrep_core::incident::number;

#[component]
pub fn ByNumber() -> impl IntoView {
    let replica = use_replica();
    let params = use_params_map();
    let typed = Memo::new(move |_| params.with(|p| p.get("number").unwrap_or_default()));
    let wanted = Memo::new(move |_| typed.with(|t| number::parse(t)));
    let incidents = replica.incidents();
    let found = Memo::new(move |_| {
        let n = wanted.get()?;
        incidents.with(|list| number::find(list.iter().map(|i| &**i), n).map(|i| i.id.clone()))
    });
    let navigate = StoredValue::new_local(use_navigate());
    // The address stays the room's own, so back does not bounce here.
    Effect::new(move |_| {
        if let Some(id) = found.get() {
            let to = format!("/incidents/{id}");
            navigate.with_value(|n| {
                n(
                    &to,
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                )
            });
        }
    });
    let heading = move || match wanted.get() {
        Some(n) => format!("No incident {}", number::label(n)),
        None => format!("“{}” is not an incident number", typed.get()),
    };
    view! {
        <section class="page by-number">
            <Show
                when=move || replica.loaded.get() && found.with(Option::is_none)
                fallback=|| view! { <p class="empty">"Reading the local copy…"</p> }
            >
                <h1>{heading}</h1>
                <p class="empty">
                    {move || if wanted.with(Option::is_some) {
                        "This console knows no incident with that number. If it was declared \
                         moments ago elsewhere, it appears here as soon as the backend sends it."
                    } else {
                        "Incident numbers look like INC-42; the address is /i/42."
                    }}
                    " " <A href="/">"Back to incidents"</A>
                </p>
            </Show>
        </section>
    }
}
