//! The incident list: filters, a search over titles, notes and numbers and a sort,
//! all kept in the URL so a filtered view can be shared and survives reload.
//! By default open incidents come first, the most severe at the top.

use crate::browser::lower;
use crate::components::cadence_badge::{cadence_badge, CadenceBadge};
use crate::components::form::{Binding, SelectField, TextField};
use crate::components::labels::{SeverityBadge, StatusBadge};
use crate::components::upstream_offers::UpstreamOffers;
use crate::list_summary;
use crate::reader::when;
use crate::replica::use_replica;
use crate::session::use_session;
use crate::shortcuts::use_shortcuts;
use crate::upstreams::use_upstreams;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;
use leptos_router::NavigateOptions;
use sitrep_core::incident::number;
use sitrep_core::incident::query::{Query, Sort, StatusFilter};
use sitrep_core::status_page::upstream_panel::tally;
use sitrep_core::view::list_summary::{ListSummary, SummaryRow};
use sitrep_core::{ComponentId, Incident, Severity, Status, Workspace};
use std::sync::Arc;

#[component]
pub fn IncidentList() -> impl IntoView {
    let replica = use_replica();
    let incidents = replica.incidents();
    let workspace = replica.workspace();
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|p| Query::from_params(|k| p.get(k))));
    let navigate = StoredValue::new_local(use_navigate());
    // Replaces the history entry: a search typed letter by letter is one
    // place to come back to, not one per letter.
    let update = move |change: &dyn Fn(&mut Query)| {
        let mut q = query.get_untracked();
        change(&mut q);
        let map: ParamsMap = q.to_params().into_iter().collect();
        let url = format!("/{}", map.to_query_string());
        navigate.with_value(|n| {
            n(
                &url,
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            )
        });
    };

    let shown = Memo::new(move |_| {
        let q = query.get();
        incidents.with(|all| {
            q.apply_lowering(all, lower)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let count = move || {
        let total = incidents.with(Vec::len);
        let noun = if total == 1 { "incident" } else { "incidents" };
        format!("{} of {total} {noun}", shown.with(Vec::len))
    };

    let search = NodeRef::<leptos::html::Input>::new();
    if let Some(shortcuts) = use_shortcuts() {
        Effect::new(move |_| {
            if !shortcuts.focus_search.get() {
                return;
            }
            if let Some(el) = search.get() {
                let _ = el.focus();
                el.select();
                shortcuts.focus_search.set(false);
            }
        });
    }

    // Until the local copy is read: the rows as they were last shown, for
    // the unfiltered list (a filter may need what the summary leaves out).
    let stored = StoredValue::new(if replica.loaded.get_untracked() {
        None
    } else {
        use_session()
            .me
            .with_untracked(|m| m.as_ref().and_then(|m| list_summary::read(&m.name)))
    });

    let upstreams = use_upstreams();
    let upstream_tally = move || {
        upstreams
            .latest
            .with(|r| r.as_ref().and_then(|r| tally(&r.providers)))
    };
    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Incidents"</h1>
                <A href="/maintenance/new" attr:class="button">"Plan maintenance"</A>
                <A href="/new" attr:class="button primary">"Declare incident"</A>
            </div>
            <form class="filters" role="search" aria-label="Filter incidents"
                on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()>
                <TextField id="list-search" label="Search titles, notes and numbers" kind="search"
                    autocomplete="off" node_ref=search placeholder="Press / to search" grow=true
                    value=Binding::new(
                        move || query.with(|q| q.text.clone()),
                        move |text| update(&|q| q.text = text.clone()),
                    )/>
                <SelectField id="list-status" label="Status"
                    on_change=move |v: String| {
                        let status = StatusFilter::from_wire(&v);
                        update(&|q| q.status = status);
                    }>
                    {[(StatusFilter::Any, "Any status"), (StatusFilter::Open, "Open (not resolved)")]
                        .into_iter()
                        .chain(Status::ALL.into_iter().map(|s| (StatusFilter::Is(s), s.label())))
                        .map(|(f, label)| view! {
                            <option value=f.wire() selected=move || query.with(|q| q.status == f)>{label}</option>
                        })
                        .collect_view()}
                </SelectField>
                <SelectField id="list-severity" label="Severity"
                    on_change=move |v: String| {
                        let severity = Severity::from_wire(&v);
                        update(&|q| q.severity = severity);
                    }>
                    <option value="" selected=move || query.with(|q| q.severity.is_none())>"Any severity"</option>
                    {Severity::ALL.into_iter().map(|s| view! {
                        <option value=s.wire() selected=move || query.with(|q| q.severity == Some(s))>
                            {move || workspace.with(|w| w.severity_name(s))}
                        </option>
                    }).collect_view()}
                </SelectField>
                <ComponentFilter query workspace on_pick=move |c| update(&|q| q.component = c.clone())/>
                <SelectField id="list-sort" label="Sort"
                    on_change=move |v: String| {
                        let sort = Sort::from_wire(&v);
                        update(&|q| q.sort = sort);
                    }>
                    {Sort::ALL.into_iter().map(|s| view! {
                        <option value=s.wire() selected=move || query.with(|q| q.sort == s)>{s.label()}</option>
                    }).collect_view()}
                </SelectField>
            </form>
            {move || upstream_tally().map(|t| view! {
                <p class="upstream-tally"><A href="/upstreams">{t}</A></p>
            })}
            <UpstreamOffers/>
            <Show
                when=move || replica.loaded.get()
                fallback=move || match stored.get_value().filter(|_| query.with(|q| *q == Query::default())) {
                    Some(summary) => view! { <SummaryList summary/> }.into_any(),
                    None => view! { <p class="empty">"Reading the local copy…"</p> }.into_any(),
                }
            >
                <p class="count" aria-live="polite" data-testid="list-count">{count}</p>
                <Show
                    when=move || !incidents.with(Vec::is_empty)
                    fallback=|| view! { <p class="empty">"No incidents. Calm seas."</p> }
                >
                    <Show
                        when=move || !shown.with(Vec::is_empty)
                        fallback=move || view! {
                            <div class="empty" data-testid="no-match">
                                <p>
                                    "No incidents match these filters: "
                                    {move || {
                                        let words = workspace.with(|w| query.with(|q| q.filters_in_words(w)));
                                        format!("{}.", words.join("; "))
                                    }}
                                </p>
                                <button type="button" on:click=move |_| update(&|q| *q = Query { sort: q.sort, ..Query::default() })>
                                    "Clear filters"
                                </button>
                            </div>
                        }
                    >
                        <table class="incidents" aria-label="Incidents">
                            <TableHead/>
                            <tbody>
                                <For
                                    each=move || shown.get()
                                    key=|i| (i.id.clone(), i.number, i.timeline.len(), i.pending_entries(), i.status, i.severity, i.title.clone(), i.components.len())
                                    let:inc
                                >
                                    <IncidentRow inc workspace/>
                                </For>
                            </tbody>
                        </table>
                    </Show>
                </Show>
            </Show>
        </section>
    }
}

/// The component filter: the catalogue, grouped, plus the URL's component
/// when the catalogue does not (or no longer) has it.
#[component]
fn ComponentFilter(
    query: Memo<Query>,
    workspace: Memo<Workspace>,
    on_pick: impl Fn(Option<ComponentId>) + Send + Sync + 'static,
) -> impl IntoView {
    let options = move || {
        let chosen = query.with(|q| q.component.clone());
        workspace.with(|w| {
            let mut groups: Vec<(String, Vec<(ComponentId, String)>)> = Vec::new();
            for c in w.catalogue() {
                let entry = (c.id.clone(), c.name.clone());
                match groups.last_mut() {
                    Some((g, list)) if *g == c.group => list.push(entry),
                    _ => groups.push((c.group.clone(), vec![entry])),
                }
            }
            let unknown = chosen
                .clone()
                .filter(|c| !w.components.contains_key(c))
                .map(|c| (c.clone(), w.component_name(&c)));
            let any = chosen.is_none();
            let option = move |(id, name): (ComponentId, String)| {
                let selected = chosen.as_ref() == Some(&id);
                view! { <option value=id.0.to_string() selected=selected>{name}</option> }
            };
            view! {
                <option value="" selected=any>"Any component"</option>
                {unknown.map(option.clone())}
                {groups.into_iter().map(|(g, list)| {
                    let items = list.into_iter().map(option.clone()).collect_view();
                    if g.is_empty() {
                        items.into_any()
                    } else {
                        view! { <optgroup label=g>{items}</optgroup> }.into_any()
                    }
                }).collect_view()}
            }
        })
    };
    view! {
        <SelectField id="list-component" label="Component"
            on_change=move |v: String| {
                on_pick((!v.is_empty()).then(|| ComponentId(v.into())));
            }>
            {options}
        </SelectField>
    }
}

/// The "Not sent" cell: only what this browser has not sent yet, in plain
/// words; nothing when everything has reached the backend (the usual case).
fn unsent(pending: usize) -> String {
    match pending {
        0 => String::new(),
        1 => "1 edit not sent yet".to_string(),
        n => format!("{n} edits not sent yet"),
    }
}

#[component]
fn IncidentRow(inc: Arc<Incident>, workspace: Memo<Workspace>) -> impl IntoView {
    let delivery = unsent(inc.pending_entries());
    let ids: Vec<ComponentId> = inc.components.keys().cloned().collect();
    let components = move || {
        workspace.with(|w| {
            ids.iter()
                .map(|id| w.component_name(id))
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    // A maintenance shows its own badge and state, which moves with the clock.
    let window = inc.maintenance.clone().filter(|_| inc.is_maintenance());
    let maintenance = window.is_some();
    let severity = inc.severity;
    let status = inc.status;
    let tick = use_upstreams().now;
    let state = move || {
        tick.track();
        window
            .as_ref()
            .map(|m| m.state_at(crate::browser::now_ms()).label())
            .unwrap_or_default()
    };
    let cadence = Signal::derive(move || workspace.with(|w| w.comms.cadence));
    let shown = inc.clone();
    // A maintenance is not numbered; an incident declared offline says so
    // until the backend has stored its declaration.
    let number = (!maintenance).then(|| number::shown(inc.number));
    let (href, title, open, started) = (
        format!("/incidents/{}", inc.id),
        inc.title.clone(),
        inc.status.is_open(),
        when(inc.started_at),
    );
    view! {
        <tr class:resolved=!open class:maintenance=maintenance>
            <td>{if maintenance {
                view! { <span class="badge maintenance">"Maintenance"</span> }.into_any()
            } else {
                view! { <SeverityBadge severity/> }.into_any()
            }}</td>
            <td>
                {number.map(|n| view! { <span class="incident-number">{n}</span> " " })}
                <A href=href>{title}</A>
            </td>
            <td>{if maintenance {
                view! { <span class="badge status maintenance-state">{state}</span> }.into_any()
            } else {
                view! { <StatusBadge status/> }.into_any()
            }}</td>
            <td class="components">{components}</td>
            <td>{started}</td>
            <td><CadenceBadge incident=Signal::stored(shown) policy=cadence/></td>
            <td class="unsent">{delivery}</td>
        </tr>
    }
}

#[component]
fn TableHead() -> impl IntoView {
    view! {
        <thead>
            <tr>
                <th scope="col">"Severity"</th>
                <th scope="col">"Title"</th>
                <th scope="col">"Status"</th>
                <th scope="col">"Components"</th>
                <th scope="col">"Impact since"</th>
                <th scope="col">"Next update"</th>
                <th scope="col">"Not sent"</th>
            </tr>
        </thead>
    }
}

/// The list as last shown (the stored summary), while the local copy of
/// the log is read; the fold's list replaces it. Painted once, no ticking.
#[component]
fn SummaryList(summary: ListSummary) -> impl IntoView {
    let total = summary.rows.len();
    if total == 0 {
        return view! { <p class="empty">"No incidents. Calm seas."</p> }.into_any();
    }
    let noun = if total == 1 { "incident" } else { "incidents" };
    let warn = summary.warn_minutes;
    view! {
        <p class="count" aria-live="polite" data-testid="list-count">{format!("{total} of {total} {noun}")}</p>
        <table class="incidents" aria-label="Incidents" data-source="summary">
            <TableHead/>
            <tbody>
                {summary.rows.into_iter().map(|row| summary_row(row, warn)).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn summary_row(row: SummaryRow, warn_minutes: u32) -> impl IntoView {
    let now = crate::browser::now_ms();
    let window = row.maintenance.as_ref().map(|w| w.maintenance());
    let maintenance = window.is_some();
    let severity = row.severity;
    let status = row.status;
    let number = (!maintenance).then(|| number::shown(row.number));
    let delivery = unsent(row.pending);
    let due = sitrep_core::comms::cadence::due_from(row.next_due, warn_minutes, now);
    view! {
        <tr class:resolved=!status.is_open() class:maintenance=maintenance>
            <td>{match window.as_ref() {
                Some(_) => view! { <span class="badge maintenance">"Maintenance"</span> }.into_any(),
                None => view! { <SeverityBadge severity/> }.into_any(),
            }}</td>
            <td>
                {number.map(|n| view! { <span class="incident-number">{n}</span> " " })}
                <A href=format!("/incidents/{}", row.id)>{row.title}</A>
            </td>
            <td>{match window {
                Some(m) => view! { <span class="badge status maintenance-state">{m.state_at(now).label()}</span> }.into_any(),
                None => view! { <StatusBadge status/> }.into_any(),
            }}</td>
            <td class="components">{row.components}</td>
            <td>{when(row.started_at)}</td>
            <td>{cadence_badge(due, now)}</td>
            <td class="unsent">{delivery}</td>
        </tr>
    }
}
