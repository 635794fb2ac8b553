//! The state of the console's keyboard shortcuts (n, a, /, Ctrl+K, ?,
//! Escape): which overlay is open, where focus goes back on close, and the
//! list the help shows. It depends on nothing that uses it; the key listener
//! and the overlays are `components::shortcut_layer`.

use leptos::prelude::*;
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
    /// Whether the palette or the help is open.
    pub fn any_open(self) -> bool {
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
