//! Declaring an incident: title, severity (with the policy's definitions and
//! rules beside it), what is happening, when impact began, the components it
//! touches, whether customers feel it, and who commands it (the declarer
//! unless they choose otherwise; core's `incident::declaration`).
//! `?title=…&summary=…&component=ID&status=…` prefill it (the upstream panel's offer):
//! the incident then starts touching that component of ours.

use crate::browser::{new_id, now_ms};
use crate::components::form::{Outcome, SelectField, TextArea, TextField};
use crate::components::labels::ReadOnlyNote;
use crate::replica::use_replica;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use sitrep_core::incident::declaration::{self, Commander, Declaration};
use sitrep_core::incident::severity_policy;
use sitrep_core::time::utc;
use sitrep_core::vocabulary::{ComponentId, ComponentStatus};
use sitrep_core::{IncidentId, Severity};
use std::collections::BTreeMap;

#[component]
pub fn Declare() -> impl IntoView {
    let replica = use_replica();
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map().get_untracked();
    let title = RwSignal::new(query.get("title").unwrap_or_default());
    let workspace = replica.workspace();
    let touches = query.get("component").filter(|c| !c.is_empty()).map(|c| {
        let status = query
            .get("status")
            .and_then(|s| ComponentStatus::from_wire(&s))
            .unwrap_or(ComponentStatus::DegradedPerformance);
        (ComponentId(c.into()), status)
    });
    let severity = RwSignal::new(Severity::Sev2);
    let summary = RwSignal::new(query.get("summary").unwrap_or_default());
    let started = RwSignal::new(utc::to_input(now_ms()));
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Components picked on the form, with the status each has now.
    let affected = RwSignal::new(BTreeMap::<ComponentId, ComponentStatus>::new());
    if let Some((c, s)) = touches.clone() {
        affected.update(|a| {
            a.insert(c, s);
        });
    }
    let impact = RwSignal::new(None::<bool>);
    // "me", "other" or "nobody".
    let commander_choice = RwSignal::new("me".to_string());
    let commander_name = RwSignal::new(String::new());
    let me = replica.author_name();

    let prefilled = touches.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = title.get_untracked().trim().to_string();
        if t.is_empty() {
            problem.set(Some("Give the incident a title.".into()));
            return;
        }
        let Some(started_at) = utc::parse_input(&started.get_untracked()) else {
            problem.set(Some("Impact start must be a date and time (UTC).".into()));
            return;
        };
        let commander = match commander_choice.get_untracked().as_str() {
            "nobody" => Commander::Nobody,
            "other" => {
                let name = commander_name.get_untracked().trim().to_string();
                if name.is_empty() {
                    problem.set(Some(
                        "Name the incident commander, or choose yourself.".into(),
                    ));
                    return;
                }
                Commander::Named(name)
            }
            _ => Commander::Declarer,
        };
        problem.set(None);
        busy.set(true);
        let id = IncidentId(new_id().into());
        let form = Declaration {
            title: t,
            severity: severity.get_untracked(),
            summary: summary.get_untracked(),
            started_at,
            components: affected.get_untracked().into_iter().collect(),
            customer_impact: impact.get_untracked(),
            commander,
        };
        let events = declaration::events(&form, &replica.author_name());
        let navigate = navigate.clone();
        spawn_local(async move {
            for body in events {
                replica.record(id.clone(), body).await;
            }
            navigate(&format!("/incidents/{id}"), Default::default());
        });
    };

    let definition = move || {
        workspace.with(|w| {
            let s = severity.get();
            let mut parts: Vec<String> = Vec::new();
            if let Some(d) = w
                .severities
                .get(&s)
                .filter(|d| !d.definition.trim().is_empty())
            {
                parts.push(d.definition.trim().to_string());
            }
            let rules: Vec<String> = w
                .severity_rules
                .iter()
                .map(severity_policy::describe)
                .collect();
            if !rules.is_empty() {
                parts.push(format!("Policy: {}.", rules.join("; ")));
            }
            parts.join(" ")
        })
    };
    let catalogue = move || {
        workspace.with(|w| {
            w.catalogue()
                .into_iter()
                .map(|c| (c.id.clone(), w.component_name(&c.id)))
                .collect::<Vec<_>>()
        })
    };

    view! {
        <section class="page narrow">
            <h1>"Declare an incident"</h1>
            <ReadOnlyNote/>
            <form class="stack" on:submit=submit>
                <fieldset class="stack plain" disabled=move || !session.can_write()>
                <TextField id="declare-title" label="Title" value=title name="title" maxlength=200
                    required=true placeholder="Checkout fails for EU customers"/>
                <SelectField id="declare-severity" label="Severity" name="severity"
                    on_change=move |v: String| {
                        if let Some(s) = Severity::from_wire(&v) { severity.set(s) }
                    }>
                    {Severity::ALL.into_iter().map(|s| view! {
                        <option value=s.wire() selected=move || severity.get() == s>{s.label()}</option>
                    }).collect_view()}
                </SelectField>
                <p class="hint" data-testid="severity-definition">{definition}</p>
                <TextArea id="declare-summary" label="Summary" value=summary name="summary" rows=3
                    placeholder="What customers see, what we know so far"/>
                <TextField id="declare-started" label="Impact started (UTC)" value=started
                    kind="datetime-local" name="started"/>
                {prefilled.map(|(component, status)| view! {
                    <p class="hint">
                        {move || format!("Touches our component {} ({}).", workspace.with(|w| w.component_name(&component)), status.label())}
                    </p>
                })}
                <fieldset class="stack">
                    <legend>"Affected components"</legend>
                    {move || {
                        let list = catalogue();
                        if list.is_empty() {
                            view! { <p class="hint">"No components in the catalogue yet (Settings)."</p> }.into_any()
                        } else {
                            list.into_iter().enumerate().map(|(n, (id, name))| {
                                let pick = id.clone();
                                let shown = id.clone();
                                view! {
                                    <SelectField id=format!("declare-component-{n}") label=name
                                        on_change=move |v: String| affected.update(|a| {
                                            match ComponentStatus::from_wire(&v).filter(|s| *s != ComponentStatus::Operational) {
                                                Some(s) => { a.insert(pick.clone(), s); }
                                                None => { a.remove(&pick); }
                                            }
                                        })>
                                        <option value="operational" selected=move || affected.with(|a| !a.contains_key(&shown))>"Not affected"</option>
                                        {ComponentStatus::ALL.into_iter().filter(|s| *s != ComponentStatus::Operational).map(|s| {
                                            let shown = id.clone();
                                            view! {
                                                <option value=s.wire() selected=move || affected.with(|a| a.get(&shown) == Some(&s))>{s.label()}</option>
                                            }
                                        }).collect_view()}
                                    </SelectField>
                                }
                            }).collect_view().into_any()
                        }
                    }}
                </fieldset>
                <SelectField id="declare-impact" label="Customer impact"
                    on_change=move |v: String| impact.set(match v.as_str() {
                        "yes" => Some(true),
                        "no" => Some(false),
                        _ => None,
                    })>
                    <option value="unknown" selected=move || impact.get().is_none()>"Not known yet"</option>
                    <option value="yes" selected=move || impact.get() == Some(true)>"Yes, customers are affected"</option>
                    <option value="no" selected=move || impact.get() == Some(false)>"No customer impact"</option>
                </SelectField>
                <SelectField id="declare-commander" label="Incident commander"
                    on_change=move |v: String| commander_choice.set(v)>
                    <option value="me" selected=move || commander_choice.get() == "me">{format!("Me ({me})")}</option>
                    <option value="other" selected=move || commander_choice.get() == "other">"Someone else"</option>
                    <option value="nobody" selected=move || commander_choice.get() == "nobody">"Nobody yet"</option>
                </SelectField>
                <Show when=move || commander_choice.get() == "other">
                    <TextField id="declare-commander-name" label="Commander's name" value=commander_name
                        maxlength=200/>
                </Show>
                <Outcome problem/>
                <button type="submit" class="primary" disabled=move || busy.get()>"Declare incident"</button>
                </fieldset>
            </form>
        </section>
    }
}
