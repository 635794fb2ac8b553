//! Roles an incident can assign: the four built in and our own.

use super::problem_with;
use crate::components::form::{Outcome, TextField};
use crate::replica::use_replica;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::workspace::BUILT_IN_ROLES;
use sitrep_core::{slug, EventBody, IncidentId, RoleId};

#[component]
pub fn Roles() -> impl IntoView {
    let replica = use_replica();
    let workspace = replica.workspace();
    let name = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let custom = Memo::new(move |_| {
        workspace.with(|w| {
            w.custom_roles
                .iter()
                .map(|(id, n)| (id.clone(), n.clone()))
                .collect::<Vec<_>>()
        })
    });

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let n = name.get_untracked().trim().to_string();
        let (id, duplicate) = workspace.with_untracked(|w| {
            let id = slug::unique(&n, "role", |id| {
                BUILT_IN_ROLES.iter().any(|(b, _)| *b == id)
                    || w.custom_roles.contains_key(&RoleId(id.into()))
            });
            let duplicate = w.roles().iter().any(|(_, r)| r.eq_ignore_ascii_case(&n));
            (id, duplicate)
        });
        let body = EventBody::RoleDefined {
            role: RoleId(id.into()),
            name: n.clone(),
        };
        if let Some(p) = problem_with(&body) {
            problem.set(Some(p));
            return;
        }
        if duplicate {
            problem.set(Some(format!("There is already a role named {n}.")));
            return;
        }
        problem.set(None);
        name.set(String::new());
        saved.set(Some(format!("Added the role {n}.")));
        spawn_local(async move {
            replica.record(IncidentId::workspace(), body).await;
        });
    };

    view! {
        <section class="settings-section" aria-labelledby="settings-roles">
            <h2 id="settings-roles">"Roles"</h2>
            <ul aria-label="Roles" class="setting-list">
                {BUILT_IN_ROLES.iter().map(|(_, n)| view! {
                    <li><span class="setting-name">{*n}</span>" "<span class="tag">"(built in)"</span></li>
                }).collect_view()}
                <For each=move || custom.get() key=|(id, n)| (id.clone(), n.clone()) let:role>
                    <CustomRole id=role.0 name=role.1/>
                </For>
            </ul>
            <form class="inline-form" aria-label="Add a role" on:submit=add>
                <TextField id="role-name" label="Role name" value=name maxlength=100
                    placeholder="e.g. Database liaison"/>
                <button type="submit" class="primary">"Add role"</button>
            </form>
            <Outcome problem saved/>
        </section>
    }
}

#[component]
fn CustomRole(id: RoleId, name: String) -> impl IntoView {
    let replica = use_replica();
    let remove = move |_| {
        let body = EventBody::RoleRemoved { role: id.clone() };
        spawn_local(async move {
            replica.record(IncidentId::workspace(), body).await;
        });
    };
    view! {
        <li>
            <span class="setting-name">{name.clone()}</span>
            <span class="setting-actions">
                <button type="button" aria-label=format!("Remove role {name}") on:click=remove>"Remove"</button>
            </span>
        </li>
    }
}
