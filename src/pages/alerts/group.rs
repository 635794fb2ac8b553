//! One waiting alert group: what fires, where, since when, with which
//! labels, and what the routing rules propose for it.

use super::group_now;
use super::triage::Triage;
use crate::now::use_now;
use crate::replica::use_replica;
use leptos::prelude::*;
use sitrep_core::alerts::model::{Alert, AlertStatus};
use sitrep_core::alerts::routing;
use sitrep_core::time::utc;

/// Alerts listed on a card; the rest are counted.
const LISTED: usize = 20;

#[component]
pub fn GroupCard(id: String) -> impl IntoView {
    let replica = use_replica();
    let workspace = replica.workspace();
    let now = use_now();
    let gid = id.clone();
    let group = Memo::new(move |_| group_now(&gid));
    let proposal = Memo::new(move |_| {
        group.with(|g| {
            g.as_ref()
                .map(|g| workspace.with(|w| routing::propose(g, &w.alert_routes)))
        })
    });
    view! {
        <li class="alert-group" aria-label=move || group.with(|g| g.as_ref().map(|g| g.title()).unwrap_or_default())>
        {move || group.get().map(|g| {
            let title = g.title();
            let since = g.earliest_start().unwrap_or(g.since);
            let labels: Vec<(String, String)> = g.common_labels().into_iter().collect();
            let alerts: Vec<Alert> = g.alerts_in_order().into_iter().take(LISTED).cloned().collect();
            let more = g.alerts.len().saturating_sub(LISTED) as u64 + g.omitted;
            let firing = g.firing();
            let source = g.source.label();
            view! {
                <div class="alert-facts">
                    <h3>{title}</h3>
                    <p class="alert-meta">
                        {format!("{source} · {firing} firing · ")}
                        <span data-testid="firing-for">{move || format!("firing for {}", utc::duration(now.get() - since))}</span>
                        {format!(" · since {}", crate::reader::when(since))}
                    </p>
                    <ul class="labels" aria-label="Labels">
                        {labels.into_iter().map(|(k, v)| view! { <li class="tag">{format!("{k}={v}")}</li> }).collect_view()}
                    </ul>
                    <ul class="alerts" aria-label="Alerts">
                        {alerts.into_iter().map(|a| view! { <AlertLine alert=a/> }).collect_view()}
                    </ul>
                    {(more > 0).then(|| view! { <p class="hint">{format!("and {more} more not listed")}</p> })}
                </div>
            }
        })}
        // Outside the part redrawn when alerts arrive: a reason being
        // typed survives a storm.
        <Show when=move || group.with(Option::is_some)>
            <Triage group proposal/>
        </Show>
        </li>
    }
}

#[component]
fn AlertLine(alert: Alert) -> impl IntoView {
    let rest: Vec<String> = alert
        .labels
        .iter()
        .filter(|(k, _)| k.as_str() != "alertname")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let state = match alert.status {
        AlertStatus::Firing => "firing",
        AlertStatus::Resolved => "resolved",
    };
    let summary = alert.summary().map(str::to_string);
    // Only http(s) links were kept by the intake; shown as a plain link.
    let url = (!alert.url.is_empty()).then(|| alert.url.clone());
    view! {
        <li class=format!("alert {state}")>
            <span class="tag">{state}</span>" "
            <strong>{alert.name().to_string()}</strong>" "
            <span class="alert-labels">{rest.join(", ")}</span>
            {summary.map(|s| view! { <span class="alert-summary">{format!(" — {s}")}</span> })}
            {url.map(|u| view! { " "<a href=u rel="noopener noreferrer" target="_blank">"source"</a> })}
        </li>
    }
}
