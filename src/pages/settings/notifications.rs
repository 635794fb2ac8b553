//! The reader's own browser notifications: which kinds, and on or off. Not
//! shared: kept in this browser for the signed-in account. Turning them on
//! is the one place the console asks the browser's permission.

use crate::browser::now_ms;
use crate::notices::choices::{self, ask_permission, has_worker, permission, Permission};
use crate::notices::use_notices;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::notify::{Choices, NoticeKind};

#[component]
pub fn NotificationSettings() -> impl IntoView {
    let Some(notices) = use_notices() else {
        return ().into_any();
    };
    let session = use_session();
    let me = move || {
        session
            .me
            .with(|m| m.as_ref().map(|m| m.name.clone()).unwrap_or_default())
    };
    let current = RwSignal::new(choices::load(&me()));
    // Stored for this account, then the watcher told.
    let set = move |c: Choices| {
        choices::save(&me(), &c);
        current.set(c);
        notices.bump();
    };
    let allowed = RwSignal::new(permission());
    let worker = RwSignal::new(has_worker());
    let asking = RwSignal::new(false);
    let on = move || current.with(|c| c.enabled_at.is_some());

    let turn_on = move |_| {
        asking.set(true);
        spawn_local(async move {
            let answer = ask_permission().await;
            allowed.set(answer);
            asking.set(false);
            if answer == Permission::Granted {
                let mut c = current.get_untracked();
                c.enabled_at = Some(now_ms());
                set(c);
            }
        });
    };
    let turn_off = move |_| {
        let mut c = current.get_untracked();
        c.enabled_at = None;
        set(c);
    };
    let state = move || {
        match (on(), allowed.get(), worker.get()) {
        (_, Permission::Unsupported, _) | (_, _, false) => {
            "This browser cannot show notifications from this console (it needs the installed console, served over HTTPS)."
        }
        (_, Permission::Denied, _) => {
            "The browser blocks notifications from this site: allow them in its site settings, then turn them on here."
        }
        (true, Permission::Granted, true) => "Notifications are on in this browser.",
        _ => "Notifications are off in this browser.",
    }
    };
    let usable = move || allowed.get() != Permission::Unsupported && worker.get();
    let kinds = NoticeKind::ALL
        .into_iter()
        .map(|kind| {
            let checked = move || current.with(|c| c.kinds.contains(&kind));
            let toggle = move |ev: leptos::ev::Event| {
                let mut c = current.get_untracked();
                if event_target_checked(&ev) {
                    c.kinds.insert(kind);
                } else {
                    c.kinds.remove(&kind);
                }
                set(c);
            };
            view! {
                <label class="check">
                    <input type="checkbox" prop:checked=checked on:change=toggle/>
                    " "{kind.label()}
                </label>
            }
        })
        .collect_view();

    view! {
        <section class="settings-section" id="notifications" aria-labelledby="settings-notifications">
            <h2 id="settings-notifications">"Your notifications"</h2>
            <p class="hint">"Only for you ("{me}"), in this browser. They arrive while a console tab or the installed app is open, also in the background."</p>
            <p data-testid="notification-state">{state}</p>
            <fieldset>
                <legend>"Tell me when"</legend>
                {kinds}
            </fieldset>
            <Show
                when=on
                fallback=move || view! {
                    <button type="button" class="primary" on:click=turn_on
                        disabled=move || asking.get() || !usable()>"Turn on notifications"</button>
                }
            >
                <button type="button" on:click=turn_off>"Turn off notifications"</button>
            </Show>
        </section>
    }
    .into_any()
}
