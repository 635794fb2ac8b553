//! The upstream panel: each watched provider's verdict in words, how old it
//! is, what is not operational and its unresolved incidents; a provider the
//! backend cannot read is "unknown since", its last known state marked stale.
//! Admins add and remove providers here and link their components to ours;
//! a linked component that breaks brings offers (components/upstream_offers).

use crate::components::form::{Outcome, TextField};
use crate::components::role_gate::{settings_locked, AdminOnlyNote};
use crate::components::upstream_offers::UpstreamOffersOnPage;
use crate::replica::use_replica;
use crate::upstreams::{use_upstreams, Received};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::log::sync::Status;
use sitrep_core::status_page::upstream::{
    unknown_label, ComponentRef, IncidentView, ProviderView, Snapshot, ViewState,
};
use sitrep_core::status_page::upstream_panel::{
    as_of, check_new_provider, component_words, impact_words, incident_status_words,
    indicator_words, is_web_link,
};
use sitrep_core::vocabulary::ComponentId;
use sitrep_core::{EventBody, IncidentId};

#[component]
pub fn UpstreamPanel() -> impl IntoView {
    let upstreams = use_upstreams();
    let locked = settings_locked();
    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Upstream providers"</h1>
            </div>
            <SourceLine/>
            <AdminOnlyNote/>
            <UpstreamOffersOnPage/>
            {move || upstreams.problem.get().map(|p| view! { <p class="banner warn" role="alert">{p}</p> })}
            {move || match upstreams.latest.get() {
                // An optional endpoint the backend does not offer: no list
                // will come, so do not wait for one.
                _ if upstreams.unsupported.get() => view! {
                    <p class="empty" data-testid="upstreams-unsupported">
                        "This backend does not watch upstream pages (it has no "
                        <code>"GET /api/v1/upstreams"</code>
                        "), so there is no list of providers to show."
                    </p>
                }.into_any(),
                None => view! { <p class="empty">"Waiting for the backend's list of providers…"</p> }.into_any(),
                Some(r) if r.providers.is_empty() => view! {
                    <p class="empty">
                        "No upstream providers are watched. An admin adds them to the server with "
                        <code>"--upstream NAME=URL"</code>"."
                    </p>
                }.into_any(),
                // Linking, removing and adding providers are settings
                // (admins only): disabled for anyone else, with the reason.
                Some(r) => view! {
                    <fieldset class="plain" disabled=move || locked.with(Option::is_some)
                        title=move || locked.get()>
                        <legend class="visually-hidden">"Providers"</legend>
                        {r.providers
                            .into_iter()
                            .enumerate()
                            .map(|(index, provider)| view! { <ProviderCard provider index/> })
                            .collect_view()}
                    </fieldset>
                }.into_any(),
            }}
            {move || (!upstreams.unsupported.get()).then(|| view! {
                <fieldset class="plain" disabled=move || locked.with(Option::is_some)
                    title=move || locked.get()>
                    <legend class="visually-hidden">"Add a provider"</legend>
                    <AddProvider/>
                </fieldset>
            })}
        </section>
    }
}

/// The admin form that adds a provider (an `UpstreamAdded` event).
#[component]
fn AddProvider() -> impl IntoView {
    let replica = use_replica();
    let upstreams = use_upstreams();
    let workspace = replica.workspace();
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (n, u) = (name.get_untracked(), url.get_untracked());
        let listed: Vec<String> = upstreams.latest.with_untracked(|r| {
            r.iter()
                .flat_map(|r| r.providers.iter().map(|p| p.name.clone()))
                .collect()
        });
        let mut taken: Vec<&str> = listed.iter().map(String::as_str).collect();
        let ws = workspace.get_untracked();
        taken.extend(ws.upstreams.keys().map(String::as_str));
        if let Err(e) = check_new_provider(&n, &u, &taken) {
            problem.set(Some(e));
            return;
        }
        problem.set(None);
        let body = EventBody::UpstreamAdded {
            name: n.trim().to_string(),
            url: u.trim().to_string(),
        };
        spawn_local(async move {
            replica.record(IncidentId::workspace(), body).await;
        });
        name.set(String::new());
        url.set(String::new());
    };
    view! {
        <form class="stack add-provider" aria-label="Watch a provider" on:submit=submit>
            <h2>"Watch a provider"</h2>
            <p class="hint">"The server polls the page's Statuspage summary (URL/api/v2/summary.json)."</p>
            <TextField id="upstream-name" label="Provider name" value=name maxlength=64
                placeholder="github"/>
            <TextField id="upstream-url" label="Status page URL" value=url inputmode="url"
                placeholder="https://www.githubstatus.com"/>
            <Outcome problem/>
            <button type="submit" class="primary">"Add provider"</button>
        </form>
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
    let catalogue = provider
        .known
        .as_ref()
        .or(provider
            .unknown
            .as_ref()
            .and_then(|u| u.last_known.as_ref()))
        .map(|s| s.catalogue.clone())
        .unwrap_or_default();
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
    let name = provider.name.clone();
    view! {
        <section class="upstream" aria-labelledby=labelled_by>
            <h2 id=heading>{provider.name}</h2>
            {body}
            <Links provider=name.clone() index catalogue/>
            <RemoveProvider provider=name/>
        </section>
    }
}

/// Remove, for providers added from the console; those on the server's
/// command line stay until it is restarted without them.
#[component]
fn RemoveProvider(provider: String) -> impl IntoView {
    let replica = use_replica();
    let workspace = replica.workspace();
    let name = provider.clone();
    let from_workspace = move || workspace.with(|w| w.upstreams.contains_key(&name));
    let label = format!("Remove {provider}");
    view! {
        <Show
            when=from_workspace
            fallback=|| view! { <p class="hint">"Configured on the server's command line."</p> }
        >
            {
                let provider = provider.clone();
                view! {
                    <button type="button" class="remove" on:click=move |_| {
                        let question = format!(
                            "Remove the provider {provider}? Its page is no longer watched, and its links to our components go."
                        );
                        if !crate::browser::confirm(&question) {
                            return;
                        }
                        let body = EventBody::UpstreamRemoved { name: provider.clone() };
                        spawn_local(async move {
                            replica.record(IncidentId::workspace(), body).await;
                        });
                    }>{label.clone()}</button>
                }
            }
        </Show>
    }
}

/// A select per provider component: which of our components it stands for.
#[component]
fn Links(provider: String, index: usize, catalogue: Vec<ComponentRef>) -> impl IntoView {
    if catalogue.is_empty() {
        return ().into_any();
    }
    let replica = use_replica();
    let workspace = replica.workspace();
    let rows = catalogue
        .into_iter()
        .enumerate()
        .map(|(j, c)| {
            let id = format!("link-{index}-{j}");
            let for_id = id.clone();
            let (p1, p2, c1, c2) = (provider.clone(), provider.clone(), c.id.clone(), c.id.clone());
            let current = Memo::new(move |_| {
                workspace.with(|w| {
                    w.upstream_links
                        .iter()
                        .find(|l| l.provider == p1 && l.provider_component == c1)
                        .map(|l| l.component.0.to_string())
                        .unwrap_or_default()
                })
            });
            let options = move || {
                workspace.with(|w| {
                    w.catalogue()
                        .into_iter()
                        .map(|ours| (ours.id.0.to_string(), w.component_name(&ours.id)))
                        .collect::<Vec<_>>()
                })
            };
            let change = move |value: String| {
                let body = if value.is_empty() {
                    EventBody::UpstreamUnlinked { provider: p2.clone(), provider_component: c2.clone() }
                } else {
                    EventBody::UpstreamLinked {
                        provider: p2.clone(),
                        provider_component: c2.clone(),
                        component: ComponentId(value.into()),
                    }
                };
                spawn_local(async move {
                    replica.record(IncidentId::workspace(), body).await;
                });
            };
            view! {
                <li>
                    <label for=for_id>{format!("Link {} to our component", c.name)}</label>
                    <select id=id on:change:target=move |ev| change(ev.target().value())>
                        <option value="" selected=move || current.with(String::is_empty)>"Not linked"</option>
                        {move || {
                            let now = current.get();
                            options().into_iter().map(|(value, label)| {
                                let selected = value == now;
                                view! { <option value=value selected=selected>{label}</option> }
                            }).collect_view()
                        }}
                    </select>
                </li>
            }
        })
        .collect_view();
    view! {
        <details class="links">
            <summary>"Link components to ours"</summary>
            {move || workspace.with(|w| w.components.is_empty()).then(|| view! {
                <p class="hint">"Our component catalogue is empty: define components first."</p>
            })}
            <ul>{rows}</ul>
        </details>
    }
    .into_any()
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
