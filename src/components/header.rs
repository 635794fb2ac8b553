//! The app bar: navigation, who you are, the connection, and how many edits
//! have not reached the backend yet.

use crate::replica::{use_replica, Connection};
use leptos::prelude::*;
use leptos_router::components::A;
use sitrep_core::utc;

#[component]
pub fn Header() -> impl IntoView {
    let replica = use_replica();
    let pending = replica.pending_count();
    let connection = move || match replica.connection.get() {
        Connection::Online => "Online",
        Connection::Connecting => "Connecting…",
        Connection::Offline => "Offline: edits are kept here and sent when the backend is back",
    };
    let connection_class = move || match replica.connection.get() {
        Connection::Online => "conn online",
        Connection::Connecting => "conn connecting",
        Connection::Offline => "conn offline",
    };
    view! {
        <header class="app-bar">
            <A href="/" attr:class="brand">"Sitrep"</A>
            <nav aria-label="Main">
                <A href="/">"Incidents"</A>
                <A href="/new">"Declare incident"</A>
            </nav>
            <div class="status" role="status" aria-label="Delivery">
                <span class=connection_class data-testid="connection">{connection}</span>
                <span class="pending" data-testid="pending-count">
                    {move || match pending.get() {
                        0 => "All edits delivered".to_string(),
                        1 => "1 edit not yet delivered".to_string(),
                        n => format!("{n} edits not yet delivered"),
                    }}
                </span>
                {move || replica.last_synced.get().map(|t| view! {
                    <span class="synced">"Last synced " {utc::format_time(t)} " UTC"</span>
                })}
            </div>
            <div class="author">
                <label for="author-name">"Your name"</label>
                <input
                    id="author-name"
                    type="text"
                    maxlength="100"
                    placeholder="responder"
                    prop:value=move || replica.author.get()
                    on:change:target=move |ev| replica.set_author(ev.target().value())
                />
            </div>
        </header>
        {move || replica.storage_problem.get().map(|p| view! {
            <p class="banner warn" role="alert">{p}</p>
        })}
    }
}
