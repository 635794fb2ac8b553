//! Listens for the console's keyboard shortcuts on the window and shows the
//! overlays they open: the command palette and the shortcut help. What is
//! open lives in `shortcuts`, which the overlays read. The overlays load
//! lazily (`#[lazy]`, split by scripts/split-wasm.mjs).

use crate::components::command_palette::CommandPalette;
use crate::shortcuts::{use_shortcuts, SHORTCUTS};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use wasm_bindgen::JsCast;

/// The id of the incident room's note box, which `a` focuses.
const ROOM_NOTE: &str = "room-note";

/// Whether a key press is someone typing into a field, where a plain
/// letter must stay a letter.
fn is_typing(ev: &web_sys::KeyboardEvent) -> bool {
    let Some(el) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return false;
    };
    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.is_content_editable()
}

/// Listens for shortcuts on the window and shows the overlays. Mount once,
/// inside the router, after `provide_shortcuts_context`.
#[component]
pub fn ShortcutLayer() -> impl IntoView {
    let Some(shortcuts) = use_shortcuts() else {
        return ().into_any();
    };
    let navigate = StoredValue::new_local(use_navigate());
    let pathname = use_location().pathname;
    let go = move |path: &str| navigate.with_value(|n| n(path, Default::default()));

    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.default_prevented() || ev.is_composing() {
            return;
        }
        let key = ev.key();
        let command_key = ev.ctrl_key() || ev.meta_key();
        if command_key && !ev.alt_key() && key.eq_ignore_ascii_case("k") {
            ev.prevent_default();
            if shortcuts.palette.get_untracked() {
                shortcuts.close(true);
            } else {
                shortcuts.open_palette();
            }
            return;
        }
        if key == "Escape" {
            shortcuts.close(true);
            return;
        }
        if command_key || ev.alt_key() || is_typing(&ev) || shortcuts.any_open() {
            return;
        }
        match key.as_str() {
            "n" => {
                ev.prevent_default();
                go("/new");
            }
            "a" => {
                let in_room = pathname.with_untracked(|p| p.starts_with("/incidents/"));
                let note = document()
                    .get_element_by_id(ROOM_NOTE)
                    .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(note) = note.filter(|_| in_room) {
                    // Otherwise the `a` itself would be typed into the note.
                    ev.prevent_default();
                    let _ = note.focus();
                }
            }
            "/" => {
                ev.prevent_default();
                shortcuts.focus_search.set(true);
                if pathname.with_untracked(|p| p != "/") {
                    go("/");
                }
            }
            "?" => {
                ev.prevent_default();
                shortcuts.open_help();
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());

    // Both overlays are split out of the first screen's wasm: their code is
    // fetched the first time one opens (precached, so offline too).
    view! {
        <Show when=move || shortcuts.palette.get()>
            {Suspend::new(palette())}
        </Show>
        <Show when=move || shortcuts.help.get()>
            {Suspend::new(help())}
        </Show>
    }
    .into_any()
}

#[lazy]
fn palette() -> AnyView {
    view! { <CommandPalette/> }.into_any()
}

#[lazy]
fn help() -> AnyView {
    view! { <ShortcutHelp/> }.into_any()
}

/// The help overlay: every shortcut, in a modal dialog.
#[component]
fn ShortcutHelp() -> impl IntoView {
    let Some(shortcuts) = use_shortcuts() else {
        return ().into_any();
    };
    let close_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = close_button.get() {
            let _ = button.focus();
        }
    });
    view! {
        <div class="overlay" on:click=move |ev| {
            // Only a click on the backdrop itself, not inside the dialog.
            if ev.target() == ev.current_target() { shortcuts.close(true) }
        }>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title"
                on:keydown=move |ev| {
                    // One control inside: focus stays in the dialog.
                    if ev.key() == "Tab" { ev.prevent_default() }
                }>
                <h2 id="shortcuts-title">"Keyboard shortcuts"</h2>
                <table class="shortcut-list">
                    <tbody>
                        {SHORTCUTS.iter().map(|(keys, what)| view! {
                            <tr><th scope="row"><kbd>{*keys}</kbd></th><td>{*what}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="hint">"Letter shortcuts do nothing while you are typing in a field."</p>
                <button type="button" node_ref=close_button on:click=move |_| shortcuts.close(true)>"Close"</button>
            </div>
        </div>
    }
    .into_any()
}
