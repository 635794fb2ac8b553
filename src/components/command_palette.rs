//! The command palette (Ctrl+K): a searchable list of commands and
//! incidents, driven by the keyboard or the mouse.

use crate::replica::use_replica;
use crate::shortcuts::use_shortcuts;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use sitrep_core::incident::number;
use sitrep_core::view::command_search;

#[derive(Clone, PartialEq)]
enum Action {
    Go(String),
    Help,
}

#[derive(Clone, PartialEq)]
struct PaletteCommand {
    label: String,
    action: Action,
}

fn fixed_commands() -> Vec<PaletteCommand> {
    let go = |label: &str, path: &str| PaletteCommand {
        label: label.into(),
        action: Action::Go(path.into()),
    };
    vec![
        go("Declare an incident", "/new"),
        go("Go to incidents", "/"),
        go("Open settings", "/settings"),
        PaletteCommand {
            label: "Show keyboard shortcuts".into(),
            action: Action::Help,
        },
    ]
}

#[component]
pub fn CommandPalette() -> impl IntoView {
    let Some(shortcuts) = use_shortcuts() else {
        return ().into_any();
    };
    let replica = use_replica();
    let incidents = replica.incidents();
    let navigate = StoredValue::new_local(use_navigate());
    let query = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    let input = NodeRef::<leptos::html::Input>::new();

    // Incidents come in list order: open ones first, the most severe on top.
    let commands = Memo::new(move |_| {
        let mut all = fixed_commands();
        incidents.with(|list| {
            all.extend(list.iter().map(|i| PaletteCommand {
                // The number is in the label, so "42" and "INC-42" find it.
                label: match i.number {
                    Some(n) => format!("Open: {} · {}", i.title, number::label(n)),
                    None => format!("Open: {}", i.title),
                },
                action: Action::Go(format!("/incidents/{}", i.id)),
            }))
        });
        command_search::filter(&query.get(), all, |c| &c.label)
    });

    let run = move |command: PaletteCommand| match command.action {
        Action::Go(path) => {
            shortcuts.close(false);
            navigate.with_value(|n| n(&path, Default::default()));
        }
        Action::Help => shortcuts.open_help(),
    };

    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = commands.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                active.update(|a| *a = (*a + 1) % count);
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                active.update(|a| *a = (*a + count - 1) % count);
            }
            "Enter" => {
                ev.prevent_default();
                let chosen = commands.with_untracked(|c| c.get(active.get_untracked()).cloned());
                if let Some(command) = chosen {
                    run(command);
                }
            }
            // Focus stays on the search box; the list is reached by arrows.
            "Tab" => ev.prevent_default(),
            _ => {}
        }
    };

    let option_id = |i: usize| format!("palette-option-{i}");
    view! {
        <div class="overlay" on:click=move |ev| {
            if ev.target() == ev.current_target() { shortcuts.close(true) }
        }>
            <div class="dialog palette" role="dialog" aria-modal="true" aria-label="Command palette">
                <label for="palette-search">"Search commands"</label>
                <input id="palette-search" type="text" autocomplete="off" spellcheck="false"
                    role="combobox" aria-expanded="true" aria-controls="palette-list" aria-autocomplete="list"
                    aria-activedescendant=move || (!commands.with(Vec::is_empty)).then(|| option_id(active.get()))
                    placeholder="Type a command or an incident title"
                    node_ref=input
                    prop:value=move || query.get()
                    on:input:target=move |ev| { query.set(ev.target().value()); active.set(0); }
                    on:keydown=on_keydown/>
                <ul id="palette-list" role="listbox" aria-label="Commands">
                    {move || commands.get().into_iter().enumerate().map(|(i, command)| {
                        let label = command.label.clone();
                        view! {
                            <li role="option" id=option_id(i)
                                aria-selected=move || (active.get() == i).to_string()
                                class:active=move || active.get() == i
                                on:mousemove=move |_| if active.get_untracked() != i { active.set(i) }
                                on:click=move |_| run(command.clone())>
                                {label}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <Show when=move || commands.with(Vec::is_empty)>
                    <p class="empty">"No command or incident matches."</p>
                </Show>
            </div>
        </div>
    }
    .into_any()
}
