//! Runs core's notification rules in this tab: over the log as it changes,
//! and over the open incidents as time passes (overdue updates). Every tab
//! runs them; a claim in IndexedDB lets exactly one tab show each notice.
//! Claims older than a day are dropped as the watcher starts.
//! Also follows the service worker's `sitrep-open` message (a notification
//! clicked while the console is open) inside the app.

use super::choices::{self, permission, registration, Permission};
use super::use_notices;
use crate::browser::now_ms;
use crate::now::use_now;
use crate::replica::{use_replica, Replica};
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use sitrep_core::notify::{overdue_notice, Choices, Notice, Reader, Watcher};
use std::collections::HashSet;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, NotificationOptions, StorageEvent};

#[component]
pub fn Watch() -> impl IntoView {
    let replica = use_replica();
    let session = use_session();
    let changed = use_notices().map(|n| n.changed);
    let account = Memo::new(move |_| {
        session
            .me
            .with(|m| m.as_ref().map(|m| m.name.clone()))
            .unwrap_or_default()
    });
    // Another tab of this browser changed the choices.
    let elsewhere = RwSignal::new(0u64);
    let on_storage = Closure::<dyn FnMut(StorageEvent)>::new(move |ev: StorageEvent| {
        if ev.key().is_some_and(|k| k.starts_with("sitrep.notify.")) {
            elsewhere.update(|n| *n += 1);
        }
    });
    let _ =
        window().add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
    on_storage.forget();
    let chosen = Memo::new(move |_| {
        if let Some(c) = changed {
            c.track();
        }
        elsewhere.track();
        choices::load(&account.get())
    });
    // Events before this tab started are replays, whatever the choices say.
    let started = now_ms();
    let watcher = StoredValue::new(Watcher::default());
    let handled = StoredValue::new(HashSet::<String>::new());
    let now = use_now();
    Effect::new(move |_| {
        let me = account.get();
        let chosen: Choices = chosen.get();
        let Some(enabled_at) = chosen.enabled_at else {
            // Off: drop the walk, so turning on starts from then.
            watcher.set_value(Watcher::default());
            return;
        };
        let offset = replica.clock.with(|c| c.offset_ms()).unwrap_or(0);
        let reader = Reader {
            me: &me,
            choices: &chosen,
            since: started.max(enabled_at) + offset,
        };
        let workspace = replica.workspace();
        let mut found = replica.with_log(|log| {
            workspace.with(|ws| {
                watcher
                    .try_update_value(|w| w.notices(log, ws, &reader))
                    .unwrap_or_default()
            })
        });
        let server_now = now.get() + offset;
        let policy = workspace.with(|w| w.comms.cadence);
        replica.incidents().with(|list| {
            found.extend(
                list.iter()
                    .filter_map(|i| overdue_notice(i, &policy, &reader, server_now)),
            );
        });
        for notice in found {
            let fresh = handled
                .try_update_value(|h| h.insert(notice.key.clone()))
                .unwrap_or(false);
            if fresh {
                spawn_local(show_once(replica, notice));
            }
        }
    });
    Effect::new(move |_| {
        // Another account's walk starts from nothing.
        account.track();
        watcher.set_value(Watcher::default());
    });
    open_clicked_incidents();
    forget_old_claims(replica);
}

/// How long a claim is kept: tabs hear an event within moments of each
/// other, so a day is ample, and the store stays small.
const CLAIM_KEPT_MS: i64 = 86_400_000;

/// Once the local copy is open, drops the claims older than a day.
fn forget_old_claims(replica: Replica) {
    let done = StoredValue::new(false);
    Effect::new(move |_| {
        if !replica.loaded.get() || done.get_value() {
            return;
        }
        done.set_value(true);
        let Some(idb) = replica.idb() else { return };
        spawn_local(async move {
            if let Err(e) = idb.forget_notices_before(now_ms() - CLAIM_KEPT_MS).await {
                web_sys::console::warn_1(&format!("sitrep: old notice claims kept: {e}").into());
            }
        });
    });
}

/// Shows a notice unless another tab (or this one, earlier) has.
async fn show_once(replica: Replica, notice: Notice) {
    if permission() != Permission::Granted {
        return;
    }
    let Some(idb) = replica.idb() else { return };
    match idb.claim_notice(&notice.key, now_ms()).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            web_sys::console::warn_1(&format!("sitrep: notification not claimed: {e}").into());
            return;
        }
    }
    let Some(reg) = registration().await else {
        return;
    };
    let options = NotificationOptions::new();
    options.set_body(&notice.body);
    options.set_tag(&notice.key);
    options.set_icon("/icon-192.png");
    let data = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &data,
        &"url".into(),
        &format!("/incidents/{}", notice.incident).into(),
    );
    options.set_data(&data);
    match reg.show_notification_with_options(&notice.title, &options) {
        Ok(shown) => {
            if let Err(e) = JsFuture::from(shown).await {
                web_sys::console::warn_1(&e);
            }
        }
        Err(e) => web_sys::console::warn_1(&e),
    }
}

/// Follows the service worker's `sitrep-open` message inside the app, so
/// nothing typed on the current page is lost to a reload.
fn open_clicked_incidents() {
    if !choices::has_notifications() {
        return;
    }
    let container = window().navigator().service_worker();
    let navigate = use_navigate();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |msg: MessageEvent| {
        let data = msg.data();
        let field = |k: &str| {
            js_sys::Reflect::get(&data, &k.into())
                .ok()
                .and_then(|v| v.as_string())
        };
        if field("type").as_deref() != Some("sitrep-open") {
            return;
        }
        if let Some(path) = field("path").filter(|p| p.starts_with("/incidents/")) {
            navigate(&path, Default::default());
        }
    });
    let _ =
        container.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    on_message.forget();
}
