//! A published update's social post: no social network's API is reachable
//! from here, so a communicator copies the approved text, posts it by hand,
//! and marks it as posted with the post's address. Each mark is an event
//! (`social_posted`: who, when, where), listed here and in the post-mortem.

use crate::browser;
use crate::components::form::{Outcome, TextField};
use crate::reader::when;
use crate::room::use_room;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::comms::review::may_mark_posted;
use sitrep_core::comms::CustomerUpdate;
use sitrep_core::log::limits;
use sitrep_core::EventBody;

#[component]
pub fn SocialPost(update: Memo<CustomerUpdate>) -> impl IntoView {
    let room = use_room();
    let session = use_session();
    let uid = update.with_untracked(|u| u.id.to_string());
    let heading_id = format!("social-{uid}");
    let labelled_by = heading_id.clone();
    let url_id = format!("social-url-{uid}");
    let text = move || update.with(|u| u.channels.social.clone());
    let url = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let why_not = move || may_mark_posted(session.role()).err();
    let copy = move |_| {
        let t = text();
        spawn_local(async move {
            match browser::copy_text(&t).await {
                Ok(()) => {
                    problem.set(None);
                    saved.set(Some("Copied: paste it into the post.".into()));
                }
                Err(e) => {
                    saved.set(None);
                    problem.set(Some(format!(
                        "Not copied: {e}. Select the text and copy it by hand."
                    )));
                }
            }
        });
    };
    let mark = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if why_not().is_some() {
            return;
        }
        let typed = url.get_untracked().trim().to_string();
        // The server applies the same rule; saying it here saves a round trip.
        if let Err(why) = limits::web_address("the post's address", &typed) {
            saved.set(None);
            return problem.set(Some(format!("Not marked: {why}.")));
        }
        room.record(EventBody::SocialPosted {
            update: update.with_untracked(|u| u.id.clone()),
            url: typed,
        });
        url.set(String::new());
        problem.set(None);
        saved.set(Some("Marked as posted.".into()));
    };
    view! {
        <section class="social-post" aria-labelledby=labelled_by>
            <h4 id=heading_id>"Social post"</h4>
            <blockquote class="social-text">{text}</blockquote>
            <div class="row">
                <button type="button" on:click=copy>"Copy the post"</button>
            </div>
            <ul class="social-posted" aria-label="Where it was posted">
                {move || update.with(|u| u.social_posts.clone()).into_iter().map(|p| {
                    let href = p.url.clone();
                    view! {
                        <li>
                            <a href=href rel="noopener noreferrer" target="_blank">{p.url.clone()}</a>
                            {format!(" posted by {}, {}", p.by, when(p.at))}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || update.with(|u| u.social_posts.is_empty()).then(|| view! {
                <p class="empty">"Not marked as posted yet."</p>
            })}
            // Our own check says what is wrong; the browser's would only
            // block the button without a word in the page.
            <form class="row" on:submit=mark aria-label="Mark the social post as posted" novalidate>
                <fieldset class="plain row" disabled=move || why_not().is_some()>
                    <TextField id=url_id label="Address of the post" value=url kind="url"
                        placeholder="https://…" maxlength=2048 grow=true/>
                    <button type="submit">"Mark as posted"</button>
                </fieldset>
                {move || why_not().map(|w| view! { <span class="hint">{w}</span> })}
            </form>
            <Outcome problem saved/>
        </section>
    }
}
