//! The people pickers of the room (a role's holder, a task's assignee): a
//! combobox over the workspace's accounts (`GET /api/v1/directory`), online
//! ones first, that still takes a name no account has and marks it "no
//! account". The choosing is `sitrep_core::view::people`.

use crate::api;
use crate::replica::use_replica;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_bindgen::JsCast;
use sitrep_core::view::people::{has_account, suggest, Candidate};

/// The most accounts a picker lists at once; typing narrows.
const SHOWN: usize = 8;

/// The workspace's account names, read once per room; empty while unknown
/// (offline, or a backend without the directory): then nothing is marked.
#[derive(Clone, Copy)]
pub struct Directory(RwSignal<Vec<String>>);

pub fn provide_directory() {
    let names = RwSignal::new(Vec::new());
    spawn_local(async move {
        if let Ok(list) = api::get_directory().await {
            names.set(list);
        }
    });
    provide_context(Directory(names));
}

fn use_directory() -> Directory {
    use_context::<Directory>().unwrap_or(Directory(RwSignal::new(Vec::new())))
}

/// "no account" beside a name the directory does not have.
#[component]
pub fn NoAccountMark(#[prop(into)] name: Signal<String>) -> impl IntoView {
    let directory = use_directory();
    move || {
        let n = name.get();
        let without =
            !n.trim().is_empty() && directory.0.with(|d| has_account(&n, d)) == Some(false);
        without.then(|| view! { <span class="tag no-account">"no account"</span> })
    }
}

/// A labelled combobox bound to `value`. Typing filters the accounts;
/// Down/Up move through the options, Enter or a click takes one, Escape
/// closes the list. What is typed is kept as it is when nothing is taken.
#[component]
pub fn PersonPicker(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    /// The label is read by screen readers only (a row's own picker).
    #[prop(optional)]
    hidden_label: bool,
    #[prop(optional, into)] placeholder: Option<String>,
) -> impl IntoView {
    let directory = use_directory();
    let presence = use_replica().presence;
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let options = Memo::new(move |_| {
        let online = presence.everyone();
        directory
            .0
            .with(|d| value.with(|typed| suggest(typed, d, &online, SHOWN)))
    });
    let list_id = format!("{id}-options");
    let option_id = {
        let id = id.clone();
        move |i: usize| format!("{id}-option-{i}")
    };
    let take = move |c: &Candidate| {
        value.set(c.name.clone());
        open.set(false);
        active.set(None);
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = options.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
            }
            "Enter" if open.get_untracked() => {
                if let Some(c) = active
                    .get_untracked()
                    .and_then(|i| options.with_untracked(|o| o.get(i).cloned()))
                {
                    // Takes the option; the form is submitted by the next Enter.
                    ev.prevent_default();
                    take(&c);
                }
            }
            "Escape" if open.get_untracked() => {
                ev.prevent_default();
                ev.stop_propagation();
                open.set(false);
                active.set(None);
            }
            // Leaving by keyboard closes the list; the typed name stays.
            "Tab" => {
                open.set(false);
                active.set(None);
            }
            _ => {}
        }
    };
    let active_id = {
        let option_id = option_id.clone();
        move || active.get().map(&option_id)
    };
    let rows = {
        let option_id = option_id.clone();
        move || {
            options
                .get()
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    let chosen = move || active.get() == Some(i);
                    let shown = c.clone();
                    view! {
                        <li role="option" id=option_id(i) aria-selected=move || chosen().to_string()
                            class:active=chosen
                            on:mousedown=move |ev| { ev.prevent_default(); take(&shown); }>
                            <span class="person">{c.name.clone()}</span>
                            {c.online.then(|| view! { " " <span class="tag online">"online"</span> })}
                            {(!c.account).then(|| view! { " " <span class="tag no-account">"no account"</span> })}
                        </li>
                    }
                })
                .collect_view()
        }
    };
    let expanded = move || (open.get() && options.with(|o| !o.is_empty())).to_string();
    // The list sits in the form's flow, so it must not close on blur: blur
    // comes with the pointer's press, and the form's button would move up
    // under the pointer before its release, losing the click. A click outside
    // the picker closes it once that click has reached its own target.
    let picker = NodeRef::<leptos::html::Div>::new();
    let outside = window_event_listener(leptos::ev::click, move |ev| {
        let inside = picker.get_untracked().is_some_and(|el| {
            let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
            el.contains(target.as_ref())
        });
        if !inside && open.get_untracked() {
            open.set(false);
            active.set(None);
        }
    });
    on_cleanup(move || outside.remove());
    view! {
        <div class="field picker" node_ref=picker>
            <label for=id.clone() class:visually-hidden=hidden_label>{label.clone()}</label>
            <input id=id type="text" role="combobox" maxlength="100" autocomplete="off"
                aria-autocomplete="list" aria-controls=list_id.clone() aria-expanded=expanded
                aria-activedescendant=active_id placeholder=placeholder
                prop:value=move || value.get()
                on:input:target=move |ev| {
                    value.set(ev.target().value());
                    open.set(true);
                    active.set(None);
                }
                on:focus=move |_| open.set(true)
                on:keydown=on_keydown/>
            <ul id=list_id role="listbox" aria-label=format!("People for {label}") class="picker-options"
                hidden=move || expanded() != "true">
                {rows}
            </ul>
        </div>
    }
}
