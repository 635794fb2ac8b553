//! Publishing targets (admins only): the status pages customer updates go
//! to. Unlike other settings they live on the server, not in the log: the
//! key is sent once and never shown again, so its field is never filled.

use crate::api;
use crate::components::form::{Outcome, SelectField, TextArea, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::log::protocol::{PublishTarget, SavePublishTarget};
use sitrep_core::status_page::publishing;
use sitrep_core::status_page::publishing::{TargetKind, TargetSpec};

#[component]
pub fn PublishingTargets() -> impl IntoView {
    let targets = RwSignal::new(Vec::<PublishTarget>::new());
    let load_problem = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match api::get_publish_targets().await {
                Ok(t) => {
                    load_problem.set(None);
                    targets.set(t);
                }
                Err(e) => load_problem.set(Some(format!("Cannot load the targets: {e}."))),
            }
        });
    };
    reload();

    let id = RwSignal::new(String::new());
    let kind = RwSignal::new("statuspage".to_string());
    let name = RwSignal::new(String::new());
    let base_url = RwSignal::new(String::new());
    let page_id = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let map = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let components = match publishing::parse_component_map(&map.get_untracked()) {
            Ok(m) => m,
            Err(e) => {
                problem.set(Some(format!("Component map, {e}.")));
                return;
            }
        };
        let Some(k) = TargetKind::from_wire(&kind.get_untracked()) else {
            problem.set(Some("Choose a kind.".into()));
            return;
        };
        let target_id = id.get_untracked().trim().to_string();
        let had_key = targets.with_untracked(|t| t.iter().any(|t| t.id == target_id && t.key_set));
        let spec = TargetSpec {
            id: target_id.clone(),
            kind: k,
            name: name.get_untracked().trim().to_string(),
            base_url: base_url.get_untracked().trim().to_string(),
            page_id: page_id.get_untracked().trim().to_string(),
            components: components.clone(),
        };
        let secret = key.get_untracked().trim().to_string();
        if let Err(e) = publishing::check_target(&spec, &secret, had_key) {
            problem.set(Some(format!("{e}.")));
            return;
        }
        let form = SavePublishTarget {
            kind: k.wire().to_string(),
            name: spec.name.clone(),
            base_url: spec.base_url.clone(),
            page_id: spec.page_id.clone(),
            key: secret,
            components,
        };
        problem.set(None);
        busy.set(true);
        spawn_local(async move {
            let result = api::put_publish_target(&target_id, &form).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    // The key leaves the page as soon as it is stored.
                    key.set(String::new());
                    saved.set(Some(format!("Saved {}.", form.name)));
                    reload();
                }
                Err(e) => problem.set(Some(format!("Not saved: {e}."))),
            }
        });
    };

    let edit = move |t: PublishTarget| {
        id.set(t.id);
        kind.set(t.kind);
        name.set(t.name);
        base_url.set(t.base_url);
        page_id.set(t.page_id);
        key.set(String::new());
        map.set(publishing::format_component_map(&t.components));
        problem.set(None);
        saved.set(None);
    };
    let remove = move |t: PublishTarget| {
        spawn_local(async move {
            match api::delete_publish_target(&t.id).await {
                Ok(()) => {
                    saved.set(Some(format!("Removed {}.", t.name)));
                    reload();
                }
                Err(e) => problem.set(Some(format!("Not removed: {e}."))),
            }
        });
    };

    view! {
        <section class="settings-section" aria-labelledby="settings-publishing">
            <h2 id="settings-publishing">"Publishing targets"</h2>
            <p class="hint">"Status pages customer updates are published to, through the server. The own status page is always there, at /status. Keys are never shown again once saved."</p>
            <Outcome problem=load_problem/>
            <ul class="setting-list" aria-label="Publishing targets">
                {move || targets.get().into_iter().map(|t| {
                    let built_in = t.kind == "own";
                    let label = format!("{} ({})", t.name, t.kind);
                    let (for_edit, for_remove) = (t.clone(), t.clone());
                    let name = t.name.clone();
                    view! {
                        <li>
                            <span class="setting-name">{label}</span>
                            <Show when=move || !built_in fallback=|| view! { <span class="hint">"built in"</span> }>
                                <span class="setting-actions">
                                    <button type="button" aria-label=format!("Edit {name}")
                                        on:click={let t = for_edit.clone(); move |_| edit(t.clone())}>"Edit"</button>
                                    <button type="button" aria-label=format!("Remove {}", for_remove.name)
                                        on:click={let t = for_remove.clone(); move |_| remove(t.clone())}>"Remove"</button>
                                </span>
                            </Show>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="stacked-form" aria-label="Add or change a publishing target" on:submit=save>
                <TextField id="target-id" label="Target id" value=id maxlength=40 autocomplete="off"/>
                <SelectField id="target-kind" label="Kind" value=kind on_change=move |v: String| kind.set(v)>
                    <option value="statuspage">"Atlassian Statuspage"</option>
                    <option value="cachet">"Cachet"</option>
                </SelectField>
                <TextField id="target-name" label="Target name" value=name maxlength=80/>
                <TextField id="target-url" label="Base URL" value=base_url kind="url"
                    placeholder="https://api.statuspage.io/v1"/>
                <TextField id="target-page" label="Page id (Statuspage)" value=page_id maxlength=64/>
                // Write-only: never filled from the server.
                <TextField id="target-key" label="API key or token" value=key kind="password"
                    autocomplete="new-password"
                    placeholder=Signal::derive(move || {
                        if targets.with(|t| t.iter().any(|t| t.id == id.get() && t.key_set)) {
                            "stored; leave empty to keep it".to_string()
                        } else {
                            String::new()
                        }
                    })/>
                <TextArea id="target-map" label="Component map (our id = their id, one per line)"
                    value=map rows=3/>
                <button type="submit" class="primary" disabled=move || busy.get()>"Save target"</button>
            </form>
            <Outcome problem saved/>
        </section>
    }
}
