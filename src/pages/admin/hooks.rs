//! The team's webhooks (admins): each hook with the events it hears and
//! how its latest delivery went; adding or changing one (its signing key
//! is shown once, when made or rotated); and one hook's deliveries with
//! what its receiver answered, a failed one retried on request.

use super::{when, AdminFrame};
use crate::api;
use crate::browser;
use crate::components::form::{CheckField, Outcome, SelectField, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::log::admin::{HookDelivery, SaveTeamHook, TeamHook};
use sitrep_core::webhook::team::HookEvent;

#[component]
pub fn HooksPage() -> impl IntoView {
    view! {
        <AdminFrame title="Webhooks">
            <HooksBody/>
        </AdminFrame>
    }
}

/// What the page's parts share.
#[derive(Clone, Copy)]
struct Hooks {
    list: RwSignal<Vec<TeamHook>>,
    /// The hook whose deliveries are shown.
    open: RwSignal<Option<String>>,
    /// A signing key to show once.
    secret: RwSignal<Option<(String, String)>>,
    problem: RwSignal<Option<String>>,
    saved: RwSignal<Option<String>>,
}

impl Hooks {
    fn reload(self) {
        spawn_local(async move {
            match api::get_hooks().await {
                Ok(l) => self.list.set(l),
                Err(e) => self
                    .problem
                    .set(Some(format!("Cannot load the webhooks: {e}."))),
            }
        });
    }
}

#[component]
fn HooksBody() -> impl IntoView {
    let hooks = Hooks {
        list: RwSignal::new(Vec::new()),
        open: RwSignal::new(None),
        secret: RwSignal::new(None),
        problem: RwSignal::new(None),
        saved: RwSignal::new(None),
    };
    hooks.reload();
    view! {
        <p class="hint">"Send incident events to your team's tools: signed JSON (see docs/webhooks.md to verify it) or a Slack message. Each event goes once per hook, retried when the receiver fails."</p>
        {move || hooks.list.with(Vec::is_empty).then(|| view! { <p class="empty">"No webhooks yet."</p> })}
        <table class="incidents hooks" aria-label="Webhooks">
            <thead>
                <tr>
                    <th scope="col">"Hook"</th>
                    <th scope="col">"Address"</th>
                    <th scope="col">"Format"</th>
                    <th scope="col">"Events"</th>
                    <th scope="col">"Latest delivery"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                <For each=move || hooks.list.get()
                    key=|h| (h.id.clone(), h.updated_at, h.last.as_ref().map(|d| (d.event.clone(), d.state.clone())))
                    children=move |h| view! { <HookRow h hooks/> }/>
            </tbody>
        </table>
        {move || hooks.secret.get().map(|(id, key)| {
            let k = key.clone();
            view! {
                <div class="secret-once" role="status">
                    <p>{format!("The signing key of {id}, shown only now: give it to the receiver to check each request's Sitrep-Signature.")}</p>
                    <pre><code>{key.clone()}</code></pre>
                    <button type="button" on:click=move |_| {
                        let k = k.clone();
                        spawn_local(async move { let _ = browser::copy_text(&k).await; });
                    }>"Copy the key"</button>
                </div>
            }
        })}
        <Outcome problem=hooks.problem saved=hooks.saved/>
        {move || hooks.open.get().map(|id| view! { <Deliveries id hooks/> })}
        <HookForm hooks/>
    }
}

#[component]
fn HookRow(h: TeamHook, hooks: Hooks) -> impl IntoView {
    let id = h.id.clone();
    let last = h
        .last
        .as_ref()
        .map(delivery_line)
        .unwrap_or_else(|| "none yet".into());
    let events = h
        .events
        .iter()
        .filter_map(|e| HookEvent::from_wire(e).map(HookEvent::label))
        .collect::<Vec<_>>()
        .join(", ");
    let (open_id, rotate_id, remove_id) = (id.clone(), id.clone(), id.clone());
    let remove = move |_| {
        let id = remove_id.clone();
        if !browser::confirm(&format!(
            "Remove the webhook {id}? Deliveries not sent yet are dropped."
        )) {
            return;
        }
        spawn_local(async move {
            match api::remove_hook(&id).await {
                Ok(()) => hooks.saved.set(Some(format!("Removed {id}."))),
                Err(e) => hooks.problem.set(Some(format!("Not removed: {e}."))),
            }
            hooks.open.update(|o| {
                if o.as_deref() == Some(id.as_str()) {
                    *o = None;
                }
            });
            hooks.reload();
        });
    };
    let rotate = move |_| {
        let id = rotate_id.clone();
        if !browser::confirm(&format!("Make a new signing key for {id}? Its receiver rejects requests until it has the new one.")) {
            return;
        }
        spawn_local(async move {
            match api::rotate_hook_secret(&id).await {
                Ok(saved) => hooks.secret.set(saved.secret.map(|s| (id.clone(), s))),
                Err(e) => hooks.problem.set(Some(format!("Not rotated: {e}."))),
            }
        });
    };
    view! {
        <tr data-hook=id.clone()>
            <th scope="row">{h.name.clone()}" "<code>{id.clone()}</code></th>
            <td class="wrap">{h.url.clone()}</td>
            <td>{if h.format == "slack" { "Slack message" } else { "Signed JSON" }}</td>
            <td>{events}</td>
            <td>{last}</td>
            <td class="actions">
                <button type="button" aria-label=format!("Deliveries of {}", h.name)
                    on:click=move |_| hooks.open.set(Some(open_id.clone()))>"Deliveries"</button>
                <button type="button" aria-label=format!("New signing key for {}", h.name) on:click=rotate>"New key"</button>
                <button type="button" aria-label=format!("Remove {}", h.name) on:click=remove>"Remove"</button>
            </td>
        </tr>
    }
}

/// `sent (HTTP 200 "ok")`, `failed: no answer within 15 s`, …
fn delivery_line(d: &HookDelivery) -> String {
    let answer = match d.answer_code {
        Some(code) if d.answer.is_empty() => format!(" (HTTP {code})"),
        Some(code) => format!(" (HTTP {code}: {})", d.answer),
        None => String::new(),
    };
    let error = if d.error.is_empty() {
        String::new()
    } else {
        format!(": {}", d.error)
    };
    format!("{}{error}{answer}", d.state)
}

#[component]
fn Deliveries(id: String, hooks: Hooks) -> impl IntoView {
    let list = RwSignal::new(Vec::<HookDelivery>::new());
    let load = {
        let id = id.clone();
        move || {
            let id = id.clone();
            spawn_local(async move {
                match api::get_hook_deliveries(&id).await {
                    Ok(l) => list.set(l),
                    Err(e) => hooks
                        .problem
                        .set(Some(format!("Cannot load the deliveries: {e}."))),
                }
            });
        }
    };
    load();
    let reload = load.clone();
    let caption = format!("Deliveries of {id}");
    let section_label = caption.clone();
    let heading = caption.clone();
    view! {
        <section class="hook-deliveries" aria-label=section_label>
            <h2>{heading}</h2>
            <button type="button" on:click=move |_| reload()>"Refresh"</button>
            {move || list.with(Vec::is_empty).then(|| view! { <p class="empty">"Nothing sent to it yet."</p> })}
            <table class="incidents" aria-label=caption>
                <thead>
                    <tr>
                        <th scope="col">"Event"</th>
                        <th scope="col">"Incident"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Attempts"</th>
                        <th scope="col">"Receiver's answer"</th>
                        <th scope="col">"When"</th>
                        <th scope="col"><span class="visually-hidden">"Action"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {move || list.get().into_iter().map(|d| {
                        let failed = d.state == "failed";
                        let (hook, event) = (id.clone(), d.event.clone());
                        let label = HookEvent::from_wire(&d.kind).map_or(d.kind.clone(), |k| k.label().to_string());
                        let answer = match d.answer_code {
                            Some(code) => format!("HTTP {code} {}", d.answer),
                            None => "no answer".into(),
                        };
                        let retry = {
                            let load = load.clone();
                            move |_| {
                                let (hook, event, load) = (hook.clone(), event.clone(), load.clone());
                                spawn_local(async move {
                                    match api::retry_hook_delivery(&hook, &event).await {
                                        Ok(()) => hooks.saved.set(Some("Queued again.".into())),
                                        Err(e) => hooks.problem.set(Some(format!("Not retried: {e}."))),
                                    }
                                    load();
                                });
                            }
                        };
                        view! {
                            <tr>
                                <td>{label}</td>
                                <td><code>{d.incident.clone()}</code></td>
                                <td><span class=format!("badge delivery {}", d.state)>{d.state.clone()}</span>
                                    {(!d.error.is_empty()).then(|| view! { <span class="delivery-detail">{format!(" {}", d.error)}</span> })}</td>
                                <td>{d.attempts}</td>
                                <td class="wrap">{answer}</td>
                                <td>{when(d.sent_at.or(Some(d.created_at)), "")}</td>
                                <td>{failed.then(|| view! { <button type="button" on:click=retry.clone()>"Retry"</button> })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn HookForm(hooks: Hooks) -> impl IntoView {
    let id = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let format = RwSignal::new("generic".to_string());
    let chosen = RwSignal::new(
        HookEvent::ALL
            .iter()
            .map(|e| e.wire().to_string())
            .collect::<Vec<_>>(),
    );
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let hook_id = id.get_untracked().trim().to_string();
        let body = SaveTeamHook {
            name: name.get_untracked().trim().to_string(),
            url: url.get_untracked().trim().to_string(),
            format: format.get_untracked(),
            events: chosen.get_untracked(),
        };
        hooks.problem.set(None);
        hooks.saved.set(None);
        spawn_local(async move {
            match api::save_hook(&hook_id, &body).await {
                Ok(saved) => {
                    hooks.saved.set(Some(format!("Saved {hook_id}.")));
                    if let Some(s) = saved.secret {
                        hooks.secret.set(Some((hook_id.clone(), s)));
                    }
                    id.set(String::new());
                    name.set(String::new());
                    url.set(String::new());
                }
                Err(e) => hooks.problem.set(Some(format!("Not saved: {e}."))),
            }
            hooks.reload();
        });
    };
    view! {
        <form class="stack-form" on:submit=save aria-label="Add or change a webhook">
            <h2>"Add or change a webhook"</h2>
            <div class="row">
                <TextField id="hook-id" label="Hook id" value=id maxlength=40 placeholder="ops-slack"/>
                <TextField id="hook-name" label="Name" value=name maxlength=80/>
                <SelectField id="hook-format" label="Format" value=format on_change=move |v: String| format.set(v)>
                    <option value="generic">"Signed JSON"</option>
                    <option value="slack">"Slack message"</option>
                </SelectField>
            </div>
            <TextField id="hook-url" label="Address (https://…)" value=url kind="url" maxlength=2048 grow=true/>
            <fieldset class="events">
                <legend>"Events to send"</legend>
                {HookEvent::ALL.into_iter().map(|e| {
                    let box_id = format!("hook-event-{}", e.wire().replace('.', "-"));
                    let wire = e.wire().to_string();
                    let w2 = wire.clone();
                    view! {
                        <CheckField id=box_id label=e.label()
                            checked=Signal::derive(move || chosen.with(|c| c.contains(&wire)))
                            on_change=move |on| chosen.update(|c| {
                                c.retain(|x| *x != w2);
                                if on { c.push(w2.clone()); }
                            })/>
                    }
                }).collect_view()}
            </fieldset>
            <button type="submit" class="primary">"Save webhook"</button>
        </form>
    }
}
