//! One customer update on the desk: while in review, its editors, checks
//! and review buttons; once published, its words, the overridden checks
//! and where each target stands.

use super::checks::ChecksList;
use super::editor::{ChannelEditors, PublicTitleField, ShownComponents};
use super::review::ReviewBar;
use super::social::SocialPost;
use super::targets::use_targets;
use crate::api;
use crate::components::form::Outcome;
use crate::components::markdown::Markdown;
use crate::reader::when;
use crate::room::use_room;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::comms::checks;
use sitrep_core::comms::checks::Draft;
use sitrep_core::comms::review::{may_edit, may_retry};
use sitrep_core::comms::{clean_title, Channels, CustomerUpdate, DeliveryState, Review};
use sitrep_core::{ComponentId, ComponentStatus, EventBody, EventId};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long typing must pause before the checks run on the typed text.
const TYPING_PAUSE: Duration = Duration::from_millis(300);

#[component]
pub fn UpdateCard(id: EventId) -> impl IntoView {
    let room = use_room();
    let found = Memo::new(move |_| room.incident.with(|i| i.update(&id).cloned()));
    // Only a change of stage remounts the card: edits and approvals must
    // not wipe text being typed or override reasons.
    let published =
        Memo::new(move |_| found.with(|u| u.as_ref().map(|u| u.review == Review::Published)));
    move || {
        let initial = found.get_untracked()?;
        let update = Memo::new(move |_| found.get().unwrap_or_else(|| initial.clone()));
        Some(match published.get()? {
            true => view! { <PublishedUpdate update/> }.into_any(),
            false => view! { <DraftUpdate update/> }.into_any(),
        })
    }
}

/// The public title field's text for a saved update: its own title, blank
/// when it keeps the last published one.
fn saved_title(u: &CustomerUpdate) -> String {
    u.public_title.clone().unwrap_or_default()
}

fn heading(u: &CustomerUpdate) -> String {
    let stage = match u.review {
        Review::Draft => "Draft",
        Review::Approved => "Approved",
        Review::Published => "Published",
    };
    format!("{} · {stage}", u.phase.label())
}

#[component]
fn DraftUpdate(update: Memo<CustomerUpdate>) -> impl IntoView {
    let room = use_room();
    let session = use_session();
    let uid = update.with_untracked(|u| u.id.to_string());
    let heading_id = format!("update-{uid}");
    let labelled_by = heading_id.clone();
    let channels = RwSignal::new(update.with_untracked(|u| u.channels.clone()));
    let shown = RwSignal::new(update.with_untracked(|u| u.components.clone()));
    let title = RwSignal::new(update.with_untracked(saved_title));
    // Someone else's saved edit replaces this text unless it has changes
    // of its own; then the "unsaved" note tells the two apart.
    let base = StoredValue::new(
        update.with_untracked(|u| (u.channels.clone(), u.components.clone(), saved_title(u))),
    );
    Effect::new(move |_| {
        let saved = update.with(|u| (u.channels.clone(), u.components.clone(), saved_title(u)));
        let untouched = base.with_value(|(c, s, t)| {
            channels.with_untracked(|x| x == c)
                && shown.with_untracked(|x| x == s)
                && title.with_untracked(|x| x == t)
        });
        if untouched {
            channels.set(saved.0.clone());
            shown.set(saved.1.clone());
            title.set(saved.2.clone());
        }
        base.set_value(saved);
    });
    let dirty = Signal::derive(move || {
        update.with(|u| {
            channels.with(|c| *c != u.channels)
                || shown.with(|s| *s != u.components)
                || title.with(|t| clean_title(Some(t)) != u.public_title)
        })
    });
    let may = Signal::derive(move || update.with(|u| may_edit(u, session.role())));
    let findings = Memo::new(move |_| {
        room.workspace.with(|w| {
            room.incident
                .with(|i| update.with(|u| checks::run(&Draft::of(u), i, w)))
        })
    });
    // The checks also run on the text as typed, once typing pauses
    // (~300 ms), so a problem shows before saving; review and publishing
    // still go by the saved text, and the list says which one it checked.
    let typed = RwSignal::new(None::<(Channels, BTreeMap<ComponentId, ComponentStatus>, String)>);
    let typing = StoredValue::new(0u64);
    Effect::new(move |_| {
        let snapshot = (channels.get(), shown.get(), title.get());
        let turn = typing.get_value() + 1;
        typing.set_value(turn);
        set_timeout(
            move || {
                if typing.get_value() == turn {
                    typed.set(Some(snapshot));
                }
            },
            TYPING_PAUSE,
        );
    });
    let live = Memo::new(move |_| {
        typed.with(|t| {
            t.as_ref().map(|(c, s, t)| {
                let title = clean_title(Some(t));
                let draft = Draft {
                    phase: update.with(|u| u.phase),
                    channels: c,
                    components: s,
                    public_title: title.as_deref(),
                };
                room.workspace
                    .with(|w| room.incident.with(|i| checks::run(&draft, i, w)))
            })
        })
    });
    let shown_findings = Memo::new(move |_| match (dirty.get(), live.get()) {
        (true, Some(found)) => found,
        _ => findings.get(),
    });
    let overrides = RwSignal::new(BTreeMap::<String, String>::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if may.get_untracked().is_err() {
            return;
        }
        let (id, phase) = update.with_untracked(|u| (u.id.clone(), u.phase));
        room.record(EventBody::UpdateEdited {
            update: id,
            phase,
            channels: channels.get_untracked(),
            components: shown.get_untracked(),
            public_title: title.with_untracked(|t| clean_title(Some(t))),
        });
    };
    let byline = move || {
        update.with(|u| {
            let mut s = format!("Drafted by {} at {}", u.drafted_by, when(u.drafted_at));
            if u.edited_by != u.drafted_by {
                s.push_str(&format!(", last edited by {}", u.edited_by));
            }
            if let Some(a) = &u.approved_by {
                s.push_str(&format!(", approved by {a}"));
            }
            s
        })
    };
    view! {
        <article class="update-card" aria-labelledby=labelled_by>
            <h3 id=heading_id>{move || update.with(heading)}</h3>
            <p class="hint">{byline}</p>
            <form on:submit=save aria-label="Edit the update">
                <fieldset class="plain" disabled=move || may.get().is_err()>
                    <PublicTitleField uid=uid.clone() title/>
                    <ChannelEditors uid=uid.clone() channels/>
                    <ShownComponents uid=uid.clone() shown/>
                    <div class="row">
                        <button type="submit" disabled=move || !dirty.get()>"Save changes"</button>
                        {move || dirty.get().then(|| view! {
                            <span class="note" role="status">"Unsaved changes: the checks below are for the text as typed; review and publishing go by the saved text."</span>
                        })}
                    </div>
                </fieldset>
                {move || may.get().err().map(|why| view! { <p class="hint">{why}</p> })}
            </form>
            <ChecksList uid=uid.clone() findings=shown_findings unsaved=dirty overrides editable=Signal::derive(move || may.get().is_ok())/>
            <ReviewBar update findings overrides dirty/>
        </article>
    }
}

#[component]
fn PublishedUpdate(update: Memo<CustomerUpdate>) -> impl IntoView {
    let targets = use_targets();
    let uid = update.with_untracked(|u| u.id.to_string());
    let heading_id = format!("update-{uid}");
    let labelled_by = heading_id.clone();
    let byline = move || {
        update.with(|u| {
            format!(
                "Published by {} at {}; drafted by {}, approved by {}",
                u.published_by.as_deref().unwrap_or("someone"),
                u.published_at.map(when).unwrap_or_default(),
                u.drafted_by,
                u.approved_by.as_deref().unwrap_or("nobody"),
            )
        })
    };
    let text = update.with_untracked(|u| u.channels.status_page.clone());
    let overrides = move || update.with(|u| u.overrides.clone());
    let deliveries = move || {
        update.with(|u| {
            u.targets
                .iter()
                .map(|t| (t.clone(), u.deliveries.get(t).cloned()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <article class="update-card published" aria-labelledby=labelled_by>
            <h3 id=heading_id>{move || update.with(heading)}</h3>
            <p class="hint">{byline}</p>
            {update.with_untracked(|u| u.public_title.clone()).map(|t| view! {
                <p class="public-title-shown">"Public title: " <strong>{t}</strong></p>
            })}
            <div class="preview"><Markdown text/></div>
            {move || {
                let o = overrides();
                (!o.is_empty()).then(|| view! {
                    <h4>"Checks overridden"</h4>
                    <ul aria-label="Checks overridden">
                        {o.into_iter().map(|o| view! {
                            <li><code>{o.check.clone()}</code>": " {o.reason.clone()}</li>
                        }).collect_view()}
                    </ul>
                })
            }}
            <table class="deliveries" aria-label="Delivery">
                <thead><tr><th scope="col">"Target"</th><th scope="col">"State"</th><th scope="col">"Detail"</th><th scope="col"><span class="visually-hidden">"Action"</span></th></tr></thead>
                <tbody>
                    {move || deliveries().into_iter().map(|(t, d)| {
                        let (state, class, detail) = match d {
                            Some(d) => {
                                let (s, c) = match d.state {
                                    DeliveryState::Queued => ("Queued", "queued"),
                                    DeliveryState::Sent => ("Sent", "sent"),
                                    DeliveryState::Failed => ("Failed", "failed"),
                                };
                                let mut detail = d.error.clone();
                                if d.attempt > 0 {
                                    let tries = format!("attempt {} at {}", d.attempt, when(d.at));
                                    detail = if detail.is_empty() { tries } else { format!("{detail} ({tries})") };
                                }
                                (s, c, detail)
                            }
                            None => ("Unknown", "unknown", String::new()),
                        };
                        let failed = class == "failed";
                        let name = targets.name(&t);
                        view! {
                            <tr>
                                <td>{name.clone()}</td>
                                <td><span class=format!("badge delivery {class}")>{state}</span></td>
                                <td class="delivery-detail">{detail}</td>
                                <td>{failed.then(|| view! { <RetryButton update=uid.clone() target=t.clone() name/> })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <SocialPost update/>
        </article>
    }
}

/// Asks the server to deliver a failed update to one target again. Only a
/// failed delivery offers it: retrying one still queued could publish twice.
#[component]
fn RetryButton(update: String, target: String, name: String) -> impl IntoView {
    let session = use_session();
    let problem = RwSignal::new(None::<String>);
    let asked = RwSignal::new(false);
    let why_not = move || may_retry(session.role()).err();
    let retry = move |_| {
        let (update, target) = (update.clone(), target.clone());
        asked.set(true);
        spawn_local(async move {
            match api::retry_delivery(&update, &target).await {
                Ok(()) => problem.set(None),
                Err(e) => {
                    asked.set(false);
                    problem.set(Some(format!("Retry refused: {e}")));
                }
            }
        });
    };
    view! {
        <button type="button" aria-label=format!("Retry delivery to {name}")
            title=move || why_not().unwrap_or_default()
            disabled=move || asked.get() || why_not().is_some()
            on:click=retry>"Retry"</button>
        <Outcome problem/>
    }
}
