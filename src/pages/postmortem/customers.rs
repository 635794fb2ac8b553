//! The post-mortem's account to customers: what data was lost or delayed,
//! which customers, what was restored (each a section saved as an event), and
//! what they were offered (each offer an event, withdrawn by another); and
//! the way to the public summary, which the comms desk drafts, reviews and
//! publishes like any customer update.

use crate::components::form::{Outcome, SelectField, TextArea, TextField};
use crate::reader::when;
use crate::room::use_room;
use leptos::prelude::*;
use leptos_router::components::A;
use sitrep_core::aftermath::postmortem::Postmortem;
use sitrep_core::incident::Offer;
use sitrep_core::vocabulary::{OfferKind, PostmortemSection};
use sitrep_core::EventBody;

#[component]
pub fn CustomersSection(pm: Memo<Postmortem>) -> impl IntoView {
    let desk = move || {
        format!(
            "/incidents/{}/comms?phase=postmortem",
            pm.with(|p| p.incident.0.clone())
        )
    };
    view! {
        <section class="pm-section" aria-labelledby="pm-customers-heading">
            <h2 id="pm-customers-heading">"What customers lost and got"</h2>
            <p class="hint no-print">"The count and whether data was lost are under Impact. The public post-mortem must say what happened to customer data."</p>
            {PostmortemSection::CUSTOMERS.into_iter().map(|fact| view! { <FactEditor fact pm/> }).collect_view()}
            <Offers pm/>
            <p class="no-print">
                <A href=desk>"Draft the public post-mortem summary on the comms desk"</A>
                " (reviewed and published like an update, with the same checks; it needs a statement on customer data)"
            </p>
        </section>
    }
}

/// One fact as a text area saved on its own: two people can write two
/// facts at once without overwriting each other.
#[component]
fn FactEditor(fact: PostmortemSection, pm: Memo<Postmortem>) -> impl IntoView {
    let room = use_room();
    let recorded =
        Memo::new(move |_| pm.with(|p| p.customers.facts.get(&fact).cloned().unwrap_or_default()));
    let text = RwSignal::new(String::new());
    // Follow the log only when the fact changes: someone may be typing.
    Effect::new(move |_| text.set(recorded.get()));
    let saved = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = text.get_untracked();
        if t != recorded.get_untracked() {
            room.record(EventBody::PostmortemSectionSet {
                section: fact,
                text: t,
            });
            saved.set(Some(format!("{} saved.", fact.label())));
        }
    };
    let id = format!("pm-fact-{}", fact.wire());
    let form_label = format!("{} (Markdown)", fact.label());
    view! {
        <form class="stack-form" on:submit=save aria-label=fact.label()>
            <TextArea id=id label=form_label value=text rows=3/>
            <button type="submit" class="no-print">{format!("Save: {}", fact.label().to_lowercase())}</button>
            <Outcome problem saved/>
        </form>
    }
}

#[component]
fn Offers(pm: Memo<Postmortem>) -> impl IntoView {
    let room = use_room();
    let kind = RwSignal::new(OfferKind::Credit.wire().to_string());
    let details = RwSignal::new(String::new());
    let customers = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let d = details.get_untracked().trim().to_string();
        if d.is_empty() {
            return problem.set(Some(
                "Say what was offered, e.g. \u{201c}10% off the next invoice\u{201d} or \u{201c}3 days added\u{201d}.".into(),
            ));
        }
        let Some(offer) = OfferKind::from_wire(&kind.get_untracked()) else {
            return;
        };
        problem.set(None);
        room.record(EventBody::PostmortemOfferAdded {
            offer: offer.wire().to_string(),
            details: d,
            customers: customers.get_untracked().trim().to_string(),
        });
        details.set(String::new());
        customers.set(String::new());
    };
    view! {
        <h3>"What customers were offered"</h3>
        <ul class="offers" aria-label="Offers">
            {move || pm.with(|p| p.customers.offers.clone()).into_iter().map(|o| view! { <OfferRow o/> }).collect_view()}
        </ul>
        {move || pm.with(|p| p.customers.offers.is_empty()).then(|| view! { <p class="empty">"Nothing offered yet."</p> })}
        <form class="stack-form no-print" on:submit=add aria-label="Record an offer">
            <div class="row">
                <SelectField id="pm-offer-kind" label="Offer" value=kind on_change=move |v: String| kind.set(v)>
                    {OfferKind::ALL.into_iter().map(|k| view! { <option value=k.wire()>{k.label()}</option> }).collect_view()}
                </SelectField>
                <TextField id="pm-offer-details" label="What exactly" value=details maxlength=4096 grow=true/>
                <TextField id="pm-offer-customers" label="To whom" value=customers maxlength=4096 grow=true/>
            </div>
            <button type="submit">"Record offer"</button>
        </form>
        <Outcome problem/>
    }
}

#[component]
fn OfferRow(o: Offer) -> impl IntoView {
    let room = use_room();
    let withdrawn = o.withdrawn.clone();
    let is_withdrawn = withdrawn.is_some();
    let id = o.id.clone();
    let summary = format!("{}: {}", o.kind.label(), o.details);
    let to = (!o.customers.trim().is_empty()).then(|| format!(" (to {})", o.customers));
    let by = format!(" — recorded by {}, {}", o.by, when(o.at));
    let label = format!("Withdraw the offer: {summary}");
    view! {
        <li class:withdrawn=is_withdrawn>
            <strong>{summary.clone()}</strong>{to}<span class="hint">{by}</span>
            {match withdrawn {
                Some((who, at)) => view! { <span class="hint">{format!(" — withdrawn by {who}, {}", when(at))}</span> }.into_any(),
                None => view! {
                    <button type="button" class="small no-print" aria-label=label
                        on:click=move |_| room.record(EventBody::PostmortemOfferWithdrawn { offer: id.clone() })>"Withdraw"</button>
                }.into_any(),
            }}
        </li>
    }
}
