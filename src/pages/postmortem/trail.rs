//! Where each customer update went: every published update with each
//! target's last delivery state in the backend's words, and the social
//! posts someone marked as posted (who, when, where).

use crate::reader::when;
use leptos::prelude::*;
use sitrep_core::aftermath::customers::{state_text, Trail};
use sitrep_core::aftermath::postmortem::Postmortem;

#[component]
pub fn TrailSection(pm: Memo<Postmortem>) -> impl IntoView {
    view! {
        <section class="pm-section" aria-labelledby="pm-trail-heading">
            <h2 id="pm-trail-heading">"Where each update went"</h2>
            {move || pm.with(|p| p.trail.is_empty()).then(|| view! { <p class="empty">"No customer update was published."</p> })}
            <ol class="pm-trail" aria-label="Published updates">
                {move || pm.with(|p| p.trail.clone()).into_iter().map(|t| view! { <TrailItem t/> }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn TrailItem(t: Trail) -> impl IntoView {
    let head = format!(
        "{} · published {} by {}",
        t.phase,
        when(t.published_at),
        t.published_by
    );
    view! {
        <li>
            <p><strong>{head}</strong></p>
            <ul aria-label="Targets">
                {t.targets.into_iter().map(|(target, state, words)| {
                    let line = if words.is_empty() {
                        format!("{target}: {}", state_text(state))
                    } else {
                        format!("{target}: {} ({words})", state_text(state))
                    };
                    view! { <li class=format!("delivery {}", state_text(state))>{line}</li> }
                }).collect_view()}
                {t.social.into_iter().map(|(url, by, at)| view! {
                    <li>"social post: " <a href=url.clone() rel="noopener noreferrer" target="_blank">{url.clone()}</a>
                        {format!(" (marked by {by}, {})", when(at))}</li>
                }).collect_view()}
            </ul>
        </li>
    }
}
