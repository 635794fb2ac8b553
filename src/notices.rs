//! Browser notifications: core's `notify` decides which events are news to
//! the reader; `watch` runs it over the log and shows each notice once
//! through the service worker's registration, so it reaches a background
//! tab and the installed app; `choices` keeps what the reader chose
//! (localStorage, per account) and asks the browser's permission when they
//! turn notifications on in Settings, never on its own. A click is handled
//! by `public/sw.js`, which focuses the console on the incident.
//!
//! Only this file is in the first screen's wasm: the rest is fetched after
//! the start (`#[lazy]`, split by scripts/split-wasm.mjs, precached).

pub mod choices;
mod watch;

use leptos::prelude::*;

/// Tells the watcher that the reader changed their choices in this tab
/// (another tab's change arrives as a `storage` event).
#[derive(Clone, Copy)]
pub struct Notices {
    pub changed: RwSignal<u64>,
}

impl Notices {
    pub fn bump(self) {
        self.changed.update(|n| *n += 1);
    }
}

pub fn use_notices() -> Option<Notices> {
    use_context::<Notices>()
}

/// Runs the notification rules in this tab; renders nothing. Mount once,
/// inside the router, for a signed-in reader.
#[component]
pub fn Notifier() -> impl IntoView {
    let changed = RwSignal::new(0);
    provide_context(Notices { changed });
    view! { {Suspend::new(watcher())} }.into_any()
}

#[lazy]
fn watcher() -> AnyView {
    view! { <watch::Watch/> }.into_any()
}
