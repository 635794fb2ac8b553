//! Alert routing rules (admins): label matchers → the components and
//! severity proposed for an alert group, and whether such a group opens an
//! incident at once (a SEV1 page) or waits in the inbox. Tried in order;
//! the first match wins. Saved whole as one `alert_routes_set` event.

use super::problem_with;
use crate::components::form::{CheckField, Outcome, SelectField, TextField};
use crate::replica::use_replica;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::alerts::model::AlertRoute;
use sitrep_core::alerts::routing::{matchers_text, parse_matchers};
use sitrep_core::log::access::Role;
use sitrep_core::vocabulary::ComponentId;
use sitrep_core::{EventBody, IncidentId, Severity};

#[component]
pub fn AlertRoutes() -> impl IntoView {
    let replica = use_replica();
    let session = use_session();
    let workspace = replica.workspace();
    let routes = Memo::new(move |_| workspace.with(|w| w.alert_routes.clone()));
    let name = RwSignal::new(String::new());
    let matchers = RwSignal::new(String::new());
    let component = RwSignal::new(String::new());
    let severity = RwSignal::new(String::new());
    let open_now = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let admin = move || session.role() == Some(Role::Admin);

    let save = move |list: Vec<AlertRoute>, said: String| {
        let body = EventBody::AlertRoutesSet { routes: list };
        if let Some(p) = problem_with(&body) {
            problem.set(Some(p));
            return false;
        }
        problem.set(None);
        saved.set(Some(said));
        spawn_local(async move {
            replica.record(IncidentId::workspace(), body).await;
        });
        true
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let parsed = match parse_matchers(&matchers.get_untracked()) {
            Ok(m) => m,
            Err(e) => {
                problem.set(Some(format!("Matchers: {e}.")));
                return;
            }
        };
        let rule = AlertRoute {
            name: name.get_untracked().trim().to_string(),
            matchers: parsed,
            components: Some(component.get_untracked())
                .filter(|c| !c.is_empty())
                .map(|c| vec![ComponentId(c.into())])
                .unwrap_or_default(),
            severity: Severity::from_wire(&severity.get_untracked()),
            open_incident: open_now.get_untracked(),
        };
        let said = format!("Added the rule {}.", rule.name);
        let mut list = routes.get_untracked();
        list.push(rule);
        if save(list, said) {
            name.set(String::new());
            matchers.set(String::new());
            open_now.set(false);
        }
    };

    let rows = move || {
        let list: Vec<(usize, AlertRoute)> = routes.get().into_iter().enumerate().collect();
        list
    };
    view! {
        <section class="settings-section" aria-labelledby="settings-alert-routes">
            <h2 id="settings-alert-routes">"Alert routing"</h2>
            <p class="hint">"Rules are tried in order on a firing alert group's common labels; the first that matches proposes the components and severity of an incident declared from it, or declares one at once. Matchers: "
                <code>"label=value"</code>", "<code>"label!=value"</code>", "<code>"label~pattern*"</code>", separated by commas; none matches every group."</p>
            <ol aria-label="Alert routing rules" class="setting-list">
                <For each=rows
                    key=|(i, r)| (*i, r.name.clone(), matchers_text(&r.matchers), r.open_incident)
                    let:item>
                    <RouteRow index=item.0 route=item.1 routes admin=Signal::derive(admin) save/>
                </For>
            </ol>
            <Show when=move || routes.with(Vec::is_empty)>
                <p class="empty">"No rules: every group waits in the inbox and proposes SEV3."</p>
            </Show>
            <form class="stack" aria-label="Add an alert routing rule" on:submit=add>
                <fieldset class="stack plain" disabled=move || !admin()>
                    <TextField id="route-name" label="Rule name" value=name maxlength=100 placeholder="e.g. Checkout pages"/>
                    <TextField id="route-matchers" label="Matchers" value=matchers
                        placeholder="severity=page, service~checkout*"/>
                    <SelectField id="route-component" label="Component" on_change=move |v: String| component.set(v)
                        value=Signal::derive(move || component.get())>
                        <option value="">"None"</option>
                        {move || workspace.with(|w| w.catalogue().into_iter().map(|c| {
                            let id = c.id.to_string();
                            let label = w.component_name(&c.id);
                            view! { <option value=id>{label}</option> }
                        }).collect_view())}
                    </SelectField>
                    <SelectField id="route-severity" label="Severity" on_change=move |v: String| severity.set(v)
                        value=Signal::derive(move || severity.get())>
                        <option value="">"Not set (SEV3)"</option>
                        {Severity::ALL.into_iter().map(|s| view! { <option value=s.wire()>{s.label()}</option> }).collect_view()}
                    </SelectField>
                    <CheckField id="route-open-now" label="Declare an incident at once (skip the inbox)"
                        checked=open_now on_change=move |on| open_now.set(on)/>
                    <button type="submit" class="primary">"Add rule"</button>
                </fieldset>
            </form>
            <Outcome problem saved/>
        </section>
    }
}

#[component]
fn RouteRow<F>(
    index: usize,
    route: AlertRoute,
    routes: Memo<Vec<AlertRoute>>,
    admin: Signal<bool>,
    save: F,
) -> impl IntoView
where
    F: Fn(Vec<AlertRoute>, String) -> bool + Copy + 'static,
{
    let replica = use_replica();
    let workspace = replica.workspace();
    let components: Vec<String> = workspace.with_untracked(|w| {
        route
            .components
            .iter()
            .map(|c| w.component_name(c))
            .collect()
    });
    let what = format!(
        "when {} → {}{}{}",
        if route.matchers.is_empty() {
            "any group".to_string()
        } else {
            matchers_text(&route.matchers)
        },
        route
            .severity
            .map_or("SEV3".to_string(), |s| s.label().to_string()),
        if components.is_empty() {
            String::new()
        } else {
            format!(", {}", components.join(", "))
        },
        if route.open_incident {
            ", declared at once"
        } else {
            ", waits in the inbox"
        },
    );
    let name = route.name.clone();
    let remove = move |_| {
        let mut list = routes.get_untracked();
        if index < list.len() {
            let gone = list.remove(index);
            save(list, format!("Removed the rule {}.", gone.name));
        }
    };
    view! {
        <li>
            <span class="setting-name">{route.name.clone()}</span>" "<span>{what}</span>
            <span class="setting-actions">
                <button type="button" aria-label=format!("Remove rule {name}") disabled=move || !admin.get()
                    on:click=remove>"Remove"</button>
            </span>
        </li>
    }
}
