//! An incident's post-mortem: the parts the log already knows (impact,
//! times, timeline with key entries first, where each update went) and the
//! parts people write (sections, what customers lost and got), each edited
//! in place as an event; export to Markdown and print.

mod customers;
mod trail;

use crate::browser::{download_text, print_page};
use crate::components::form::{Outcome, SelectField, TextArea, TextField};
use crate::components::labels::{ReadOnlyNote, SeverityBadge, StatusBadge};
use crate::components::markdown::Markdown;
use crate::room::{
    provide_room_context, use_room, use_route_incident, IncidentNotHereYet, RouteIncident,
};
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use sitrep_core::aftermath::postmortem::{assemble, to_markdown, Line, Postmortem};
use sitrep_core::time::utc;
use sitrep_core::{EventBody, Incident, PostmortemSection};
use std::sync::Arc;

#[component]
pub fn PostmortemPage() -> impl IntoView {
    let RouteIncident {
        found: incident,
        current,
        ..
    } = use_route_incident();
    view! {
        <section class="page postmortem">
            <Show
                when=move || incident.with(Option::is_some)
                fallback=IncidentNotHereYet
            >
                <PostmortemBody incident=current/>
            </Show>
        </section>
    }
}

#[component]
fn PostmortemBody(incident: Memo<Arc<Incident>>) -> impl IntoView {
    let room = provide_room_context(incident);
    let session = use_session();
    let pm = Memo::new(move |_| room.workspace.with(|w| incident.with(|i| assemble(i, w))));
    let problem = RwSignal::new(None::<String>);
    let export = move |_| {
        let p = pm.get_untracked();
        match download_text(
            &p.file_name(),
            "text/markdown;charset=utf-8",
            &to_markdown(&p),
        ) {
            Ok(()) => problem.set(None),
            Err(e) => problem.set(Some(e)),
        }
    };
    let room_href = move || format!("/incidents/{}", pm.with(|p| p.incident.0.clone()));
    let read_only = move || !session.can_write();
    view! {
        <div class="pm-head">
            <p class="no-print"><A href=room_href>"← Incident room"</A></p>
            <h1>{move || format!("Post-mortem: {}", pm.with(|p| p.title.clone()))}</h1>
            <div class="facts">
                {move || view! { <SeverityBadge severity=pm.with(|p| p.severity)/> }}
                {move || view! { <StatusBadge status=pm.with(|p| p.status)/> }}
                <span>"Impact since " {move || crate::reader::when(pm.with(|p| p.started_at))}</span>
            </div>
            <div class="actions no-print">
                <button type="button" on:click=export>"Export Markdown"</button>
                <button type="button" on:click=move |_| print_page()>"Print"</button>
            </div>
            <Outcome problem/>
        </div>
        <ReadOnlyNote/>
        <fieldset class="plain pm-sections" disabled=read_only>
            <legend class="visually-hidden">"Post-mortem"</legend>
            <SectionEditor section=PostmortemSection::Summary pm/>
            <ImpactSection pm/>
            <TimesSection pm/>
            <SectionEditor section=PostmortemSection::RootCause pm/>
            <SectionEditor section=PostmortemSection::ContributingFactors pm/>
            <SectionEditor section=PostmortemSection::WentWell pm/>
            <SectionEditor section=PostmortemSection::WentPoorly pm/>
            <customers::CustomersSection pm/>
            <RemediationSection pm/>
        </fieldset>
        <trail::TrailSection pm/>
        <TimelineSection pm/>
    }
}

/// One written section: its Markdown rendered, and an editor in its place
/// on "Edit". Saving records the whole new text as one event.
#[component]
fn SectionEditor(section: PostmortemSection, pm: Memo<Postmortem>) -> impl IntoView {
    let room = use_room();
    let heading_id = format!("pm-{}-heading", section.wire());
    let labelled_by = heading_id.clone();
    let field_id = format!("pm-{}", section.wire());
    let current = Memo::new(move |_| pm.with(|p| p.section(section).cloned()));
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    let start = move |_| {
        draft.set(
            current.with_untracked(|s| s.as_ref().map(|s| s.text.clone()).unwrap_or_default()),
        );
        editing.set(true);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked();
        let unchanged = current.with_untracked(|s| s.as_ref().is_some_and(|s| s.text == text));
        if !unchanged {
            room.record(EventBody::PostmortemSectionSet { section, text });
        }
        editing.set(false);
    };
    let shown = move || {
        current.with(|s| match s {
            Some(s) if s.is_written() => view! { <Markdown text=s.text.clone()/> }.into_any(),
            _ => view! { <p class="empty">"Not written yet."</p> }.into_any(),
        })
    };
    let edited = move || {
        current.with(|s| {
            s.as_ref().and_then(|s| s.edited.clone()).map(|(by, at)| {
                view! { <p class="edited">{format!("Last edited by {by}, {}", crate::reader::when(at))}</p> }
            })
        })
    };
    view! {
        <section class="pm-section" aria-labelledby=labelled_by>
            <h2 id=heading_id>{section.label()}</h2>
            <Show when=move || editing.get() fallback=move || view! {
                <div class="pm-text">{shown}</div>
                {edited}
                <button type="button" class="small no-print" on:click=start>"Edit"</button>
            }>
                <form class="stack-form no-print" on:submit=save>
                    <TextArea id=field_id.clone() label={format!("{} (Markdown)", section.label())}
                        value=draft rows=6/>
                    <div class="row">
                        <button type="submit" class="primary">"Save"</button>
                        <button type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </div>
                </form>
            </Show>
        </section>
    }
}

/// What the log knows about impact, and the two facts only people know:
/// how many customers, and whether data was lost.
#[component]
fn ImpactSection(pm: Memo<Postmortem>) -> impl IntoView {
    let room = use_room();
    let customers = RwSignal::new(String::new());
    let data_lost = RwSignal::new(String::new());
    let recorded =
        Memo::new(move |_| pm.with(|p| (p.impact.customers_affected, p.impact.data_lost)));
    // Follow the log only when these facts change: someone may be typing.
    Effect::new(move |_| {
        let (c, d) = recorded.get();
        customers.set(c.map(|c| c.to_string()).unwrap_or_default());
        data_lost.set(wire_lost(d).to_string());
    });
    let problem = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = customers.get_untracked();
        let count = match typed.trim().replace([',', ' '], "") {
            s if s.is_empty() => None,
            s => match s.parse::<u64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    return problem.set(Some(format!(
                        "Customers affected must be a whole number (or blank if not counted), not “{}”.",
                        typed.trim()
                    )))
                }
            },
        };
        let lost = match data_lost.get_untracked().as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        problem.set(None);
        if (count, lost) != recorded.get_untracked() {
            room.record(EventBody::PostmortemImpactSet {
                customers_affected: count,
                data_lost: lost,
            });
        }
    };
    let fact = |term: &'static str, value: Signal<String>| {
        view! { <dt>{term}</dt><dd>{move || value.get()}</dd> }
    };
    view! {
        <section class="pm-section" aria-labelledby="pm-impact-heading">
            <h2 id="pm-impact-heading">"Impact"</h2>
            <dl class="facts-list" aria-label="Impact">
                {fact("Duration", Signal::derive(move || pm.with(|p| p.impact.duration_text())))}
                {fact("Components", Signal::derive(move || pm.with(|p| p.impact.components_text())))}
                {fact("Share affected", Signal::derive(move || pm.with(|p| p.impact.share_text())))}
                {fact("Customers affected", Signal::derive(move || pm.with(|p| p.impact.customers_text())))}
                {fact("Data lost", Signal::derive(move || pm.with(|p| p.impact.data_lost_text().to_string())))}
            </dl>
            <form class="row no-print" on:submit=save aria-label="Impact facts">
                <TextField id="pm-customers" label="Customers affected" value=customers
                    inputmode="numeric" placeholder="not counted"/>
                <SelectField id="pm-data-lost" label="Data lost" on_change=move |v: String| data_lost.set(v)>
                    {[("unknown", "Not established"), ("yes", "Yes"), ("no", "No")].into_iter().map(|(value, text)| view! {
                        <option value=value selected=move || data_lost.get() == value>{text}</option>
                    }).collect_view()}
                </SelectField>
                <button type="submit">"Save impact"</button>
            </form>
            <Outcome problem/>
        </section>
    }
}

fn wire_lost(d: Option<bool>) -> &'static str {
    match d {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

#[component]
fn TimesSection(pm: Memo<Postmortem>) -> impl IntoView {
    let when = |t: Option<i64>, missing: &'static str| t.map(utc::format).unwrap_or(missing.into());
    view! {
        <section class="pm-section" aria-labelledby="pm-times-heading">
            <h2 id="pm-times-heading">"Times (UTC)"</h2>
            <dl class="facts-list" aria-label="Times">
                <dt>"Impact started"</dt><dd>{move || utc::format(pm.with(|p| p.started_at))}</dd>
                <dt>"Detected"</dt><dd>{move || when(pm.with(|p| p.detected_at), "not recorded")}</dd>
                <dt>"Declared"</dt><dd>{move || utc::format(pm.with(|p| p.declared_at))}</dd>
                <dt>"Resolved"</dt><dd>{move || when(pm.with(|p| p.resolved_at), "not yet")}</dd>
                <dt>"Time to detect"</dt>
                <dd>{move || pm.with(|p| p.time_to_detect_ms).map(utc::duration).unwrap_or("unknown (no detection time)".into())}</dd>
                <dt>"Time to resolve"</dt>
                <dd>{move || pm.with(|p| p.time_to_resolve_ms).map(utc::duration).unwrap_or("not resolved".into())}</dd>
            </dl>
            <p class="hint no-print">"Times are corrected in the incident room; each correction is logged."</p>
        </section>
    }
}

/// Remediation tasks are the incident's tasks flagged as such: they show
/// here and in the room's task list, and done in one is done in the other.
#[component]
fn RemediationSection(pm: Memo<Postmortem>) -> impl IntoView {
    let room = use_room();
    let title = RwSignal::new(String::new());
    let assignee = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = title.get_untracked().trim().to_string();
        if t.is_empty() {
            return problem.set(Some("Give the remediation task a title.".into()));
        }
        problem.set(None);
        let a = assignee.get_untracked().trim().to_string();
        room.record(EventBody::TaskAdded {
            title: t,
            assignee: (!a.is_empty()).then_some(a),
            due_at: None,
            remediation: true,
        });
        title.set(String::new());
        assignee.set(String::new());
    };
    // Open tasks from the incident that are not remediation yet.
    let others = Memo::new(move |_| {
        room.incident.with(|i| {
            i.open_tasks()
                .filter(|t| !t.remediation)
                .map(|t| (t.id.clone(), t.title.clone()))
                .collect::<Vec<_>>()
        })
    });
    let pick = RwSignal::new(String::new());
    let flag = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = pick.get_untracked();
        let found = others.with_untracked(|o| {
            o.iter()
                .find(|(id, _)| id.0.as_ref() == chosen)
                .map(|(id, _)| id.clone())
        });
        if let Some(task) = found {
            room.record(EventBody::TaskRemediationSet {
                task,
                remediation: true,
            });
            pick.set(String::new());
        }
    };
    view! {
        <section class="pm-section" aria-labelledby="pm-remediation-heading">
            <h2 id="pm-remediation-heading">"Remediation"</h2>
            <ul class="tasks" aria-label="Remediation tasks">
                <For each=move || pm.with(|p| p.remediation.clone())
                    key=|r| (r.task.clone(), r.done_at, r.assignee.clone()) let:r>
                    <RemediationRow r/>
                </For>
            </ul>
            {move || pm.with(|p| p.remediation.is_empty()).then(|| view! { <p class="empty">"No remediation tasks yet."</p> })}
            <form class="stack-form no-print" on:submit=add aria-label="Add a remediation task">
                <div class="row">
                    <TextField id="pm-task-title" label="Remediation task" value=title maxlength=200/>
                    <TextField id="pm-task-assignee" label="Owner" value=assignee maxlength=100/>
                </div>
                <button type="submit">"Add remediation task"</button>
            </form>
            <Outcome problem/>
            {move || (!others.with(Vec::is_empty)).then(|| view! {
                <form class="row no-print" on:submit=flag aria-label="Flag a task as remediation">
                    <SelectField id="pm-flag-task" label="Existing task" value=pick
                        on_change=move |v: String| pick.set(v)>
                        <option value="">"Choose a task…"</option>
                        {others.get().into_iter().map(|(id, t)| view! { <option value=id.0.to_string()>{t}</option> }).collect_view()}
                    </SelectField>
                    <button type="submit">"Flag as remediation"</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn RemediationRow(r: sitrep_core::aftermath::postmortem::Remediation) -> impl IntoView {
    let room = use_room();
    let done = r.done_at.is_some();
    let check_id = format!("pm-task-done-{}", r.task);
    let toggle = {
        let task = r.task.clone();
        move |_| {
            room.record(EventBody::TaskDone {
                task: task.clone(),
                done: !done,
            })
        }
    };
    let unflag = {
        let task = r.task.clone();
        move |_| {
            room.record(EventBody::TaskRemediationSet {
                task: task.clone(),
                remediation: false,
            })
        }
    };
    let title = r.title.clone();
    view! {
        <li class="task" class:done=done>
            <input type="checkbox" id=check_id.clone() prop:checked=done on:change=toggle/>
            <label for=check_id>{r.title.clone()}</label>
            {r.assignee.clone().map(|a| view! { <span class="assignee">{a}</span> })}
            {r.due_at.map(|d| view! { <span class="due">"due " <crate::reader::When at=d/></span> })}
            // An action, in words that say what it does: the task stays an
            // ordinary task of the incident.
            <button type="button" class="small no-print" on:click=unflag
                aria-label=format!("Remove from remediation: {title}")>"Remove from remediation"</button>
        </li>
    }
}

/// Key entries first, then every entry, as the log has them.
#[component]
fn TimelineSection(pm: Memo<Postmortem>) -> impl IntoView {
    let lines = |key: bool| {
        move || {
            let v = pm.with(|p| {
                if key {
                    p.key_entries.clone()
                } else {
                    p.timeline.clone()
                }
            });
            if v.is_empty() {
                view! { <p class="empty">{if key { "No entry is marked key yet: mark them with ☆ in the incident room." } else { "No entries." }}</p> }.into_any()
            } else {
                view! {
                    <ol class="pm-timeline" aria-label=if key { "Key entries" } else { "Every entry" }>
                        {v.into_iter().map(|l| view! { <TimelineLine l/> }).collect_view()}
                    </ol>
                }
                .into_any()
            }
        }
    };
    view! {
        <section class="pm-section" aria-labelledby="pm-timeline-heading">
            <h2 id="pm-timeline-heading">"Timeline"</h2>
            <h3>"Key entries"</h3>
            {lines(true)}
            <h3>{move || format!("Every entry ({})", pm.with(|p| p.timeline.len()))}</h3>
            {lines(false)}
        </section>
    }
}

#[component]
fn TimelineLine(l: Line) -> impl IntoView {
    view! {
        <li class:key=l.key>
            <crate::reader::When at=l.at/>
            <span class="who">{l.author.to_string()}</span>
            {if l.note {
                view! { <Markdown text=l.text.clone()/> }.into_any()
            } else {
                view! { <p class="fact">{l.text.clone()}</p> }.into_any()
            }}
        </li>
    }
}
