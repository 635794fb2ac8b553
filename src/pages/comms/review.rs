//! Approve and publish one draft. A button that may not be used now is
//! disabled, with the reason beside it (role, the approval policy, failing
//! checks without a reason, no target).

use super::targets::use_targets;
use crate::components::form::CheckField;
use crate::replica::use_replica;
use crate::room::use_room;
use crate::session::use_session;
use leptos::prelude::*;
use sitrep_core::comms::checks::Finding;
use sitrep_core::comms::review::{may_approve, may_publish, overrides_to_record};
use sitrep_core::comms::{CheckOverride, CustomerUpdate};
use sitrep_core::EventBody;
use std::collections::BTreeMap;

#[component]
pub fn ReviewBar(
    update: Memo<CustomerUpdate>,
    findings: Memo<Vec<Finding>>,
    overrides: RwSignal<BTreeMap<String, String>>,
    dirty: Signal<bool>,
) -> impl IntoView {
    let room = use_room();
    let session = use_session();
    let replica = use_replica();
    let targets = use_targets();
    let uid = update.with_untracked(|u| u.id.to_string());
    let chosen = RwSignal::new(Vec::<String>::new());
    let given = move || {
        overrides.with(|o| {
            o.iter()
                .map(|(check, reason)| CheckOverride {
                    check: check.clone(),
                    reason: reason.clone(),
                })
                .collect::<Vec<_>>()
        })
    };
    let approve_check = move || {
        if dirty.get() {
            return Err("Save your changes first.".to_string());
        }
        let me = replica.author_name();
        let policy = room.workspace.with(|w| w.comms.clone());
        update.with(|u| may_approve(u, &me, session.role(), &policy))
    };
    let publish_check = move || {
        if dirty.get() {
            return Err("Save your changes first.".to_string());
        }
        let o = given();
        let t = chosen.get();
        let policy = room.workspace.with(|w| w.comms.clone());
        findings.with(|f| update.with(|u| may_publish(u, session.role(), f, &o, &t, &policy)))
    };
    let approve = move |_| {
        if approve_check().is_ok() {
            let id = update.with_untracked(|u| u.id.clone());
            room.record(EventBody::UpdateApproved { update: id });
        }
    };
    let publish = move |_| {
        if publish_check().is_ok() {
            let id = update.with_untracked(|u| u.id.clone());
            let recorded = findings.with_untracked(|f| overrides_to_record(f, &given()));
            room.record(EventBody::UpdatePublished {
                update: id,
                targets: chosen.get_untracked(),
                overrides: recorded,
            });
        }
    };
    let approve_why = format!("{uid}-approve-why");
    let publish_why = format!("{uid}-publish-why");
    view! {
        <div class="review">
            <fieldset class="targets">
                <legend>"Publish to"</legend>
                <For each=move || targets.list.get() key=|t| (t.id.clone(), t.name.clone(), t.configured) let:t>
                    {
                        let box_id = format!("{uid}-target-{}", t.id);
                        let id = t.id.clone();
                        let id2 = t.id.clone();
                        let label = if t.configured { t.name.clone() } else { format!("{} (not configured)", t.name) };
                        view! {
                            <CheckField id=box_id label disabled=!t.configured
                                checked=Signal::derive(move || chosen.with(|c| c.contains(&id)))
                                on_change=move |on| chosen.update(|c| {
                                    c.retain(|x| *x != id2);
                                    if on { c.push(id2.clone()); }
                                })/>
                        }
                    }
                </For>
            </fieldset>
            <div class="row">
                <button type="button" aria-describedby=approve_why.clone()
                    disabled=move || approve_check().is_err() on:click=approve>"Approve"</button>
                <span id=approve_why class="hint">{move || approve_check().err().unwrap_or_default()}</span>
            </div>
            <div class="row">
                <button type="button" class="primary" aria-describedby=publish_why.clone()
                    disabled=move || publish_check().is_err() on:click=publish>"Publish"</button>
                <span id=publish_why class="hint">{move || publish_check().err().unwrap_or_default()}</span>
            </div>
        </div>
    }
}
