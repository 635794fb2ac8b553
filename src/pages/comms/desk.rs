//! The comms desk of one incident: the cadence reminder, a new draft from
//! the phase's template, then every customer update, newest first.

use super::targets::provide_targets;
use super::update::UpdateCard;
use crate::browser::now_ms;
use crate::components::cadence_badge::CadenceBadge;
use crate::components::form::SelectField;
use crate::room::use_room;
use crate::session::use_session;
use leptos::prelude::*;
use sitrep_core::comms::review::may_draft;
use sitrep_core::comms::template;
use sitrep_core::comms::template::{fill_channels, Facts};
use sitrep_core::comms::Phase;
use sitrep_core::EventBody;

#[component]
pub fn CommsDesk() -> impl IntoView {
    let room = use_room();
    let session = use_session();
    let targets = provide_targets();
    let ids = Memo::new(move |_| {
        room.incident.with(|i| {
            i.updates
                .iter()
                .rev()
                .map(|u| u.id.clone())
                .collect::<Vec<_>>()
        })
    });
    let cadence = Signal::derive(move || room.workspace.with(|w| w.comms.cadence));
    view! {
        <section class="comms-desk" aria-labelledby="comms-heading">
            <h2 id="comms-heading">"Customer updates"</h2>
            <p class="cadence-line">"Next public update: " <CadenceBadge incident=room.incident policy=cadence/></p>
            {move || may_draft(session.role()).err().map(|why| view! {
                <p class="note" role="note">{format!("{why} You can read the drafts and what was published.")}</p>
            })}
            {move || targets.problem.get().map(|p| view! { <p class="note" role="note">{p}</p> })}
            <NewDraft/>
            {move || ids.with(Vec::is_empty).then(|| view! { <p class="empty">"No customer updates yet."</p> })}
            <For each=move || ids.get() key=|id| id.clone() let:id>
                <UpdateCard id/>
            </For>
        </section>
    }
}

/// Picks a phase (the incident's status by default) and fans its template
/// out to every channel, filled with what the incident knows now.
#[component]
fn NewDraft() -> impl IntoView {
    let room = use_room();
    let session = use_session();
    // `?phase=postmortem` (the post-mortem page's link) starts there.
    let asked = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("phase").and_then(|p| Phase::from_wire(&p)));
    let picked = RwSignal::new(asked);
    let phase = move || {
        picked
            .get()
            .unwrap_or_else(|| room.incident.with(|i| template::phase_for(i, now_ms())))
    };
    let outcome = RwSignal::new(None::<String>);
    let draft = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if may_draft(session.role()).is_err() {
            return;
        }
        let p = phase();
        let (channels, left, components) = room.workspace.with_untracked(|w| {
            room.incident.with_untracked(|i| {
                let facts = Facts::of(i, w, now_ms());
                let (c, left) = fill_channels(&w.template(p), &facts);
                (c, left, i.components.clone())
            })
        });
        // No public title yet: the editor asks for one when the incident
        // has none published, and keeps the published one otherwise.
        room.record(EventBody::UpdateDrafted {
            phase: p,
            channels,
            components,
            public_title: None,
        });
        outcome.set(Some(if left.is_empty() {
            format!("Drafted from the {} template.", p.label())
        } else {
            let names: Vec<String> = left
                .iter()
                .map(|u| format!("{{{{{}}}}}: {}", u.name, u.why))
                .collect();
            format!(
                "Drafted from the {} template. Still to fill: {}.",
                p.label(),
                names.join("; ")
            )
        }));
    };
    view! {
        <form class="inline-form" aria-label="New customer update" on:submit=draft>
            <fieldset class="plain row" disabled=move || may_draft(session.role()).is_err()>
                <SelectField id="comms-phase" label="Phase"
                    on_change=move |v: String| picked.set(Phase::from_wire(&v))>
                    {Phase::ALL.into_iter().map(|p| view! {
                        <option value=p.wire() selected=move || phase() == p>{p.label()}</option>
                    }).collect_view()}
                </SelectField>
                <button type="submit" class="primary">"Draft from template"</button>
            </fieldset>
        </form>
        {move || outcome.get().map(|o| view! { <p class="saved" role="status">{o}</p> })}
    }
}
