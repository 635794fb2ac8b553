//! This reader's own settings, kept in this browser (not shared): the
//! colour theme and whether times read in UTC.

use crate::components::form::{CheckField, SelectField};
use crate::reader::{prefer_utc, set_prefer_utc, set_theme, theme, Theme};
use leptos::prelude::*;

#[component]
pub fn ReaderSettings() -> impl IntoView {
    let picked = RwSignal::new(theme().key().to_string());
    let utc = RwSignal::new(prefer_utc());
    let pick = move |key: String| {
        if let Some(t) = Theme::ALL.into_iter().find(|t| t.key() == key) {
            set_theme(t);
            picked.set(key);
        }
    };
    view! {
        <section class="settings-section" aria-labelledby="settings-reader">
            <h2 id="settings-reader">"This browser"</h2>
            <p class="hint">"Only for you, on this device."</p>
            <SelectField id="reader-theme" label="Theme" value=picked on_change=pick>
                {Theme::ALL.map(|t| view! { <option value=t.key()>{t.label()}</option> })}
            </SelectField>
            <CheckField id="reader-utc" label="Show times in UTC (your own time on hover)"
                checked=utc
                on_change=move |on| {
                    set_prefer_utc(on);
                    utc.set(on);
                }/>
        </section>
    }
}
