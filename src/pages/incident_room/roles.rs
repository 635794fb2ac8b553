//! Who holds each role (built in and custom), since when; assign, hand
//! over, release. The log keeps every handover. Holders are picked from the
//! workspace's accounts; a name without one is marked.

use super::people::{NoAccountMark, PersonPicker};
use crate::components::form::{Outcome, SelectField};
use crate::reader::when;
use crate::room::use_room;
use leptos::prelude::*;
use sitrep_core::{EventBody, RoleId};

#[component]
pub fn RolesPanel() -> impl IntoView {
    let room = use_room();
    let roles = Memo::new(move |_| room.workspace.with(|w| w.roles()));
    let role = RwSignal::new(String::from("incident_commander"));
    let person = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let assign = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let who = person.get_untracked().trim().to_string();
        if who.is_empty() {
            problem.set(Some("Name the person who takes the role.".into()));
            return;
        }
        problem.set(None);
        room.record(EventBody::RoleAssigned {
            role: RoleId(role.get_untracked().into()),
            person: who,
        });
        person.set(String::new());
    };
    // Roles held that settings no longer define still show, by id.
    let rows = move || {
        let held = room.incident.with(|i| i.roles.clone());
        let mut out: Vec<(RoleId, String)> = roles.get();
        for id in held.keys() {
            if !out.iter().any(|(r, _)| r == id) {
                out.push((id.clone(), room.workspace.with(|w| w.role_name(id))));
            }
        }
        out.into_iter()
            .map(|(id, name)| {
                let holder = held.get(&id).cloned();
                let release = {
                    let id = id.clone();
                    move |_| room.record(EventBody::RoleReleased { role: id.clone() })
                };
                view! {
                    <li>
                        <span class="role-name">{name.clone()}</span>
                        {match holder {
                            Some(h) => view! {
                                <span class="holder">{h.person.clone()}</span>
                                " " <NoAccountMark name=h.person.clone()/>
                                <span class="since">" since " {when(h.since)}</span>
                                <button type="button" class="small" aria-label=format!("Release {name}") on:click=release>"Release"</button>
                            }.into_any(),
                            None => view! { <span class="unassigned">"unassigned"</span> }.into_any(),
                        }}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="panel" aria-labelledby="roles-heading">
            <h2 id="roles-heading">"Roles"</h2>
            <ul class="roles" aria-label="Role holders">{rows}</ul>
            <form class="inline-form" on:submit=assign>
                <SelectField id="role-pick" label="Role" on_change=move |v: String| role.set(v)>
                    {move || roles.get().into_iter().map(|(id, name)| {
                        let value = id.0.to_string();
                        let selected = role.get_untracked() == value;
                        view! { <option value=value selected=selected>{name}</option> }
                    }).collect_view()}
                </SelectField>
                <PersonPicker id="role-person" label="Person" value=person/>
                <button type="submit">"Assign"</button>
            </form>
            <Outcome problem/>
        </section>
    }
}
