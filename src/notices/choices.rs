//! What the reader chose, kept in this browser per account, and what the
//! browser allows: shared by the settings page and the watcher.

use crate::browser::{local_storage_get, local_storage_set};
use sitrep_core::notify::Choices;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Notification, NotificationPermission};

const PREFIX: &str = "sitrep.notify.";

/// The localStorage key of an account's choices.
pub fn storage_key(account: &str) -> String {
    format!("{PREFIX}{account}")
}

pub fn load(account: &str) -> Choices {
    local_storage_get(&storage_key(account))
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

pub fn save(account: &str, choices: &Choices) {
    if let Ok(json) = serde_json::to_string(choices) {
        local_storage_set(&storage_key(account), &json);
    }
}

/// What the browser allows, for the settings page to say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// No Notifications API or no service worker here.
    Unsupported,
    Default,
    Granted,
    Denied,
}

pub fn has_notifications() -> bool {
    web_sys::window().is_some_and(|w| {
        js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false)
            && js_sys::Reflect::has(&w.navigator(), &"serviceWorker".into()).unwrap_or(false)
    })
}

pub fn permission() -> Permission {
    if !has_notifications() {
        return Permission::Unsupported;
    }
    match Notification::permission() {
        NotificationPermission::Granted => Permission::Granted,
        NotificationPermission::Denied => Permission::Denied,
        _ => Permission::Default,
    }
}

/// Asks the browser's permission; only ever from the reader's click.
pub async fn ask_permission() -> Permission {
    if !has_notifications() {
        return Permission::Unsupported;
    }
    if let Ok(promise) = Notification::request_permission() {
        let _ = JsFuture::from(promise).await;
    }
    permission()
}

/// Whether this build has a service worker to show notifications through:
/// release builds are stamped with a build id and register one
/// (`public/sw-register.js`); development builds have none.
pub fn has_worker() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(r#"meta[name="sitrep-build"]"#).ok())
        .flatten()
        .is_some()
}

/// The service worker's registration once it is active (on a first visit,
/// a moment after the page loaded).
pub async fn registration() -> Option<web_sys::ServiceWorkerRegistration> {
    let container = web_sys::window()?.navigator().service_worker();
    let ready = JsFuture::from(container.ready().ok()?).await.ok()?;
    ready.dyn_into().ok()
}
