//! The reader's own preferences, kept in this browser only (localStorage,
//! never the shared log): the colour theme and whether times read in UTC,
//! and the browser glue that shows an instant in the reader's zone.
//!
//! The theme is put on `<html data-theme>` as the console starts, before
//! the first view mounts; with no choice ("System") the attribute is absent
//! and the stylesheet's `prefers-color-scheme` rule decides, with no script.

use crate::browser::{local_storage_get, local_storage_set, now_ms};
use leptos::prelude::*;
use sitrep_core::time::utc;
use sitrep_core::view::when::{self, Reader, Shown};
use std::cell::Cell;
use wasm_bindgen::JsValue;

const THEME_KEY: &str = "sitrep.theme";
const UTC_KEY: &str = "sitrep.prefer_utc";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn key(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System (follows this device)",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    fn from_key(k: &str) -> Theme {
        match k {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }
}

/// The stored theme (System when nothing or something unknown is stored).
pub fn theme() -> Theme {
    Theme::from_key(&local_storage_get(THEME_KEY).unwrap_or_default())
}

thread_local! {
    // Read once per page load; Settings writes through `set_prefer_utc`.
    static PREFER_UTC: Cell<Option<bool>> = const { Cell::new(None) };
}

pub fn prefer_utc() -> bool {
    PREFER_UTC.with(|c| {
        *c.get()
            .get_or_insert_with(|| local_storage_get(UTC_KEY).as_deref() == Some("1"))
    })
}

/// Puts the stored theme on the page: called from `main` before mounting,
/// and again when the reader picks one.
pub fn apply_theme() {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = match theme() {
        Theme::System => root.remove_attribute("data-theme"),
        t => root.set_attribute("data-theme", t.key()),
    };
}

pub fn set_theme(theme: Theme) {
    local_storage_set(THEME_KEY, theme.key());
    apply_theme();
}

/// Times drawn from now on follow it (each view as it is drawn again).
pub fn set_prefer_utc(on: bool) {
    local_storage_set(UTC_KEY, if on { "1" } else { "0" });
    PREFER_UTC.with(|c| c.set(Some(on)));
}

/// Minutes east of UTC of the browser's zone at the instant `ms` (the
/// browser has the zone's rules; JS counts its offset west).
pub fn offset_minutes_at(ms: i64) -> i32 {
    let d = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    -(d.get_timezone_offset() as i32)
}

/// `at` as this reader reads it, now.
pub fn shown(at: i64, seconds: bool) -> Shown {
    let now = now_ms();
    let reader = Reader {
        now,
        now_offset_minutes: offset_minutes_at(now),
        prefer_utc: prefer_utc(),
    };
    when::show(reader, at, offset_minutes_at(at), seconds)
}

/// The text of `shown`, for sentences ("due tomorrow 09:00").
pub fn when(at: i64) -> String {
    shown(at, false).text
}

/// An instant on the page: the reader's reading, the other on hover, and
/// the machine-readable instant. Drawn once (no signal: the first load
/// stays small); the views around it redraw it when their data change.
#[component]
pub fn When(at: i64, #[prop(optional)] seconds: bool) -> impl IntoView {
    let Shown { text, title } = shown(at, seconds);
    view! { <time datetime=utc::rfc3339(at) title=title>{text}</time> }
}
