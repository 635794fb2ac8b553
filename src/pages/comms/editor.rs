//! Each channel of a draft with its own editor, preview and counter, the
//! incident's public title, and what the status page should show for each
//! component.

use crate::components::form::{Field, SelectField, TextField};
use crate::components::markdown::Markdown;
use crate::room::use_room;
use leptos::prelude::*;
use sitrep_core::comms::social_count;
use sitrep_core::comms::Channels;
use sitrep_core::view::words;
use sitrep_core::{ComponentId, ComponentStatus};
use std::collections::BTreeMap;

/// How a channel is shown and counted.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Markdown,
    Social,
    Line,
    Plain,
}

#[component]
pub fn ChannelEditors(uid: String, channels: RwSignal<Channels>) -> impl IntoView {
    view! {
        <div class="channels">
            <ChannelField uid=uid.clone() part="status" label="Status page text" kind=Kind::Markdown rows=6 channels
                read={|c: &Channels| c.status_page.clone()} write={|c: &mut Channels, v: String| c.status_page = v}/>
            <ChannelField uid=uid.clone() part="social" label="Social post" kind=Kind::Social rows=3 channels
                read={|c: &Channels| c.social.clone()} write={|c: &mut Channels, v: String| c.social = v}/>
            <ChannelField uid=uid.clone() part="subject" label="Email subject" kind=Kind::Line rows=1 channels
                read={|c: &Channels| c.email_subject.clone()} write={|c: &mut Channels, v: String| c.email_subject = v}/>
            <ChannelField uid=uid.clone() part="email" label="Email body" kind=Kind::Plain rows=6 channels
                read={|c: &Channels| c.email_body.clone()} write={|c: &mut Channels, v: String| c.email_body = v}/>
            <ChannelField uid part="banner" label="Banner" kind=Kind::Line rows=1 channels
                read={|c: &Channels| c.banner.clone()} write={|c: &mut Channels, v: String| c.banner = v}/>
        </div>
    }
}

/// The name status pages give the incident from this update on; blank
/// keeps the one last published. The internal title is never published.
#[component]
pub fn PublicTitleField(uid: String, title: RwSignal<String>) -> impl IntoView {
    let room = use_room();
    let published = Memo::new(move |_| {
        room.incident
            .with(|i| i.published_title().map(str::to_string))
    });
    let hint_id = format!("{uid}-public-title-hint");
    let hint = move || match published.get() {
        Some(t) => format!("Status pages name the incident \"{t}\"; leave blank to keep it."),
        None => {
            "Status pages show this instead of the internal title; the first update must give one."
                .to_string()
        }
    };
    view! {
        <div class="public-title">
            <TextField id=format!("{uid}-public-title") label="Public title" value=title
                maxlength=200 placeholder=Signal::derive(move || published.get().unwrap_or_default())/>
            <p id=hint_id class="hint">{hint}</p>
        </div>
    }
}

#[component]
fn ChannelField(
    uid: String,
    part: &'static str,
    label: &'static str,
    kind: Kind,
    rows: u32,
    channels: RwSignal<Channels>,
    read: fn(&Channels) -> String,
    write: fn(&mut Channels, String),
) -> impl IntoView {
    let id = format!("{uid}-{part}");
    let counter_id = format!("{id}-count");
    let text = Memo::new(move |_| channels.with(read));
    let counter = move || {
        let t = text.get();
        match kind {
            Kind::Social => {
                let n = social_count::count(&t);
                let limit = social_count::LIMIT;
                if n > limit {
                    (
                        format!(
                            "{n} of {limit} characters as X counts them: {} over the limit",
                            n - limit
                        ),
                        true,
                    )
                } else {
                    (format!("{n} of {limit} characters as X counts them"), false)
                }
            }
            Kind::Line if t.contains('\n') => ("More than one line".to_string(), true),
            _ => (
                words::count(t.chars().count(), "character", "characters"),
                false,
            ),
        }
    };
    let input = move |v: String| channels.update(|c| write(c, v));
    let control = if rows == 1 {
        view! {
            <input id=id.clone() type="text" aria-describedby=counter_id.clone()
                prop:value=move || text.get() on:input:target=move |ev| input(ev.target().value())/>
        }
        .into_any()
    } else {
        view! {
            <textarea id=id.clone() rows=rows aria-describedby=counter_id.clone()
                prop:value=move || text.get() on:input:target=move |ev| input(ev.target().value())></textarea>
        }
        .into_any()
    };
    let preview = move || {
        let t = text.get();
        match kind {
            Kind::Markdown => view! { <Markdown text=t/> }.into_any(),
            Kind::Social => view! { <p class="social-post">{t}</p> }.into_any(),
            Kind::Line => view! { <p class="one-line">{t}</p> }.into_any(),
            Kind::Plain => view! { <p class="plain-text">{t}</p> }.into_any(),
        }
    };
    view! {
        <div class="channel">
            <Field id label>
                {control}
                <span id=counter_id class="counter" class:over=move || counter().1>{move || counter().0}</span>
            </Field>
            <div class="preview" role="group" aria-label=format!("{label} preview")>{preview}</div>
        </div>
    }
}

/// What the status page will show for each component of the incident.
#[component]
pub fn ShownComponents(
    uid: String,
    shown: RwSignal<BTreeMap<ComponentId, ComponentStatus>>,
) -> impl IntoView {
    let room = use_room();
    let rows = Memo::new(move |_| {
        let mut ids: Vec<ComponentId> = room
            .incident
            .with(|i| i.components.keys().cloned().collect());
        shown.with(|s| {
            for id in s.keys() {
                if !ids.contains(id) {
                    ids.push(id.clone());
                }
            }
        });
        ids
    });
    view! {
        <fieldset class="shown-components">
            <legend>"The status page shows"</legend>
            {move || rows.with(Vec::is_empty).then(|| view! { <p class="hint">"No components are on this incident."</p> })}
            <For each=move || rows.get() key=|id| id.clone() let:cid>
                {
                    let name = room.workspace.with_untracked(|w| w.component_name(&cid));
                    let select_id = format!("{uid}-shown-{}", cid.0);
                    let c2 = cid.clone();
                    let current = move || shown.with(|s| s.get(&c2).copied());
                    let c3 = cid.clone();
                    view! {
                        <SelectField id=select_id label=name on_change=move |v: String| {
                            shown.update(|s| match ComponentStatus::from_wire(&v) {
                                Some(st) => { s.insert(c3.clone(), st); }
                                None => { s.remove(&c3); }
                            });
                        }>
                            <option value="" selected={let current = current.clone(); move || current().is_none()}>"Not shown"</option>
                            {ComponentStatus::ALL.into_iter().map(|st| {
                                let current = current.clone();
                                view! { <option value=st.wire() selected=move || current() == Some(st)>{st.label()}</option> }
                            }).collect_view()}
                        </SelectField>
                    }
                }
            </For>
        </fieldset>
    }
}
