//! The app bar: navigation, who you are, the connection, and how many edits
//! have not reached the backend yet. It never claims more than it knows: a
//! backend that lost what it confirmed is named as such, and a signed-out
//! console says only that, and what waits.

use crate::browser::now_ms;
use crate::components::sign_in::SignInForm;
use crate::reader::{shown, When};
use crate::replica::use_replica;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use sitrep_core::log::sync::{BackendBehind, Status};

#[component]
pub fn Header() -> impl IntoView {
    let replica = use_replica();
    let session = use_session();
    let pending = replica.pending_count();
    let held = replica.held_for_others();
    let connection = move || match replica.status.get() {
        _ if replica.behind.get().is_some() => "Backend is missing edits".to_string(),
        Status::Online => "Online".to_string(),
        Status::Connecting => "Connecting…".to_string(),
        // A fresh engine reports its first attempt as due at time zero.
        Status::Reconnecting { next_attempt_at } if next_attempt_at as i64 <= now_ms() => {
            "Connecting…".to_string()
        }
        Status::Reconnecting { next_attempt_at } => {
            format!(
                "Reconnecting: next attempt {}",
                shown(next_attempt_at as i64, true).text
            )
        }
        Status::Degraded { next_attempt_at } => match next_attempt_at {
            Some(t) => format!(
                "Backend degraded (errors or timeouts): retrying {}",
                shown(t as i64, true).text
            ),
            None => "Backend degraded (errors or timeouts)".to_string(),
        },
        Status::Offline => {
            "Offline: edits are kept here and sent when the network is back".to_string()
        }
    };
    let connection_class = move || match replica.status.get() {
        _ if replica.behind.get().is_some() => "conn degraded",
        Status::Online => "conn online",
        Status::Connecting | Status::Reconnecting { .. } => "conn connecting",
        Status::Degraded { .. } => "conn degraded",
        Status::Offline => "conn offline",
    };
    let clock_warning = move || {
        let clock = replica.clock.get();
        let offset = clock.offset_ms().filter(|_| clock.is_off())?;
        // Whole minutes, rounded, in integers: formatting a float would
        // bring the float printer (about 10 KiB) into the first load.
        let minutes = (offset.unsigned_abs() + 30_000) / 60_000;
        let direction = if offset > 0 { "behind" } else { "ahead of" };
        Some(format!(
            "This device's clock is about {minutes} min {direction} the backend's. Times in the log are corrected for it."
        ))
    };
    // On a narrow screen the nav and the account line fold behind a menu
    // button (style/main.css decides when); picking a page folds them again.
    let menu_open = RwSignal::new(false);
    view! {
        <header class="app-bar" class:menu-open=move || menu_open.get()>
            <A href="/" attr:class="brand">"Sitrep"</A>
            <button type="button" class="menu-toggle" aria-controls="main-nav"
                aria-expanded=move || if menu_open.get() { "true" } else { "false" }
                on:click=move |_| menu_open.update(|o| *o = !*o)>"Menu"</button>
            <nav aria-label="Main" id="main-nav" on:click=move |_| menu_open.set(false)>
                <A href="/">"Incidents"</A>
                <A href="/new">"Declare incident"</A>
                <A href="/alerts">"Alerts"</A>
                <A href="/metrics">"Metrics"</A>
                <A href="/upstreams">"Upstreams"</A>
                <A href="/settings">"Settings"</A>
                // Only admins may use them; the server refuses anyone else.
                <Show when=move || session.role() == Some(sitrep_core::log::access::Role::Admin)>
                    <A href="/admin/accounts">"Admin"</A>
                </Show>
            </nav>
            <div class="status" role="status" aria-label="Delivery">
                // Signed out, the connection's state is moot (every request
                // is refused): only what waits is worth saying.
                {move || if replica.signed_out.get() {
                    view! {
                        <span class="conn offline" data-testid="signed-out">
                            {move || signed_out_line(pending.get())}
                        </span>
                    }.into_any()
                } else {
                    view! {
                        <span class=connection_class data-testid="connection">{connection}</span>
                        <span class="pending" data-testid="pending-count">
                            {move || delivery_line(replica.loaded.get(), replica.behind.get().is_some(), pending.get())}
                        </span>
                        {move || replica.last_synced.get().map(|t| view! {
                            <span class="synced">"Last synced " <When at=t seconds=true/></span>
                        })}
                    }.into_any()
                }}
            </div>
            {move || (!replica.signed_out.get()).then(|| view! {
                <div class="account" data-testid="account">
                    {move || session.me.get().map(|me| view! {
                        <span><span class="signed-in-as">"Signed in as "</span><strong>{me.name}</strong> " (" {me.role.as_str()} ")"</span>
                    })}
                    <button type="button" on:click=move |_| spawn_local(session.sign_out())>"Sign out"</button>
                </div>
            })}
        </header>
        // The session ended while edits wait: they stay in the outbox, and
        // signing in here delivers them.
        {move || replica.signed_out.get().then(|| view! {
            <div class="banner warn signed-out">
                <SignInForm/>
            </div>
        })}
        // Edits another account made here wait for it: sending them now
        // would put this account's name on them.
        {move || {
            let held = held.get();
            (!held.is_empty()).then(|| {
                let told: Vec<String> = held
                    .iter()
                    .map(|(who, n)| match n {
                        1 => format!("1 edit by {who}"),
                        n => format!("{n} edits by {who}"),
                    })
                    .collect();
                view! {
                    <p class="banner note" role="status" data-testid="held-edits">
                        {format!(
                            "Kept for their authors, not sent as you: {}. They are delivered when that account signs in here again.",
                            told.join(", ")
                        )}
                    </p>
                }
            })
        }}
        // The backend lacks what it once confirmed: say so, and offer to
        // send again what this browser made (see Replica::resend_held).
        {move || replica.behind.get().filter(|_| !replica.signed_out.get()).map(|b| view! {
            <div class="banner warn backend-behind" role="alert" data-testid="backend-behind">
                <p>{move || behind_line(b, replica.resendable())}</p>
                <button type="button" on:click=move |_| replica.resend_held()>"Re-send"</button>
            </div>
        })}
        {move || replica.replaced.get().then(|| view! {
            <div class="banner warn" role="alert" data-testid="replaced">
                <p>"A newer version of Sitrep opened in another tab. Reload this tab to go on saving \
                    edits on this device; until then, edits made here are kept only in this tab."</p>
                {move || match replica.memory_only_pending() {
                    0 => None,
                    n => Some(view! { <p>{unsaved_line(n)}</p> }),
                }}
                <button type="button" on:click=move |_| reload(replica.memory_only_pending())>"Reload"</button>
            </div>
        })}
        {move || replica.storage_problem.get().map(|p| view! {
            <p class="banner warn" role="alert">{p}</p>
        })}
        {move || clock_warning().map(|w| view! {
            <p class="banner warn" role="alert" data-testid="clock-warning">{w}</p>
        })}
    }
}

fn unsaved_line(n: usize) -> String {
    match n {
        1 => "1 edit made since is not delivered yet: reloading now would lose it.".to_string(),
        n => format!("{n} edits made since are not delivered yet: reloading now would lose them."),
    }
}

/// Reloads, asking first when that would lose edits only this tab holds.
fn reload(unsaved: usize) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if unsaved > 0 {
        let question = format!("{} Reload anyway?", unsaved_line(unsaved));
        if !window.confirm_with_message(&question).unwrap_or(false) {
            return;
        }
    }
    let _ = window.location().reload();
}

/// What the header says about delivery. Until the local copy is read
/// nothing is known to be delivered, and with a backend behind the cursor
/// "delivered" is no longer true of what it confirmed.
fn delivery_line(loaded: bool, behind: bool, pending: usize) -> String {
    match pending {
        _ if !loaded => "Reading the local copy…".to_string(),
        _ if behind => "Edits shown as delivered are missing from the backend".to_string(),
        0 => "All edits delivered".to_string(),
        1 => "1 edit not yet delivered".to_string(),
        n => format!("{n} edits not yet delivered"),
    }
}

fn signed_out_line(pending: usize) -> String {
    match pending {
        0 => "Signed out — no edits waiting".to_string(),
        1 => "Signed out — 1 edit waiting".to_string(),
        n => format!("Signed out — {n} edits waiting"),
    }
}

fn behind_line(b: BackendBehind, mine: usize) -> String {
    let edits = match mine {
        1 => "the 1 edit".to_string(),
        n => format!("the {n} edits"),
    };
    // Its head is the plainer evidence when it is below the cursor; a
    // replaced log past the cursor is known only by its other name.
    let what = if b.head < b.cursor {
        format!(
            "The backend's log ends at #{} but this console had read up to #{}: it was reset or restored",
            b.head, b.cursor
        )
    } else {
        "The backend's log is not the one this console synced with (it names itself differently): \
         it was reset or replaced"
            .to_string()
    };
    format!(
        "{what}, and edits shown here as delivered are not in it. Re-send sends {edits} made in this \
         browser again (each is stored once) and reads the backend's log afresh; others' edits are \
         theirs to re-send."
    )
}
