//! The Sitrep console: a Leptos app that renders the incident log from
//! IndexedDB first and keeps it in step with a coordination backend.

pub mod api;
pub mod browser;
pub mod components;
pub mod idb;
pub mod list_summary;
pub mod live_feed;
pub mod notices;
pub mod now;
pub mod outbox;
pub mod pages;
pub mod presence;
pub mod reader;
pub mod replica;
pub mod room;
pub mod routes;
pub mod session;
pub mod shortcuts;
pub mod tabs;
pub mod upstreams;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;
use leptos_router::Lazy;

#[component]
pub fn App() -> impl IntoView {
    let replica = replica::provide_replica_context();
    let upstreams = upstreams::provide_upstreams_context();
    let session = session::provide_session_context(session::SessionHooks {
        signed_in: Callback::new(move |name| {
            replica.signed_in(name);
            replica.boot();
            upstreams.start(replica);
        }),
        signed_out: Callback::new(move |()| replica.signed_out.set(true)),
    });
    list_summary::keep(replica);
    shortcuts::provide_shortcuts_context();
    now::provide_now_context();
    // Nobody has signed in in this browser: there is nothing to show yet.
    // Once someone has, the console works on that session even offline.
    let signed_in = move || session.me.with(Option::is_some);
    // After the first screen: every page's code, so none needs the network.
    // Only once the local copy is read and shown: fetching and compiling a
    // hundred chunks meanwhile would delay the list an offline start shows.
    // And not during a catch-up: a fresh browser's catch-up is when the
    // list is painted and events pour in, and the preload's fetches block
    // the page in tasks of 50 ms and more (Lighthouse's total blocking
    // time). Offline there is no catch-up to wait for. A catch-up that does
    // not end (a backend still unreachable, a stream that opens and stalls)
    // holds the preload back 15 s at most. (Not "while Connecting or
    // Online": before its first attempt the engine says Reconnecting.)
    let preloading = StoredValue::new(false);
    let bounded = StoredValue::new(false);
    let preload = move || {
        if !preloading.get_value() {
            preloading.set_value(true);
            request_animation_frame(move || set_timeout(routes::preload_pages, Default::default()));
        }
    };
    Effect::new(move |_| {
        use sitrep_core::log::sync::Status;
        let catching_up = !replica.caught_up.get() && replica.status.get() != Status::Offline;
        if !replica.loaded.get() {
            return;
        }
        if !catching_up {
            preload();
        } else if !bounded.get_value() {
            bounded.set_value(true);
            set_timeout(preload, std::time::Duration::from_secs(15));
        }
    });
    view! {
        <Router>
            <Show when=signed_in fallback=components::sign_in::SignInPage>
                <components::header::Header/>
                <components::freeze_banner::FreezeBanner/>
                <main id="main">
                    <Routes fallback=|| view! { <p class="empty">"No page here. "<A href="/">"Back to incidents"</A></p> }>
                        <Route path=path!("/") view=pages::incident_list::IncidentList/>
                        <Route path=path!("/new") view={Lazy::<routes::DeclareRoute>::new()}/>
                        <Route path=path!("/maintenance/new") view={Lazy::<routes::PlanMaintenanceRoute>::new()}/>
                        <Route path=path!("/incidents/:id") view={Lazy::<routes::RoomRoute>::new()}/>
                        <Route path=path!("/i/:number") view={Lazy::<routes::ByNumberRoute>::new()}/>
                        <Route path=path!("/incidents/:id/postmortem") view={Lazy::<routes::PostmortemRoute>::new()}/>
                        <Route path=path!("/metrics") view={Lazy::<routes::MetricsRoute>::new()}/>
                        <Route path=path!("/incidents/:id/comms") view={Lazy::<routes::CommsRoute>::new()}/>
                        <Route path=path!("/settings") view={Lazy::<routes::SettingsRoute>::new()}/>
                        <Route path=path!("/upstreams") view={Lazy::<routes::UpstreamsRoute>::new()}/>
                        <Route path=path!("/alerts") view={Lazy::<routes::AlertsRoute>::new()}/>
                        <Route path=path!("/admin/accounts") view={Lazy::<routes::AdminAccountsRoute>::new()}/>
                        <Route path=path!("/admin/tokens") view={Lazy::<routes::AdminTokensRoute>::new()}/>
                        <Route path=path!("/admin/audit") view={Lazy::<routes::AdminAuditRoute>::new()}/>
                        <Route path=path!("/admin/hooks") view={Lazy::<routes::AdminHooksRoute>::new()}/>
                    </Routes>
                </main>
                <components::shortcut_layer::ShortcutLayer/>
                <notices::Notifier/>
            </Show>
        </Router>
    }
}
