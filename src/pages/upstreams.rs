//! The upstream panel: each watched provider's verdict in words, how old it
//! is, what is not operational and its unresolved incidents; a provider the
//! backend cannot read is "unknown since", its last known state marked stale.

use crate::replica::use_replica;
use crate::upstreams::{use_upstreams, Received};
use leptos::prelude::*;
use sitrep_core::statuspage::{unknown_label, IncidentView, ProviderView, Snapshot, ViewState};
use sitrep_core::sync::Status;
use sitrep_core::upstream_panel::{
    as_of, component_words, impact_words, incident_status_words, indicator_words, is_web_link,
};

#[component]
pub fn UpstreamPanel() -> impl IntoView {
    let upstreams = use_upstreams();
    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Upstream providers"</h1>
            </div>
            <SourceLine/>
            {move || upstreams.problem.get().map(|p| view! { <p class="banner warn" role="alert">{p}</p> })}
            {move || match upstreams.latest.get() {
                None => view! { <p class="empty">"Waiting for the backend's list of providers…"</p> }.into_any(),
                Some(r) if r.providers.is_empty() => view! {
                    <p class="empty">
                        "No upstream providers are watched. An admin adds them to the server with "
                        <code>"--upstream NAME=URL"</code>"."
                    </p>
                }.into_any(),
                Some(r) => r
                    .providers
                    .into_iter()
                    .enumerate()
                    .map(|(index, provider)| view! { <ProviderCard provider index/> })
                    .collect_view()
                    .into_any(),
            }}
        </section>
    }
}

/// Where the list comes from: live from the backend, or what it last sent.
#[component]
fn SourceLine() -> impl IntoView {
    let upstreams = use_upstreams();
    let replica = use_replica();
    let line = move || {
        let Received {
            received_at, live, ..
        } = upstreams.latest.get()?;
        let online = replica.status.get() == Status::Online;
        let now = upstreams.now.get();
        let when = as_of(received_at, now);
        Some(match (live, online) {
            (true, true) => {
                "Live: the backend sends changes as it polls each provider.".to_string()
            }
            (true, false) => {
                format!("The backend cannot be reached: showing the list it sent, {when}.")
            }
            (false, _) => format!("Showing the list saved in this browser, {when}."),
        })
    };
    view! { <p class="source" data-testid="upstreams-source">{line}</p> }
}

#[component]
fn ProviderCard(provider: ProviderView, index: usize) -> impl IntoView {
    let heading = format!("upstream-{index}");
    let labelled_by = heading.clone();
    let body = match (provider.state, provider.known, provider.unknown) {
        (ViewState::Known, Some(snapshot), _) => view! {
            <Verdict snapshot=snapshot.clone()/>
            <Details snapshot/>
        }
        .into_any(),
        (_, _, unknown) => {
            let (label, last_known) = match unknown {
                Some(u) => (unknown_label(u.since, &u.reason), u.last_known),
                None => ("unknown (the backend gave no reason)".to_string(), None),
            };
            view! {
                <p class="verdict unknown">{capitalise(&label)}</p>
                {match last_known {
                    Some(snapshot) => view! {
                        <div class="stale">
                            <p class="stale-note">"Last known state (stale, not current):"</p>
                            <Verdict snapshot=snapshot.clone()/>
                            <Details snapshot/>
                        </div>
                    }.into_any(),
                    None => view! { <p class="empty">"No state known yet."</p> }.into_any(),
                }}
            }
            .into_any()
        }
    };
    view! {
        <section class="upstream" aria-labelledby=labelled_by>
            <h2 id=heading>{provider.name}</h2>
            {body}
        </section>
    }
}

/// The page's verdict in words and how old it is, ticking.
#[component]
fn Verdict(snapshot: Snapshot) -> impl IntoView {
    let upstreams = use_upstreams();
    let words = indicator_words(snapshot.indicator);
    // The page's own phrase, when it says more than our word.
    let description = (!snapshot.description.is_empty() && snapshot.description != words)
        .then(|| format!(": {}", snapshot.description));
    let class = format!("verdict indicator-{}", snapshot.indicator.as_str());
    let fetched_at = snapshot.fetched_at;
    view! {
        <p class=class>
            <strong>{words}</strong>{description}
            " "<span class="age">{move || as_of(fetched_at, upstreams.now.get())}</span>
        </p>
    }
}

#[component]
fn Details(snapshot: Snapshot) -> impl IntoView {
    let components = (!snapshot.components.is_empty()).then(|| {
        view! {
            <h3>"Components not operational"</h3>
            <ul class="components" aria-label="Components not operational">
                {snapshot.components.into_iter().map(|c| view! {
                    <li>{c.name}": "<span class="status">{component_words(c.status)}</span></li>
                }).collect_view()}
            </ul>
        }
    });
    let incidents = (!snapshot.incidents.is_empty()).then(|| {
        view! {
            <h3>"Unresolved incidents"</h3>
            <IncidentList label="Unresolved incidents" items=snapshot.incidents/>
        }
    });
    let maintenances = (!snapshot.maintenances.is_empty()).then(|| {
        view! {
            <h3>"Maintenances"</h3>
            <IncidentList label="Maintenances" items=snapshot.maintenances/>
        }
    });
    let calm = (components.is_none() && incidents.is_none()).then(
        || view! { <p class="calm">"No components down and no open incidents reported."</p> },
    );
    view! { {components}{incidents}{maintenances}{calm} }
}

#[component]
fn IncidentList(label: &'static str, items: Vec<IncidentView>) -> impl IntoView {
    view! {
        <ul class="upstream-incidents" aria-label=label>
            {items.into_iter().map(|i| view! { <UpstreamIncident incident=i/> }).collect_view()}
        </ul>
    }
}

#[component]
fn UpstreamIncident(incident: IncidentView) -> impl IntoView {
    // Text from the provider's page is shown as text, and only web links
    // are made links.
    let link = incident
        .shortlink
        .filter(|l| is_web_link(l))
        .map(|href| view! { " "<a href=href rel="noopener noreferrer" target="_blank">"Details on their page"</a> });
    let update = incident.latest_update.map(|u| {
        let at = u.at.clone();
        view! {
            <p class="update">
                <span class="update-status">{incident_status_words(u.status)}</span>
                {at.map(|at| format!(" ({at})"))}
                ": "{u.body}
            </p>
        }
    });
    view! {
        <li>
            <strong>{incident.name}</strong>
            " — "{incident_status_words(incident.status)}", "{impact_words(incident.impact)}
            {link}
            {update}
        </li>
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
