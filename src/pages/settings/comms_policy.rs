//! The comms policy: who approves, the update cadence, the audience's time
//! zone and the word lists the checks use. One `comms_policy_set` event.

use super::problem_with;
use crate::browser::now_ms;
use crate::components::form::{CheckField, Outcome, TextArea, TextField};
use crate::replica::use_replica;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::comms::policy::{AudienceZone, CadencePolicy, CommsPolicy};
use sitrep_core::{EventBody, IncidentId};

/// Core's reasons start lower-case mid-sentence; the form shows sentences.
fn sentence(reason: &str) -> String {
    let mut chars = reason.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    format!("{}{}.", first.unwrap_or_default(), chars.as_str())
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[component]
pub fn CommsPolicyForm() -> impl IntoView {
    let replica = use_replica();
    let workspace = replica.workspace();
    let stored = Memo::new(move |_| workspace.with(|w| w.comms.clone()));
    let p0 = stored.get_untracked();
    let by_other = RwSignal::new(p0.approval_by_other);
    let inv = RwSignal::new(p0.cadence.investigating_minutes.to_string());
    let ide = RwSignal::new(p0.cadence.identified_minutes.to_string());
    let mon = RwSignal::new(p0.cadence.monitoring_minutes.to_string());
    let warn = RwSignal::new(p0.cadence.warn_minutes.to_string());
    let zone = RwSignal::new(p0.audience_zone.name.clone());
    let terms = RwSignal::new(p0.internal_terms.join("\n"));
    let blame = RwSignal::new(p0.blame_words.join("\n"));
    Effect::new(move |_| {
        let p = stored.get();
        by_other.set(p.approval_by_other);
        inv.set(p.cadence.investigating_minutes.to_string());
        ide.set(p.cadence.identified_minutes.to_string());
        mon.set(p.cadence.monitoring_minutes.to_string());
        warn.set(p.cadence.warn_minutes.to_string());
        zone.set(p.audience_zone.name.clone());
        terms.set(p.internal_terms.join("\n"));
        blame.set(p.blame_words.join("\n"));
    });
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let minutes = |s: RwSignal<String>, what: &str| {
            s.get_untracked()
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|m| *m <= 24 * 60)
                .ok_or_else(|| format!("The {what} must be a number of minutes from 0 to 1440."))
        };
        let cadence = (|| {
            Ok::<_, String>(CadencePolicy {
                investigating_minutes: minutes(inv, "interval while investigating")?,
                identified_minutes: minutes(ide, "interval once identified")?,
                monitoring_minutes: minutes(mon, "interval while monitoring")?,
                warn_minutes: minutes(warn, "warning time")?,
            })
        })();
        let cadence = match cadence {
            Ok(c) => c,
            Err(e) => {
                problem.set(Some(e));
                return;
            }
        };
        // An IANA zone the core table knows; its rules give the offset at
        // each instant (daylight saving included).
        let audience_zone = match AudienceZone::named(&zone.get_untracked(), now_ms()) {
            Ok(z) => z,
            Err(e) => {
                problem.set(Some(sentence(&e)));
                return;
            }
        };
        let body = EventBody::CommsPolicySet {
            policy: CommsPolicy {
                approval_by_other: by_other.get_untracked(),
                cadence,
                audience_zone,
                internal_terms: lines(&terms.get_untracked()),
                blame_words: lines(&blame.get_untracked()),
            },
        };
        if let Some(p) = problem_with(&body) {
            problem.set(Some(p));
            return;
        }
        problem.set(None);
        saved.set(Some("Comms policy saved.".into()));
        spawn_local(async move {
            replica.record(IncidentId::workspace(), body).await;
        });
    };
    let number = |id: &'static str, label: &'static str, value: RwSignal<String>| {
        view! {
            <TextField id=id label={label} value=value kind="number" min="0" max="1440"/>
        }
    };
    view! {
        <form class="stack-form" aria-label="Comms policy" on:submit=save>
            <CheckField id="comms-by-other" label="Someone other than the last editor must approve an update"
                checked=by_other on_change=move |on| by_other.set(on)/>
            <div class="row">
                {number("cadence-investigating", "Minutes between updates while investigating", inv)}
                {number("cadence-identified", "… once identified", ide)}
                {number("cadence-monitoring", "… while monitoring", mon)}
                {number("cadence-warn", "Warn this many minutes before due", warn)}
            </div>
            <p class="hint">"0 means no cadence for that status. Resolved incidents never have one."</p>
            <TextField id="audience-zone" label="Audience time zone (IANA name, e.g. Europe/Berlin)" value=zone
                maxlength=100/>
            <p class="hint">"A status page has many readers; {{start_local}} shows times in this zone, with its daylight-saving changes. UTC shows each time once."</p>
            <TextArea id="internal-terms"
                label="Internal names customers must not see (one per line)" value=terms rows=4/>
            <TextArea id="blame-words" label="Blame words and provider names (one per line)"
                value=blame rows=6/>
            <button type="submit" class="primary">"Save comms policy"</button>
            <Outcome problem saved/>
        </form>
    }
}
