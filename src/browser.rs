//! The few things the console asks of the browser directly: the clock,
//! randomness for ids, and the page's origin.

use sitrep_core::event_id::uuid_v7;

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
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
