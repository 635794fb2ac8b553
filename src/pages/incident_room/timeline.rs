//! The incident timeline: entries in log order, filtered by kind, with a
//! jump to a time and a key-entry mark. Only the rows in view are rendered
//! (core's `view::virtual_list` picks them), so 10,000 entries scroll like 10.

use crate::components::form::{Outcome, SelectField, TextField};
use crate::components::markdown::Markdown;
use crate::replica::use_replica;
use crate::room::use_room;
use crate::session::use_session;
use leptos::html;
use leptos::prelude::*;
use sitrep_core::incident::entry_text;
use sitrep_core::time::utc;
use sitrep_core::view::virtual_list::{visible, Rows};
use sitrep_core::view::words;
use sitrep_core::{Entry, EntryKind, EntryWhat, EventBody, EventId, Workspace};
use std::collections::HashMap;
use wasm_bindgen::JsCast;

/// Rows rendered beyond the viewport on each side, in pixels.
const OVERSCAN_PX: f64 = 600.0;
/// A move up by more than this is a reader scrolling, not a row resizing.
const LET_GO_PX: f64 = 48.0;
/// The viewport before the scroll box has been measured.
const DEFAULT_VIEWPORT_PX: f64 = 640.0;

/// What the timeline shows: every entry, one kind, or the key entries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Show {
    All,
    Kind(EntryKind),
    Key,
}

#[component]
pub fn Timeline() -> impl IntoView {
    let room = use_room();
    let show = RwSignal::new(Show::All);
    // Counts the entries' recomputations, so the layout knows when the
    // rows it holds heights for are no longer these.
    let entries_seen = StoredValue::new(0u64);
    let entries = Memo::new(move |_| {
        let show = show.get();
        entries_seen.update_value(|n| *n += 1);
        room.incident.with(|i| {
            i.timeline
                .iter()
                .filter(|e| match show {
                    Show::All => true,
                    Show::Kind(k) => e.what.kind() == k,
                    Show::Key => e.key,
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    });

    // Heights of rows once they have been on screen (kept across filters);
    // estimates until then. `layout` holds them for `entries` in order
    // with their offsets: rebuilt when the entries change, and moved only
    // below a row whose measured height changed (core's `Rows`), so a
    // scroll step costs the rows it measures, not a pass over 10,000.
    let measured = StoredValue::new(HashMap::<EventId, f64>::new());
    let layout = StoredValue::new((u64::MAX, Rows::default()));
    let measured_version = RwSignal::new(0u64);
    let tops = Memo::new(move |_| {
        measured_version.track();
        entries.with(|es| {
            let seen = entries_seen.get_value();
            if layout.with_value(|(built, _)| *built != seen) {
                let rows = measured.with_value(|m| {
                    Rows::new(
                        es.iter()
                            .map(|e| m.get(&e.event).copied().unwrap_or_else(|| estimate(e))),
                    )
                });
                layout.set_value((seen, rows));
            }
        });
        layout.with_value(|(_, rows)| rows.offsets().to_vec())
    });
    let scroll_top = RwSignal::new(0.0f64);
    let viewport = RwSignal::new(DEFAULT_VIEWPORT_PX);
    // Stay at the newest entry while a responder is there. The rows are
    // picked from the bottom then, whatever the scroll position says: a
    // room opens with its newest rows in its first frame, not after a
    // frame of the oldest ones and a scroll.
    let at_bottom = RwSignal::new(true);
    let pin = move |bottom: bool| {
        if at_bottom.get_untracked() != bottom {
            at_bottom.set(bottom);
        }
    };
    let range = Memo::new(move |_| {
        tops.with(|t| {
            let view = viewport.get();
            let top = if at_bottom.get() {
                (t.last().copied().unwrap_or(0.0) - view).max(0.0)
            } else {
                scroll_top.get()
            };
            visible(t, top, view, OVERSCAN_PX)
        })
    });
    let rows = move || {
        let r = range.get();
        entries.with(|es| es.get(r).map(<[Entry]>::to_vec).unwrap_or_default())
    };
    let pad_top = move || tops.with(|t| t.get(range.get().start).copied().unwrap_or(0.0));
    let pad_bottom = move || {
        tops.with(|t| {
            let total = t.last().copied().unwrap_or(0.0);
            total - t.get(range.get().end).copied().unwrap_or(total)
        })
    };

    let scroller = NodeRef::<html::Div>::new();
    let highlight = RwSignal::new(None::<EventId>);

    // One pass a frame, before the browser lays out: the rows in the DOM
    // (laid out by the last frame, so reading their heights forces no
    // layout) are measured, then the scroll position is read, and the
    // signals change together, so the rows render once per scroll step.
    // Rows rendered by the pass are measured by the next one.
    let frame_queued = StoredValue::new(false);
    let frame = move || {
        frame_queued.set_value(false);
        let Some(el) = scroller.get_untracked() else {
            return;
        };
        let client = f64::from(el.client_height()).max(1.0);
        let mut top = f64::from(el.scroll_top());
        let bottom = top + client >= f64::from(el.scroll_height()) - 4.0;
        // Only a reader's move up lets go of the newest entry. Rows being
        // measured nudge the position by a few pixels; that is not a reader.
        if bottom {
            pin(true);
        } else if top < scroll_top.get_untracked() - LET_GO_PX {
            pin(false);
        }
        if at_bottom.get_untracked() && !bottom {
            el.set_scroll_top(el.scroll_height());
            top = f64::from(el.scroll_top());
        }
        if viewport.get_untracked() != client {
            viewport.set(client);
        }
        let Ok(list) = el.query_selector_all("li[data-event]") else {
            return;
        };
        // The rows in the DOM are `range` in order: each height goes to
        // its row by position (checked against its id).
        let first = range.get_untracked().start;
        let mut heights = Vec::with_capacity(list.length() as usize);
        entries.with_untracked(|es| {
            for i in 0..list.length() {
                let Some(li) = list
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
                else {
                    continue;
                };
                let Some(id) = li.get_attribute("data-event") else {
                    continue;
                };
                let row = first + i as usize;
                if let Some(e) = es.get(row).filter(|e| *e.event.0 == *id) {
                    heights.push((row, e.event.clone(), f64::from(li.offset_height())));
                }
            }
        });
        measured.update_value(|m| {
            for (_, id, h) in &heights {
                m.insert(id.clone(), *h);
            }
        });
        let changed = layout
            .try_update_value(|(_, rows)| rows.set(heights.iter().map(|(row, _, h)| (*row, *h))))
            .unwrap_or(false);
        if changed {
            measured_version.update(|v| *v += 1);
        }
        if scroll_top.get_untracked() != top {
            scroll_top.set(top);
        }
    };
    let request_frame = move || {
        if !frame_queued.get_value() {
            frame_queued.set_value(true);
            request_animation_frame(frame);
        }
    };
    // After rows render, a pass to measure them (and, after heights
    // changed, one to keep the newest entry in view).
    Effect::new(move |_| {
        range.track();
        entries.track();
        measured_version.track();
        request_frame();
    });
    let on_scroll = move |_| request_frame();

    let jump_text = RwSignal::new(String::new());
    let jump_problem = RwSignal::new(None::<String>);
    let jump = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(t) = utc::parse_input(&jump_text.get_untracked()) else {
            jump_problem.set(Some("Give a date and time (UTC) to jump to.".into()));
            return;
        };
        let target = entries.with_untracked(|es| es.iter().position(|e| e.at >= t));
        let Some(index) = target else {
            jump_problem.set(Some(format!(
                "Nothing at or after {} in this view.",
                utc::format(t)
            )));
            return;
        };
        jump_problem.set(None);
        let y = tops.with_untracked(|o| o.get(index).copied().unwrap_or(0.0));
        highlight.set(entries.with_untracked(|es| es.get(index).map(|e| e.event.clone())));
        pin(false);
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(y as i32);
            scroll_top.set(y);
        }
    };

    view! {
        <div class="timeline-tools">
            <SelectField id="timeline-show" label="Show"
                on_change=move |v: String| {
                    show.set(match v.as_str() {
                        "key" => Show::Key,
                        _ => EntryKind::ALL.into_iter().find(|k| k.label() == v).map_or(Show::All, Show::Kind),
                    });
                    pin(true);
                }>
                <option value="all">"All entries"</option>
                <option value="key">"Key entries"</option>
                {EntryKind::ALL.into_iter().map(|k| view! { <option value=k.label()>{k.label()}</option> }).collect_view()}
            </SelectField>
            <form class="jump" on:submit=jump>
                <TextField id="timeline-jump" label="Jump to time (UTC)" value=jump_text
                    kind="datetime-local"/>
                <button type="submit">"Jump"</button>
            </form>
            <span class="count">{move || entries.with(|e| words::count(e.len(), "entry", "entries"))}</span>
        </div>
        <Outcome problem=jump_problem/>
        <div class="timeline-scroll" node_ref=scroller on:scroll=on_scroll
            on:wheel=move |ev: leptos::ev::WheelEvent| if ev.delta_y() < 0.0 { pin(false) } tabindex="0" role="region" aria-label="Timeline entries">
            <ol class="timeline" aria-label="Timeline"
                style:padding-top=move || format!("{}px", pad_top())
                style:padding-bottom=move || format!("{}px", pad_bottom())>
                <For
                    each=rows
                    key=|e| (e.event.clone(), e.seq, e.key, outcome_of(e))
                    let:entry
                >
                    <TimelineEntry entry highlight/>
                </For>
            </ol>
            {move || entries.with(Vec::is_empty).then(|| view! { <p class="empty">"No entries in this view."</p> })}
        </div>
    }
}

fn outcome_of(e: &Entry) -> Option<&'static str> {
    match &e.what {
        EntryWhat::ChangeStarted { outcome, .. } => outcome.map(|o| o.wire()),
        _ => None,
    }
}

/// A first guess at a row's height, so the scrollbar is about right before
/// every row has been measured.
fn estimate(e: &Entry) -> f64 {
    match &e.what {
        EntryWhat::Note { text, .. } => {
            40.0 + 22.0 * (text.len() / 90) as f64
                + 22.0 * text.matches('\n').count().min(40) as f64
        }
        _ => 40.0,
    }
}

#[component]
fn TimelineEntry(entry: Entry, highlight: RwSignal<Option<EventId>>) -> impl IntoView {
    let replica = use_replica();
    let room = use_room();
    let session = use_session();
    let id = entry.event.clone();
    let refused = {
        let id = id.clone();
        move || replica.refusal(&id)
    };
    // A delivered entry stays delivered: no effect watching the log for
    // each of them (rows are built on every scroll step).
    let delivery = if entry.seq.is_some() {
        view! { <span class="delivery ok">"delivered"</span> }.into_any()
    } else {
        let id = id.clone();
        (move || match refused() {
            None => view! { <span class="delivery pending">"not yet delivered"</span> }.into_any(),
            Some(why) => view! {
                <span class="delivery refused" role="alert">"refused by the backend: " {why}</span>
                <RefusalActions id=id.clone()/>
            }
            .into_any(),
        })
        .into_any()
    };
    let key = entry.key;
    let toggle_key = {
        let id = id.clone();
        move |_| {
            room.record(EventBody::EntryMarked {
                entry: id.clone(),
                key: !key,
            })
        }
    };
    let highlighted = {
        let id = id.clone();
        move || highlight.with(|h| h.as_ref() == Some(&id))
    };
    let kind = entry.what.kind();
    let what = room.workspace.with_untracked(|w| describe(&entry.what, w));
    let summary = room.workspace.with_untracked(|w| short(&entry.what, w));
    view! {
        <li class="entry" class:key=key class:highlight=highlighted data-event=entry.event.0.clone() data-kind=kind.label()>
            <span class="when"><crate::reader::When at=entry.at seconds=true/></span>
            <span class="who">{entry.author.clone()}</span>
            <div class="what">{what}</div>
            <div class="meta">
                {delivery}
                <button type="button" class="key-toggle" disabled=move || !session.can_write() aria-pressed=if key { "true" } else { "false" }
                    aria-label=format!("Key entry: {summary}") title="Key for the post-mortem"
                    on:click=toggle_key>{if key { "★" } else { "☆" }}</button>
            </div>
        </li>
    }
}

/// The entry's content. Notes are Markdown; everything else is built here
/// from fields, as text.
fn describe(what: &EntryWhat, w: &Workspace) -> AnyView {
    match what {
        EntryWhat::Note { text, kind } => view! {
            <span class="kind-label">{kind.label()}</span>
            <Markdown text=text.to_string()/>
        }
        .into_any(),
        other => view! { <p class="fact">{short(other, w)}</p> }.into_any(),
    }
}

/// One line for an entry: the fact itself, or the start of a note.
fn short(what: &EntryWhat, w: &Workspace) -> String {
    match what {
        EntryWhat::Note { text, kind } => {
            let first: String = text.chars().take(60).collect();
            format!("{}: {}", kind.label(), first.lines().next().unwrap_or(""))
        }
        other => entry_text::line(other, w),
    }
}

/// What a reader can do with an edit the backend refused: send it again
/// (its cause may be gone) or drop it, after saying yes to a question, so
/// one refusal never has to sit in the queue for good.
#[component]
fn RefusalActions(id: EventId) -> impl IntoView {
    let replica = use_replica();
    let retry = {
        let id = id.clone();
        move |_| replica.retry_refused(id.clone())
    };
    let discard = move |_| {
        let sure = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(
                    "Discard this edit? It was never stored by the backend, and it will be gone from this browser too.",
                )
                .ok()
            })
            .unwrap_or(false);
        if sure {
            replica.discard_refused(id.clone());
        }
    };
    view! {
        <button type="button" class="link" on:click=retry>"Retry"</button>
        <button type="button" class="link" on:click=discard>"Discard"</button>
    }
}
