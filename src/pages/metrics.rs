//! The metrics page: mean time to detect and to resolve by severity and by
//! month, incidents per component, time since the last SEV1, and open
//! remediation tasks. Each chart has its figures in a table beside it.
//! Until the log has arrived the page says it is loading rather than show
//! figures over part of it (core's `metrics::completeness`).

mod bar_chart;

use crate::browser::now_ms;
use crate::replica::use_replica;
use bar_chart::{Bar, BarChart};
use leptos::prelude::*;
use leptos_router::components::A;
use sitrep_core::aftermath::metrics::{aggregate, completeness, Completeness, Metrics, Row};
use sitrep_core::time::utc;

#[component]
pub fn MetricsPage() -> impl IntoView {
    let replica = use_replica();
    let incidents = replica.incidents();
    let workspace = replica.workspace();
    let metrics: Memo<Metrics> =
        Memo::new(move |_| workspace.with(|w| incidents.with(|list| aggregate(list, w, now_ms()))));
    let completeness = Memo::new(move |_| {
        completeness(
            replica.loaded.get(),
            replica.caught_up.get(),
            replica.status.get(),
        )
    });
    view! {
        <section class="page metrics">
            <h1>"Metrics"</h1>
            <p class="hint">"Means cover the incidents that have the time they need: an incident without a detection time is left out of time to detect, an open one out of time to resolve. Both are measured from impact start. Severity is each incident's current one."</p>
            {move || match completeness.get() {
                // Figures over part of the log would read as real ones.
                Completeness::Loading => view! {
                    <p class="empty" role="status" data-testid="metrics-loading">"Loading the log…"</p>
                }.into_any(),
                Completeness::LocalCopyOnly => view! {
                    <p class="hint" role="status">"The backend has not been reached since this page opened: these figures are from this browser's copy and may miss recent incidents."</p>
                    <Figures metrics/>
                }.into_any(),
                Completeness::Complete => view! { <Figures metrics/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Figures(metrics: Memo<Metrics>) -> impl IntoView {
    view! {
        <LastSev1 metrics/>
        <DurationSection
            id="by-severity"
            heading="Time to detect and resolve by severity"
            first="Severity"
            rows=Signal::derive(move || metrics.with(|m| m.by_severity.clone()))
        />
        <DurationSection
            id="by-month"
            heading="Time to detect and resolve by month (UTC)"
            first="Month"
            rows=Signal::derive(move || metrics.with(|m| m.by_month.clone()))
        />
        <ComponentSection metrics/>
        <RemediationTable metrics/>
    }
}

#[component]
fn LastSev1(metrics: Memo<Metrics>) -> impl IntoView {
    view! {
        <section class="metric-fact" aria-labelledby="last-sev1-heading">
            <h2 id="last-sev1-heading">"Since the last SEV1"</h2>
            {move || match metrics.with(|m| m.last_sev1.clone()) {
                Some(s) => view! {
                    <p class="big-figure" data-testid="since-last-sev1">{utc::elapsed(s.since_ms)}</p>
                    <p>
                        <A href=format!("/incidents/{}", s.incident)>{s.title}</A>
                        {format!(", impact from {}", crate::reader::when(s.started_at))}
                    </p>
                }.into_any(),
                None => view! { <p class="big-figure" data-testid="since-last-sev1">"No SEV1 on record."</p> }.into_any(),
            }}
        </section>
    }
}

fn mean_text(ms: Option<i64>) -> String {
    ms.map(utc::duration).unwrap_or_else(|| "no data".into())
}

/// Two bars per group: time to detect plain, time to resolve hatched, each
/// labelled with its group and what it measures.
fn duration_bars(rows: &[Row]) -> Vec<Bar> {
    rows.iter()
        .flat_map(|r| {
            [
                Bar {
                    label: format!("{} · detect", short_label(&r.label)),
                    value: r.mttd_ms.map(|v| v as f64),
                    text: mean_text(r.mttd_ms),
                    hatched: false,
                },
                Bar {
                    label: format!("{} · resolve", short_label(&r.label)),
                    value: r.mttr_ms.map(|v| v as f64),
                    text: mean_text(r.mttr_ms),
                    hatched: true,
                },
            ]
        })
        .collect()
}

/// "SEV1 · Critical" is too long for a bar's label; the level is enough
/// there (the table has the whole name).
fn short_label(label: &str) -> &str {
    label.split(" · ").next().unwrap_or(label)
}

#[component]
fn DurationSection(
    id: &'static str,
    heading: &'static str,
    first: &'static str,
    rows: Signal<Vec<Row>>,
) -> impl IntoView {
    let heading_id = format!("{id}-heading");
    let labelled_by = heading_id.clone();
    view! {
        <section class="metric" aria-labelledby=labelled_by>
            <h2 id=heading_id>{heading}</h2>
            {move || {
                let rows = rows.get();
                if rows.is_empty() {
                    return view! { <p class="empty">"No incidents yet."</p> }.into_any();
                }
                view! {
                    <div class="chart-pair">
                        <figure>
                            <BarChart id title=format!("{heading}: mean times, detect plain, resolve hatched") bars=duration_bars(&rows)/>
                            <figcaption>"Plain bars: mean time to detect. Hatched bars: mean time to resolve."</figcaption>
                        </figure>
                        <table class="figures">
                            <caption>{heading}</caption>
                            <thead><tr>
                                <th scope="col">{first}</th>
                                <th scope="col">"Incidents"</th>
                                <th scope="col">"Detected"</th>
                                <th scope="col">"Mean time to detect"</th>
                                <th scope="col">"Resolved"</th>
                                <th scope="col">"Mean time to resolve"</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| view! {
                                    <tr>
                                        <th scope="row">{r.label}</th>
                                        <td>{r.incidents}</td>
                                        <td>{r.detected}</td>
                                        <td>{mean_text(r.mttd_ms)}</td>
                                        <td>{r.resolved}</td>
                                        <td>{mean_text(r.mttr_ms)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ComponentSection(metrics: Memo<Metrics>) -> impl IntoView {
    view! {
        <section class="metric" aria-labelledby="by-component-heading">
            <h2 id="by-component-heading">"Incidents by component"</h2>
            {move || {
                let counts = metrics.with(|m| m.by_component.clone());
                if counts.is_empty() {
                    return view! { <p class="empty">"No incident has recorded an affected component yet."</p> }.into_any();
                }
                let bars = counts.iter().map(|c| Bar {
                    label: c.name.clone(),
                    value: Some(c.incidents as f64),
                    text: c.incidents.to_string(),
                    hatched: false,
                }).collect();
                view! {
                    <div class="chart-pair">
                        <figure>
                            <BarChart id="by-component" title="Incidents by component" bars/>
                        </figure>
                        <table class="figures">
                            <caption>"Incidents by component"</caption>
                            <thead><tr><th scope="col">"Component"</th><th scope="col">"Incidents"</th></tr></thead>
                            <tbody>
                                {counts.into_iter().map(|c| view! {
                                    <tr><th scope="row">{c.name}</th><td>{c.incidents}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn RemediationTable(metrics: Memo<Metrics>) -> impl IntoView {
    view! {
        <section class="metric" aria-labelledby="open-remediation-heading">
            <h2 id="open-remediation-heading">"Open remediation tasks"</h2>
            {move || {
                let open = metrics.with(|m| m.open_remediation.clone());
                if open.is_empty() {
                    return view! { <p class="empty">"No open remediation tasks."</p> }.into_any();
                }
                view! {
                    <table class="figures">
                        <caption>{format!("Open remediation tasks ({})", open.len())}</caption>
                        <thead><tr>
                            <th scope="col">"Task"</th>
                            <th scope="col">"Owner"</th>
                            <th scope="col">"Due"</th>
                            <th scope="col">"Incident"</th>
                        </tr></thead>
                        <tbody>
                            {open.into_iter().map(|r| view! {
                                <tr>
                                    <th scope="row">{r.title}</th>
                                    <td>{r.assignee.unwrap_or_else(|| "unassigned".into())}</td>
                                    <td>{r.due_at.map(crate::reader::when).unwrap_or_else(|| "no due time".into())}</td>
                                    <td><A href=format!("/incidents/{}/postmortem", r.incident)>{r.incident_title}</A></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
