//! The active change freeze, on every page below the header: until when
//! (in UTC and in the reader's own zone), why, and where it came from.
//!
//! The banner's code (the freeze rules and their calendar, the zone
//! rules) is a chunk of its own (`#[lazy]`, split by scripts/split-wasm.mjs,
//! precached), fetched once the local copy is read: before that there is no
//! log to hold a freeze, and the first screen paints without it.

use crate::browser::now_ms;
use crate::replica::{use_replica, Replica};
use crate::upstreams::use_upstreams;
use leptos::prelude::*;
use leptos_router::components::A;
use sitrep_core::aftermath::freeze;
use sitrep_core::aftermath::freeze::{Freeze, FreezeSource};
use sitrep_core::time::utc;
use wasm_bindgen::{JsCast, JsValue};

/// The freeze on now, from this replica's log; re-checked on every change
/// of the log and every tick of the clock.
pub fn active_freeze(replica: Replica) -> Memo<Option<Freeze>> {
    let workspace = replica.workspace();
    let incidents = replica.incidents();
    let tick = use_upstreams().now;
    Memo::new(move |_| {
        tick.track();
        // The tick may be a few seconds old; a freeze that just began counts.
        let now = now_ms();
        workspace.with(|w| {
            incidents.with(|all| freeze::active_at(&w.freeze, all.iter().map(|i| &**i), now))
        })
    })
}

/// An instant in the reader's own zone, as their browser writes dates.
pub fn local_time(ms: i64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let options = js_sys::Object::new();
    // Intl refuses `timeZoneName` beside `dateStyle`/`timeStyle`, so the
    // parts are named one by one.
    for (k, v) in [
        ("weekday", "short"),
        ("year", "numeric"),
        ("month", "short"),
        ("day", "numeric"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("timeZoneName", "short"),
    ] {
        let _ = js_sys::Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    // An engine that refuses these options still has a plain string.
    let lang = web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_else(|| "en".into());
    let styled = js_sys::Reflect::get(&date, &JsValue::from_str("toLocaleString"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call2(&date, &JsValue::from_str(&lang), &options).ok())
        .and_then(|s| s.as_string());
    styled.unwrap_or_else(|| String::from(date.to_string()))
}

#[component]
pub fn FreezeBanner() -> impl IntoView {
    let replica = use_replica();
    view! {
        <Show when=move || replica.loaded.get()>
            {Suspend::new(banner())}
        </Show>
    }
    .into_any()
}

#[lazy]
fn banner() -> AnyView {
    view! { <Banner/> }.into_any()
}

#[component]
fn Banner() -> impl IntoView {
    let active = active_freeze(use_replica());
    move || {
        active.get().map(|f| {
            let end = f.ends_at();
            let source = match &f.source {
                FreezeSource::Incident(id) => Some(view! {
                    " " <A href=format!("/incidents/{id}")>"See the incident"</A>
                }),
                FreezeSource::Manual(_) => None,
            };
            view! {
                <section class="banner freeze" aria-label="Active change freeze">
                    <p>
                        <strong>"Change freeze"</strong>
                        " until " <span data-testid="freeze-until">{utc::format(end)}</span>
                        " (" {local_time(end)} " your time). "
                        <span class="reason">{f.reason.clone()}</span>
                        {source}
                    </p>
                </section>
            }
        })
    }
}
