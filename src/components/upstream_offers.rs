//! What to do about a provider's component, linked to one of ours, that is
//! not operational: declare an incident (the form prefilled) or add a note
//! to each open incident already touching our component.
//!
//! Its code (the offers' rules, the buttons, `record`) is a chunk of its
//! own (`#[lazy]`, split by scripts/split-wasm.mjs, precached), fetched once
//! an upstream list has arrived: the first screen paints without it.

use crate::replica::use_replica;
use crate::session::use_session;
use crate::upstreams::use_upstreams;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use sitrep_core::status_page::upstream_panel::{component_words, offers, Offer};
use sitrep_core::{EventBody, IncidentId};

#[component]
pub fn UpstreamOffers() -> impl IntoView {
    let upstreams = use_upstreams();
    view! {
        <Show when=move || upstreams.latest.with(Option::is_some)>
            {Suspend::new(offers_chunk())}
        </Show>
    }
    .into_any()
}

/// The offers on a page that is a chunk itself (the upstreams page): their
/// code comes with the page's. Called from inside another chunk, the
/// `#[lazy]` split point would leave an import that only the split step
/// resolves, and the unsplit wasm of the browser tests would not start.
#[component]
pub fn UpstreamOffersOnPage() -> impl IntoView {
    let upstreams = use_upstreams();
    view! {
        <Show when=move || upstreams.latest.with(Option::is_some)>
            <Offers/>
        </Show>
    }
}

#[lazy]
fn offers_chunk() -> AnyView {
    view! { <Offers/> }.into_any()
}

#[component]
fn Offers() -> impl IntoView {
    let replica = use_replica();
    let upstreams = use_upstreams();
    let workspace = replica.workspace();
    let incidents = replica.incidents();
    let current = Memo::new(move |_| {
        upstreams.latest.with(|r| match r {
            Some(r) => workspace.with(|w| incidents.with(|i| offers(&r.providers, w, i))),
            None => Vec::new(),
        })
    });
    view! {
        <Show when=move || !current.with(Vec::is_empty)>
            <section class="offers" aria-label="Upstream trouble on our components">
                <ul>
                    {move || current.get().into_iter().map(|offer| view! { <OfferItem offer/> }).collect_view()}
                </ul>
            </section>
        </Show>
    }
}

#[component]
fn OfferItem(offer: Offer) -> impl IntoView {
    let replica = use_replica();
    let session = use_session();
    // A viewer's note would be refused: the button says so instead.
    let why_not = move || {
        (!session.can_write()).then_some("Viewers read incidents; adding a note needs a responder.")
    };
    let declare = format!(
        "/new?title={}&summary={}&component={}&status={}",
        encode(&offer.title()),
        encode(&offer.summary()),
        encode(&offer.component.0),
        offer.our_status().wire()
    );
    let note = offer.note();
    let added = RwSignal::new(None::<String>);
    let notes = offer
        .open_incidents
        .iter()
        .map(|(id, title)| {
            let (id, title, note) = (id.clone(), title.clone(), note.clone());
            let label = format!("Add a note to {title}");
            view! {
                <button type="button" disabled=move || why_not().is_some() title=why_not on:click=move |_| {
                    let (id, note, title): (IncidentId, String, String) = (id.clone(), note.clone(), title.clone());
                    spawn_local(async move {
                        replica.record(id, EventBody::note(note)).await;
                        added.set(Some(format!("Note added to {title}.")));
                    });
                }>{label}</button>
            }
        })
        .collect_view();
    view! {
        <li>
            <p>
                <strong>{format!("{} {}", offer.provider, offer.provider_component_name)}</strong>
                {format!(" is {} — linked to our {}.", component_words(offer.status), offer.component_name)}
            </p>
            <p class="actions">
                <A href=declare attr:class="button">"Declare an incident"</A>
                " "{notes}
            </p>
            {move || added.get().map(|a| view! { <p role="status">{a}</p> })}
        </li>
    }
}

fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}
