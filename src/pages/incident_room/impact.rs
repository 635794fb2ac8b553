//! What the incident touches: our affected components with their status,
//! whether customers are affected and what share of users or traffic.

use crate::components::form::{CheckField, Outcome, SelectField, TextField};
use crate::room::use_room;
use leptos::prelude::*;
use leptos_router::components::A;
use sitrep_core::incident::severity_policy::{parse_share, percent};
use sitrep_core::{ComponentId, ComponentStatus, EventBody};

#[component]
pub fn ImpactPanel() -> impl IntoView {
    let room = use_room();
    let affected = Memo::new(move |_| room.incident.with(|i| i.components.clone()));
    let catalogue = Memo::new(move |_| {
        room.workspace.with(|w| {
            w.catalogue()
                .into_iter()
                .map(|c| (c.id.clone(), w.component_name(&c.id)))
                .collect::<Vec<_>>()
        })
    });
    let pick = RwSignal::new(String::new());
    let pick_status = RwSignal::new(ComponentStatus::MajorOutage);
    let problem = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = match pick.get_untracked() {
            s if s.is_empty() => catalogue.with_untracked(|c| c.first().map(|(id, _)| id.clone())),
            s => Some(ComponentId(s.into())),
        };
        let Some(component) = chosen else {
            problem.set(Some("Define components in Settings first.".into()));
            return;
        };
        problem.set(None);
        room.record(EventBody::ComponentStatusSet {
            component,
            status: pick_status.get_untracked(),
        });
    };
    let rows = move || {
        affected.get().into_iter().map(|(id, status)| {
            let name = room.workspace.with(|w| w.component_name(&id));
            let select_id = format!("component-status-{id}");
            let set_id = id.clone();
            let clear_id = id.clone();
            view! {
                <li>
                    <label for=select_id.clone()>{name.clone()}</label>
                    <select id=select_id on:change:target=move |ev| {
                        if let Some(s) = ComponentStatus::from_wire(&ev.target().value()) {
                            room.record(EventBody::ComponentStatusSet { component: set_id.clone(), status: s });
                        }
                    }>
                        {ComponentStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.wire() selected=s == status>{s.label()}</option>
                        }).collect_view()}
                    </select>
                    <button type="button" class="small" aria-label=format!("Remove {name} from this incident")
                        on:click=move |_| room.record(EventBody::ComponentCleared { component: clear_id.clone() })>"Remove"</button>
                </li>
            }
        }).collect_view()
    };
    view! {
        <section class="panel" aria-labelledby="impact-heading">
            <h2 id="impact-heading">"Impact"</h2>
            <ul class="affected" aria-label="Affected components">{rows}</ul>
            {move || affected.with(|a| a.is_empty()).then(|| view! { <p class="empty">"No components recorded as affected."</p> })}
            <Show when=move || !catalogue.with(Vec::is_empty)
                fallback=|| view! { <p class="empty">"No components defined yet. " <A href="/settings">"Define them in Settings"</A></p> }>
                <form class="inline-form" on:submit=add>
                    <SelectField id="component-pick" label="Component" on_change=move |v: String| pick.set(v)>
                        {move || catalogue.get().into_iter().map(|(id, name)| view! { <option value=id.0.to_string()>{name}</option> }).collect_view()}
                    </SelectField>
                    <SelectField id="component-pick-status" label="Its status"
                        on_change=move |v: String| {
                            if let Some(s) = ComponentStatus::from_wire(&v) { pick_status.set(s) }
                        }>
                        {ComponentStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.wire() selected=s == ComponentStatus::MajorOutage>{s.label()}</option>
                        }).collect_view()}
                    </SelectField>
                    <button type="submit">"Add component"</button>
                </form>
            </Show>
            <Outcome problem/>
            <CustomerImpact/>
        </section>
    }
}

#[component]
fn CustomerImpact() -> impl IntoView {
    let room = use_room();
    let customers = RwSignal::new(room.incident.with_untracked(|i| i.customer_impact));
    let share = RwSignal::new(
        room.incident
            .with_untracked(|i| i.share_permille.map(percent_input).unwrap_or_default()),
    );
    let problem = RwSignal::new(None::<String>);
    // Follow the log when someone else records impact.
    let recorded = Memo::new(move |_| {
        room.incident
            .with(|i| (i.customer_impact, i.share_permille))
    });
    Effect::new(move |_| {
        let (c, s) = recorded.get();
        customers.set(c);
        share.set(s.map(percent_input).unwrap_or_default());
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let share_permille = match parse_share(&share.get_untracked()) {
            Ok(share) => share,
            Err(why) => return problem.set(Some(why)),
        };
        problem.set(None);
        room.record(EventBody::ImpactSet {
            customer_impact: customers.get_untracked(),
            share_permille,
        });
    };
    view! {
        <form class="inline-form impact" on:submit=save>
            <CheckField id="impact-customers" label="Customers affected"
                checked=customers on_change=move |on| customers.set(on)/>
            <TextField id="impact-share" label="Share of users or traffic affected (%)" value=share
                inputmode="decimal" size=6/>
            <button type="submit">"Record impact"</button>
        </form>
        <Outcome problem/>
        {move || room.incident.with(|i| i.share_permille.map(|p| view! { <p class="fact">{format!("Recorded share affected: {}", percent(p))}</p> }))}
    }
}

fn percent_input(permille: u16) -> String {
    percent(permille).trim_end_matches('%').to_string()
}
