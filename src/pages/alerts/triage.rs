//! What a responder does with a waiting group: declare an incident from it
//! (the proposal prefilled; impact start and detection are the earliest
//! alert's start), attach it to an open incident, or dismiss it with a
//! reason. Each is events in the log; the server checks them against the
//! inbox as it holds it.

use crate::browser::new_id;
use crate::components::form::{Outcome, SelectField, TextField};
use crate::reader::when;
use crate::replica::{use_replica, Replica};
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use sitrep_core::alerts::book::Group;
use sitrep_core::alerts::routing::Proposal;
use sitrep_core::vocabulary::ComponentStatus;
use sitrep_core::{EventBody, IncidentId, Severity};
use std::sync::atomic::{AtomicU32, Ordering};

/// Field ids are unique on the page: one form per card.
static CARDS: AtomicU32 = AtomicU32::new(0);

/// The incident's side of taking a group: its detection time comes from here.
fn linked(group: &Group, title: &str) -> EventBody {
    EventBody::AlertsLinked {
        group: group.id.clone(),
        episode: group.episode.clone(),
        source: group.source,
        title: title.to_string(),
        labels: group.common_labels(),
        alerts: group.firing() as u32,
        started_at: group.earliest_start().unwrap_or(group.since),
    }
}

async fn take(replica: Replica, group: &Group, title: &str, incident: IncidentId) {
    replica.record(incident.clone(), linked(group, title)).await;
    replica
        .record(
            IncidentId::alerts(),
            EventBody::AlertGroupAttached {
                group: group.id.clone(),
                episode: group.episode.clone(),
                incident,
            },
        )
        .await;
}

#[component]
pub fn Triage(group: Memo<Option<Group>>, proposal: Memo<Option<Proposal>>) -> impl IntoView {
    let replica = use_replica();
    let session = use_session();
    let navigate = use_navigate();
    let n = CARDS.fetch_add(1, Ordering::Relaxed);
    let first = proposal.get_untracked();
    let title = RwSignal::new(first.as_ref().map(|p| p.title.clone()).unwrap_or_default());
    let severity = RwSignal::new(first.as_ref().map_or(Severity::Sev3, |p| p.severity));
    let incident = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let workspace = replica.workspace();
    let incidents = replica.incidents();
    let open = Memo::new(move |_| {
        incidents.with(|list| {
            list.iter()
                .filter(|i| i.status.is_open() && i.maintenance.is_none())
                .map(|i| (i.id.clone(), i.title.clone()))
                .collect::<Vec<_>>()
        })
    });
    let said = Memo::new(move |_| {
        proposal.with(|p| {
            p.as_ref().map(|p| {
                let names: Vec<String> = workspace.with(|w| {
                    p.components.iter().map(|c| w.component_name(c)).collect()
                });
                let components = if names.is_empty() { "none".to_string() } else { names.join(", ") };
                let rule = p.route.clone().unwrap_or_else(|| "no rule matched".into());
                format!(
                    "Proposed by {rule}: {} · components: {components} · impact start and detection {}",
                    p.severity.label(),
                    when(p.started_at)
                )
            })
        })
    });

    let declare = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(g), Some(p)) = (group.get_untracked(), proposal.get_untracked()) else {
            return;
        };
        let t = title.get_untracked().trim().to_string();
        if t.is_empty() {
            problem.set(Some("Give the incident a title.".into()));
            return;
        }
        problem.set(None);
        busy.set(true);
        let id = IncidentId(new_id().into());
        let navigate = navigate.clone();
        spawn_local(async move {
            let declared = EventBody::Declared {
                title: t,
                severity: severity.get_untracked(),
                summary: p.summary.clone(),
                started_at: p.started_at,
                detected_at: None,
            };
            replica.record(id.clone(), declared).await;
            for component in p.components.clone() {
                let status = ComponentStatus::PartialOutage;
                replica
                    .record(
                        id.clone(),
                        EventBody::ComponentStatusSet { component, status },
                    )
                    .await;
            }
            take(replica, &g, &p.title, id.clone()).await;
            navigate(&format!("/incidents/{id}"), Default::default());
        });
    };
    let attach = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(g), Some(p)) = (group.get_untracked(), proposal.get_untracked()) else {
            return;
        };
        let target = incident.get_untracked();
        if target.is_empty() {
            problem.set(Some("Pick the incident to attach this group to.".into()));
            return;
        }
        problem.set(None);
        busy.set(true);
        spawn_local(async move {
            take(replica, &g, &p.title, IncidentId(target.into())).await;
        });
    };
    let dismiss = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(g) = group.get_untracked() else {
            return;
        };
        let r = reason.get_untracked().trim().to_string();
        if r.is_empty() {
            problem.set(Some("Say why this group needs no incident.".into()));
            return;
        }
        problem.set(None);
        busy.set(true);
        let body = EventBody::AlertGroupDismissed {
            group: g.id.clone(),
            episode: g.episode.clone(),
            reason: r,
        };
        spawn_local(async move {
            replica.record(IncidentId::alerts(), body).await;
        });
    };

    view! {
        <fieldset class="stack plain triage" disabled=move || !session.can_write() || busy.get()>
            <p class="hint proposal">{move || said.get()}</p>
            <form class="inline-form" aria-label="Declare an incident from this group" on:submit=declare>
                <TextField id=format!("alert-title-{n}") label="Title" value=title maxlength=200 grow=true/>
                <SelectField id=format!("alert-severity-{n}") label="Severity"
                    on_change=move |v: String| { if let Some(s) = Severity::from_wire(&v) { severity.set(s) } }>
                    {Severity::ALL.into_iter().map(|s| view! {
                        <option value=s.wire() selected=move || severity.get() == s>{s.label()}</option>
                    }).collect_view()}
                </SelectField>
                <button type="submit" class="primary">"Declare incident"</button>
            </form>
            <form class="inline-form" aria-label="Attach this group to an incident" on:submit=attach>
                <SelectField id=format!("alert-incident-{n}") label="Open incident"
                    value=Signal::derive(move || incident.get())
                    on_change=move |v: String| incident.set(v)>
                    <option value="">"Pick one"</option>
                    {move || open.get().into_iter().map(|(id, t)| view! {
                        <option value=id.to_string()>{t}</option>
                    }).collect_view()}
                </SelectField>
                <button type="submit">"Attach"</button>
            </form>
            <form class="inline-form" aria-label="Dismiss this group" on:submit=dismiss>
                <TextField id=format!("alert-reason-{n}") label="Reason" value=reason maxlength=400 grow=true
                    placeholder="e.g. known flake, fixed by the deploy at 14:05"/>
                <button type="submit">"Dismiss"</button>
            </form>
            <Outcome problem/>
        </fieldset>
    }
}
