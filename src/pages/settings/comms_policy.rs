//! The comms policy: who approves, the update cadence, the audience's time
//! zone and the word lists the checks use. One `comms_policy_set` event.

use super::problem_with;
use crate::components::form::{CheckField, Outcome, TextArea, TextField};
use crate::replica::use_replica;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::comms::policy::{AudienceZone, CadencePolicy, CommsPolicy};
use sitrep_core::{EventBody, IncidentId};

/// `+01:00`, `-05:30`, `0` → minutes east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    let s = s.trim().replace('−', "-");
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => (-1, r.to_string()),
        None => (1, s.trim_start_matches('+').to_string()),
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None => (rest.parse::<i32>().ok()?, 0),
    };
    ((0..60).contains(&m) && (0..=14).contains(&h)).then_some(sign * (h * 60 + m))
}

fn show_offset(m: i32) -> String {
    let sign = if m < 0 { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60)
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
    let offset = RwSignal::new(show_offset(p0.audience_zone.offset_minutes));
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
        offset.set(show_offset(p.audience_zone.offset_minutes));
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
        let Some(offset_minutes) = parse_offset(&offset.get_untracked()) else {
            problem.set(Some(
                "The offset must look like +01:00 or -05:00 (hours and minutes from UTC).".into(),
            ));
            return;
        };
        let body = EventBody::CommsPolicySet {
            policy: CommsPolicy {
                approval_by_other: by_other.get_untracked(),
                cadence,
                audience_zone: AudienceZone {
                    name: zone.get_untracked().trim().to_string(),
                    offset_minutes,
                },
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
            <div class="row">
                <TextField id="audience-zone" label="Audience time zone name" value=zone
                    maxlength=100/>
                <TextField id="audience-offset" label="Offset from UTC" value=offset maxlength=6
                    placeholder="+01:00"/>
            </div>
            <p class="hint">"A status page has many readers; {{start_local}} shows times in this zone. Daylight saving is not applied: change the offset when your audience's clocks change."</p>
            <TextArea id="internal-terms"
                label="Internal names customers must not see (one per line)" value=terms rows=4/>
            <TextArea id="blame-words" label="Blame words and provider names (one per line)"
                value=blame rows=6/>
            <button type="submit" class="primary">"Save comms policy"</button>
            <Outcome problem saved/>
        </form>
    }
}
