//! The incident list: open incidents first, the most severe at the top.

use crate::components::labels::{SeverityBadge, StatusBadge};
use crate::components::upstream_offers::UpstreamOffers;
use crate::replica::use_replica;
use crate::upstreams::use_upstreams;
use leptos::prelude::*;
use leptos_router::components::A;
use sitrep_core::upstream_panel::tally;
use sitrep_core::{utc, Incident};

#[component]
pub fn IncidentList() -> impl IntoView {
    let replica = use_replica();
    let incidents = replica.incidents();
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
                <A href="/new" attr:class="button primary">"Declare incident"</A>
            </div>
            {move || upstream_tally().map(|t| view! {
                <p class="upstream-tally"><A href="/upstreams">{t}</A></p>
            })}
            <UpstreamOffers/>
            <Show
                when=move || replica.loaded.get()
                fallback=|| view! { <p class="empty">"Reading the local copy…"</p> }
            >
                <Show
                    when=move || !incidents.with(Vec::is_empty)
                    fallback=|| view! { <p class="empty">"No incidents. Calm seas."</p> }
                >
                    <table class="incidents" aria-label="Incidents">
                        <thead>
                            <tr>
                                <th scope="col">"Severity"</th>
                                <th scope="col">"Title"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Impact since"</th>
                                <th scope="col">"Delivery"</th>
                            </tr>
                        </thead>
                        <tbody>
                            <For
                                each=move || incidents.get()
                                key=|i| (i.id.clone(), i.timeline.len(), i.pending_entries(), i.status, i.severity, i.title.clone())
                                let:inc
                            >
                                <IncidentRow inc/>
                            </For>
                        </tbody>
                    </table>
                </Show>
            </Show>
        </section>
    }
}

#[component]
fn IncidentRow(inc: Incident) -> impl IntoView {
    let delivery = match inc.pending_entries() {
        0 => "delivered".to_string(),
        n => format!("{n} not yet delivered"),
    };
    view! {
        <tr class:resolved=!inc.status.is_open()>
            <td><SeverityBadge severity=inc.severity/></td>
            <td><A href=format!("/incidents/{}", inc.id)>{inc.title.clone()}</A></td>
            <td><StatusBadge status=inc.status/></td>
            <td>{utc::format(inc.started_at)}</td>
            <td>{delivery}</td>
        </tr>
    }
}
