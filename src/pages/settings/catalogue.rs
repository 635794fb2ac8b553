//! The component catalogue: the parts of our service an incident can
//! affect, grouped, added, renamed, regrouped and removed.

use super::problem_with;
use crate::components::form::{Outcome, TextField};
use crate::replica::use_replica;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::workspace::Component;
use sitrep_core::{slug, ComponentId, EventBody, IncidentId};

/// Components grouped for display: ungrouped ones first, then by group.
fn grouped(components: Vec<&Component>) -> Vec<(String, Vec<Component>)> {
    let mut groups: Vec<(String, Vec<Component>)> = Vec::new();
    for c in components {
        match groups.last_mut() {
            Some((g, list)) if *g == c.group => list.push(c.clone()),
            _ => groups.push((c.group.clone(), vec![c.clone()])),
        }
    }
    groups
}

#[component]
pub fn Catalogue() -> impl IntoView {
    let replica = use_replica();
    let workspace = replica.workspace();
    let name = RwSignal::new(String::new());
    let group = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<ComponentId>);

    let groups = Memo::new(move |_| workspace.with(|w| grouped(w.catalogue())));
    let group_names = Memo::new(move |_| {
        groups.with(|g| {
            g.iter()
                .map(|(name, _)| name.clone())
                .filter(|n| !n.is_empty())
                .collect::<Vec<_>>()
        })
    });

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let n = name.get_untracked().trim().to_string();
        let g = group.get_untracked().trim().to_string();
        let (id, duplicate) = workspace.with_untracked(|w| {
            let id = slug::unique(&n, "component", |id| {
                w.components.contains_key(&ComponentId(id.into()))
            });
            let duplicate = w
                .components
                .values()
                .any(|c| c.group.eq_ignore_ascii_case(&g) && c.name.eq_ignore_ascii_case(&n));
            (id, duplicate)
        });
        let body = EventBody::ComponentDefined {
            component: ComponentId(id.into()),
            name: n.clone(),
            group: g.clone(),
        };
        if let Some(p) = problem_with(&body) {
            problem.set(Some(p));
            return;
        }
        if duplicate {
            problem.set(Some(format!(
                "There is already a component named {n}{}.",
                if g.is_empty() {
                    String::new()
                } else {
                    format!(" in {g}")
                }
            )));
            return;
        }
        problem.set(None);
        name.set(String::new());
        saved.set(Some(format!("Added {n}.")));
        spawn_local(async move {
            replica.record(IncidentId::workspace(), body).await;
        });
    };

    view! {
        <section class="settings-section" aria-labelledby="settings-components">
            <h2 id="settings-components">"Components"</h2>
            <p class="hint">"The parts of our service an incident can affect. Groups are free text; components show grouped."</p>
            <form class="inline-form" aria-label="Add a component" on:submit=add>
                <TextField id="component-name" label="Component name" value=name maxlength=100/>
                <TextField id="component-group" label="Component group" value=group maxlength=100
                    list="component-groups" placeholder="e.g. Payments"/>
                <button type="submit" class="primary">"Add component"</button>
            </form>
            <datalist id="component-groups">
                {move || group_names.get().into_iter().map(|g| view! { <option value=g/> }).collect_view()}
            </datalist>
            <Outcome problem saved/>
            <Show when=move || !groups.with(Vec::is_empty)
                fallback=|| view! { <p class="empty">"No components yet."</p> }>
                <For
                    each=move || groups.get()
                    key=|(g, list)| (g.clone(), list.iter().map(|c| (c.id.0.to_string(), c.name.clone())).collect::<Vec<_>>())
                    let:entry
                >
                    <ComponentGroup group=entry.0 components=entry.1 editing/>
                </For>
            </Show>
        </section>
    }
}

#[component]
fn ComponentGroup(
    group: String,
    components: Vec<Component>,
    editing: RwSignal<Option<ComponentId>>,
) -> impl IntoView {
    let title = if group.is_empty() {
        "Ungrouped".to_string()
    } else {
        group
    };
    view! {
        <div class="component-group">
            <h3>{title.clone()}</h3>
            <ul aria-label=title class="setting-list">
                {components.into_iter().map(|c| view! { <ComponentRow component=c editing/> }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn ComponentRow(component: Component, editing: RwSignal<Option<ComponentId>>) -> impl IntoView {
    let replica = use_replica();
    let id = component.id.clone();
    let is_editing = {
        let id = id.clone();
        move || editing.with(|e| e.as_ref() == Some(&id))
    };
    let remove = {
        let id = id.clone();
        let name = component.name.clone();
        move |_| {
            let question = format!(
                "Remove the component {name} from the catalogue? Incidents that name it keep their history."
            );
            if !crate::browser::confirm(&question) {
                return;
            }
            let body = EventBody::ComponentRemoved {
                component: id.clone(),
            };
            spawn_local(async move {
                replica.record(IncidentId::workspace(), body).await;
            });
        }
    };
    let start_edit = {
        let id = id.clone();
        move |_| editing.set(Some(id.clone()))
    };
    let name = component.name.clone();
    view! {
        <li>
            <Show when=is_editing
                fallback=move || {
                    let name = name.clone();
                    view! {
                        <span class="setting-name">{name.clone()}</span>
                        <span class="setting-actions">
                            <button type="button" aria-label=format!("Edit {name}") on:click=start_edit.clone()>"Edit"</button>
                            <button type="button" aria-label=format!("Remove {name}") on:click=remove.clone()>"Remove"</button>
                        </span>
                    }
                }>
                <EditComponent component=component.clone() editing/>
            </Show>
        </li>
    }
}

#[component]
fn EditComponent(component: Component, editing: RwSignal<Option<ComponentId>>) -> impl IntoView {
    let replica = use_replica();
    let name = RwSignal::new(component.name.clone());
    let group = RwSignal::new(component.group.clone());
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let id = component.id.clone();
    let key = component.id.0.to_string();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = EventBody::ComponentDefined {
            component: id.clone(),
            name: name.get_untracked().trim().to_string(),
            group: group.get_untracked().trim().to_string(),
        };
        if let Some(p) = problem_with(&body) {
            problem.set(Some(p));
            return;
        }
        editing.set(None);
        spawn_local(async move {
            replica.record(IncidentId::workspace(), body).await;
        });
    };
    view! {
        <form class="inline-form" aria-label=format!("Edit {}", component.name) on:submit=save>
            <TextField id=format!("edit-name-{key}") label="Name" value=name maxlength=100/>
            <TextField id=format!("edit-group-{key}") label="Group" value=group maxlength=100
                list="component-groups"/>
            <button type="submit" class="primary">"Save"</button>
            <button type="button" on:click=move |_| editing.set(None)>"Cancel"</button>
            <Outcome problem saved/>
        </form>
    }
}
