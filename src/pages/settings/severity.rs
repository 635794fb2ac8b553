//! The severity policy: what each level is called and means, and the rules
//! that say how severe an incident with a given impact must at least be.

use super::problem_with;
use crate::components::form::{Outcome, SelectField, TextArea, TextField};
use crate::replica::use_replica;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::incident::severity_policy::{describe, parse_percent};
use sitrep_core::vocabulary::{ImpactCondition, SeverityRule};
use sitrep_core::{EventBody, IncidentId, Severity};

#[component]
pub fn SeverityPolicy() -> impl IntoView {
    view! {
        <section class="settings-section" aria-labelledby="settings-severity">
            <h2 id="settings-severity">"Severity policy"</h2>
            <div class="severity-levels">
                {Severity::ALL.into_iter().map(|s| view! { <SeverityLevel severity=s/> }).collect_view()}
            </div>
            <SeverityRules/>
        </section>
    }
}

#[component]
fn SeverityLevel(severity: Severity) -> impl IntoView {
    let replica = use_replica();
    let workspace = replica.workspace();
    // Only this level's definition: other settings changing must not reset
    // what someone is typing here.
    let stored = Memo::new(move |_| {
        workspace.with(|w| {
            w.severities
                .get(&severity)
                .map(|d| (d.name.clone(), d.definition.clone()))
                .unwrap_or_default()
        })
    });
    let name = RwSignal::new(stored.get_untracked().0);
    let definition = RwSignal::new(stored.get_untracked().1);
    Effect::new(move |_| {
        let (n, d) = stored.get();
        name.set(n);
        definition.set(d);
    });
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let label = severity.label();
    let wire = severity.wire();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let body = EventBody::SeverityDefined {
            severity,
            name: name.get_untracked().trim().to_string(),
            definition: definition.get_untracked().trim().to_string(),
        };
        if let Some(p) = problem_with(&body) {
            problem.set(Some(p));
            return;
        }
        problem.set(None);
        saved.set(Some(format!("{label} saved.")));
        spawn_local(async move {
            replica.record(IncidentId::workspace(), body).await;
        });
    };
    view! {
        <form class=format!("severity-level {wire}") aria-label=label on:submit=save>
            <TextField id=format!("{wire}-name") label={format!("{label} name")} value=name
                maxlength=100/>
            <TextArea id=format!("{wire}-definition") label={format!("{label} definition")}
                value=definition rows=2/>
            <button type="submit">{format!("Save {label}")}</button>
            <Outcome problem saved/>
        </form>
    }
}

#[component]
fn SeverityRules() -> impl IntoView {
    let replica = use_replica();
    let workspace = replica.workspace();
    let rules = Memo::new(move |_| workspace.with(|w| w.severity_rules.clone()));
    let condition = RwSignal::new("customer".to_string());
    let share = RwSignal::new(String::new());
    let at_least = RwSignal::new(Severity::Sev1);
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);

    // Every change records the whole list: the last one delivered wins.
    let set_rules = move |next: Vec<SeverityRule>, message: String| {
        let body = EventBody::SeverityRulesSet { rules: next };
        if let Some(p) = problem_with(&body) {
            problem.set(Some(p));
            return;
        }
        problem.set(None);
        saved.set(Some(message));
        spawn_local(async move {
            replica.record(IncidentId::workspace(), body).await;
        });
    };

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let when = if condition.get_untracked() == "share" {
            match parse_percent(&share.get_untracked()) {
                Ok(permille) => ImpactCondition::ShareAtLeast { permille },
                Err(e) => {
                    problem.set(Some(format!("Share affected: {e}.")));
                    return;
                }
            }
        } else {
            ImpactCondition::CustomerImpact
        };
        let rule = SeverityRule {
            when,
            at_least: at_least.get_untracked(),
        };
        let mut next = rules.get_untracked();
        if next.contains(&rule) {
            problem.set(Some("That rule is already in the policy.".into()));
            return;
        }
        let message = format!("Added: {}.", describe(&rule));
        next.push(rule);
        share.set(String::new());
        set_rules(next, message);
    };

    view! {
        <h3 id="severity-rules-title">"Rules"</h3>
        <Show when=move || !rules.with(Vec::is_empty)
            fallback=|| view! { <p class="empty">"No rules: severity is left to the responders."</p> }>
            <ul aria-labelledby="severity-rules-title" class="setting-list">
                {move || rules.get().into_iter().enumerate().map(|(i, rule)| {
                    let text = describe(&rule);
                    let remove = move |_| {
                        let mut next = rules.get_untracked();
                        if i < next.len() {
                            let gone = next.remove(i);
                            set_rules(next, format!("Removed: {}.", describe(&gone)));
                        }
                    };
                    view! {
                        <li>
                            <span class="setting-name">{text.clone()}</span>
                            <span class="setting-actions">
                                <button type="button" aria-label=format!("Remove rule: {text}") on:click=remove>"Remove"</button>
                            </span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Show>
        <form class="inline-form" aria-label="Add a rule" on:submit=add>
            <SelectField id="rule-condition" label="When" on_change=move |v: String| condition.set(v)>
                <option value="customer" selected=move || condition.get() == "customer">"Any customer impact"</option>
                <option value="share" selected=move || condition.get() == "share">"At least a share of users or traffic"</option>
            </SelectField>
            <Show when=move || condition.get() == "share">
                <TextField id="rule-share" label="Share affected (%)" value=share
                    inputmode="decimal" size=6 placeholder="25"/>
            </Show>
            <SelectField id="rule-severity" label="Is at least"
                on_change=move |v: String| {
                    if let Some(s) = Severity::from_wire(&v) { at_least.set(s) }
                }>
                {Severity::ALL.into_iter().map(|s| view! {
                    <option value=s.wire() selected=move || at_least.get() == s>{s.label()}</option>
                }).collect_view()}
            </SelectField>
            <button type="submit" class="primary">"Add rule"</button>
        </form>
        <Outcome problem saved/>
    }
}
