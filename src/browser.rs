//! The few things the console asks of the browser directly: the clock,
//! randomness for ids, the page's origin, downloads, printing and asking
//! before something cannot be undone.

use leptos::prelude::set_timeout;
use sitrep_core::log::event_id::uuid_v7;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Marks a step of the start on the page's performance timeline (named
/// `sitrep:…`): the bench prints where opening a big incident's time went.
pub fn mark(name: &str) {
    let Ok(performance) = js_sys::Reflect::get(&js_sys::global(), &"performance".into()) else {
        return;
    };
    if let Ok(mark) = js_sys::Reflect::get(&performance, &"mark".into()) {
        if let Some(mark) = mark.dyn_ref::<js_sys::Function>() {
            let _ = mark.call1(&performance, &JsValue::from_str(name));
        }
    }
}

/// Resolves in a later task (a zero-delay timeout), so the browser can
/// paint and take input between two slices of a long piece of work.
pub async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let queued = web_sys::window()
            .and_then(|w| w.set_timeout_with_callback(&resolve).ok())
            .is_some();
        if !queued {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// While held, leaving or reloading the page asks first (the browser's own
/// "Leave site?" dialog): for an edit that so far exists only in this tab's
/// memory. Dropping it stops asking.
pub struct AskBeforeLeaving(Option<leptos::prelude::WindowListenerHandle>);

impl AskBeforeLeaving {
    #[must_use = "asking stops when this is dropped"]
    pub fn start() -> Self {
        Self(Some(leptos::prelude::window_event_listener(
            leptos::ev::beforeunload,
            |e| e.prevent_default(),
        )))
    }
}

impl Drop for AskBeforeLeaving {
    fn drop(&mut self) {
        if let Some(asking) = self.0.take() {
            asking.remove();
        }
    }
}

/// Lowercases with the browser's `toLowerCase`, for searches
/// (`sitrep_core::incident::query::Lower`): Rust's own needs its case
/// tables, which the first load need not carry.
pub fn lower(s: &str) -> String {
    js_sys::JsString::from(s).to_lower_case().into()
}

/// A fresh UUIDv7. Falls back to `Math.random` only if Web Crypto is absent,
/// which no browser we support lacks.
pub fn new_id() -> String {
    let mut bytes = [0u8; 10];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok())
        .unwrap_or(false);
    if !filled {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    uuid_v7(now_ms().max(0) as u64, bytes)
}

/// `ws://host` or `wss://host` for the page's own origin.
pub fn websocket_origin() -> Option<String> {
    let loc = web_sys::window()?.location();
    let scheme = if loc.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}", loc.host().ok()?))
}

pub fn local_storage_get(key: &str) -> Option<String> {
    web_sys::window()?
        .local_storage()
        .ok()??
        .get_item(key)
        .ok()?
}

pub fn local_storage_set(key: &str, value: &str) {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(key, value);
    }
}

pub fn local_storage_remove(key: &str) {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.remove_item(key);
    }
}

/// Offers `text` as a file download (a Blob behind an `a[download]`), the
/// way a browser saves a file the user asked for.
pub fn download_text(file_name: &str, mime: &str, text: &str) -> Result<(), String> {
    let fail = |what: &str| format!("The browser would not {what}; nothing was downloaded.");
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| fail("give a document"))?;
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| fail("make the file"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| fail("make a link to the file"))?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into().ok())
        .ok_or_else(|| fail("make a link"))?;
    link.set_href(&url);
    link.set_download(file_name);
    link.set_hidden(true);
    if let Some(body) = document.body() {
        let _ = body.append_child(&link);
    }
    link.click();
    link.remove();
    // Revoking at once can cancel the download before it starts.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        Duration::from_secs(60),
    );
    Ok(())
}

/// Asks the browser's own yes/no question; no answer (no window) is no.
/// For what cannot be undone: removing an account, a component, a
/// provider; revoking a token.
pub fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// Opens the browser's print dialog for the page (the print stylesheet
/// decides what is on paper).
pub fn print_page() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

/// Puts text on the clipboard (the async Clipboard API, reached by name so
/// the console needs no extra web-sys bindings); says why not when the
/// browser has none or refuses (no permission, not a secure page).
pub async fn copy_text(text: &str) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let navigator = web_sys::window()
        .map(|w| w.navigator())
        .ok_or("no browser window")?;
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into())
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null())
        .ok_or("this browser offers no clipboard here (it needs https or localhost)")?;
    let write: js_sys::Function = js_sys::Reflect::get(&clipboard, &"writeText".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or("this browser cannot write to the clipboard")?;
    let promise: js_sys::Promise = write
        .call1(&clipboard, &text.into())
        .ok()
        .and_then(|p| p.dyn_into().ok())
        .ok_or("the clipboard refused the text")?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(drop)
        .map_err(|e| {
            e.as_string()
                .unwrap_or_else(|| "the browser did not allow copying".into())
        })
}
