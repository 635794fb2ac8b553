//! Keyboard shortcuts for the whole console (n, a, /, Ctrl+K, ?, Escape) and
//! the overlays they open: the command palette and the shortcut help.

use crate::components::command_palette::CommandPalette;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use wasm_bindgen::JsCast;

/// Every shortcut, as the help overlay lists them.
pub const SHORTCUTS: [(&str, &str); 6] = [
    ("n", "Declare a new incident"),
    ("a", "Add a note (in an incident room)"),
    ("/", "Search the incident list"),
    ("Ctrl+K or ⌘K", "Open the command palette"),
    ("?", "Show keyboard shortcuts"),
    ("Esc", "Close the palette or this help"),
];

/// The id of the incident room's note box, which `a` focuses.
const ROOM_NOTE: &str = "room-note";

#[derive(Clone, Copy)]
pub struct Shortcuts {
    pub palette: RwSignal<bool>,
    pub help: RwSignal<bool>,
    /// Set by `/`: the incident list focuses its search box and clears this.
    pub focus_search: RwSignal<bool>,
    /// What had focus before an overlay opened; it gets focus back on close.
    return_focus: StoredValue<Option<web_sys::HtmlElement>, LocalStorage>,
}

pub fn provide_shortcuts_context() {
    provide_context(Shortcuts {
        palette: RwSignal::new(false),
        help: RwSignal::new(false),
        focus_search: RwSignal::new(false),
        return_focus: StoredValue::new_local(None),
    });
}

pub fn use_shortcuts() -> Option<Shortcuts> {
    use_context::<Shortcuts>()
}

impl Shortcuts {
    fn any_open(self) -> bool {
        self.palette.get_untracked() || self.help.get_untracked()
    }

    fn remember_focus(self) {
        if !self.any_open() {
            self.return_focus.set_value(active_element());
        }
    }

    pub fn open_palette(self) {
        self.remember_focus();
        self.help.set(false);
        self.palette.set(true);
    }

    pub fn open_help(self) {
        self.remember_focus();
        self.palette.set(false);
        self.help.set(true);
    }

    /// Closes any overlay; `restore` gives focus back to where it was (not
    /// wanted when the overlay's command navigated elsewhere).
    pub fn close(self, restore: bool) {
        if !self.any_open() {
            return;
        }
        self.palette.set(false);
        self.help.set(false);
        let previous = self.return_focus.try_update_value(Option::take).flatten();
        if let Some(el) = previous.filter(|el| restore && el.is_connected()) {
            // After the overlay has left the DOM.
            request_animation_frame(move || {
                let _ = el.focus();
            });
        }
    }
}

fn active_element() -> Option<web_sys::HtmlElement> {
    document()
        .active_element()
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
}

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

    view! {
        <Show when=move || shortcuts.palette.get()>
            <CommandPalette/>
        </Show>
        <Show when=move || shortcuts.help.get()>
            <ShortcutHelp/>
        </Show>
    }
    .into_any()
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
