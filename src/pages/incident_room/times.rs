//! Impact start, detection and declaration: three times, often far apart,
//! each correctable afterwards with the correction logged.

use crate::components::form::{Outcome, TextField};
use crate::room::use_room;
use leptos::prelude::*;
use sitrep_core::time::utc;
use sitrep_core::EventBody;

#[component]
pub fn TimesPanel() -> impl IntoView {
    let room = use_room();
    let started = RwSignal::new(String::new());
    let detected = RwSignal::new(String::new());
    let declared = RwSignal::new(String::new());
    // Follow the log only when the times themselves change, not on every
    // entry: a responder may be typing here.
    let recorded = Memo::new(move |_| {
        room.incident
            .with(|i| (i.started_at, i.detected_at, i.declared_at))
    });
    Effect::new(move |_| {
        let (s, d, dc) = recorded.get();
        started.set(utc::to_input(s));
        detected.set(d.map(utc::to_input).unwrap_or_default());
        declared.set(utc::to_input(dc));
    });
    let problem = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let read = |name: &str, s: RwSignal<String>| -> Result<Option<i64>, String> {
            match s.get_untracked().trim() {
                "" => Ok(None),
                t => utc::parse_input(t)
                    .map(Some)
                    .ok_or_else(|| format!("{name} must be a date and time (UTC).")),
            }
        };
        let parsed = (|| {
            Ok::<_, String>((
                read("Impact start", started)?,
                read("Detected", detected)?,
                read("Declared", declared)?,
            ))
        })();
        let (s, d, dc) = match parsed {
            Ok(v) => v,
            Err(e) => return problem.set(Some(e)),
        };
        let Some(s) = s else {
            return problem.set(Some("Impact start is needed.".into()));
        };
        if let Some(d) = d.filter(|d| *d < s) {
            return problem.set(Some(format!(
                "Detection ({}) cannot be before impact start ({}).",
                utc::format(d),
                utc::format(s)
            )));
        }
        // Compare at the minute the inputs show, so an untouched field is not "changed".
        let (old_s, old_d, old_dc) = room
            .incident
            .with_untracked(|i| (i.started_at, i.detected_at, i.declared_at));
        let minute = |t: i64| t.div_euclid(60_000);
        let body = EventBody::TimesSet {
            started_at: (minute(s) != minute(old_s)).then_some(s),
            detected_at: d.filter(|d| old_d.is_none_or(|o| minute(o) != minute(*d))),
            declared_at: dc.filter(|dc| minute(*dc) != minute(old_dc)),
        };
        if let EventBody::TimesSet {
            started_at: None,
            detected_at: None,
            declared_at: None,
        } = body
        {
            return problem.set(Some("No time changed.".into()));
        }
        problem.set(None);
        room.record(body);
    };
    let field = |id: &'static str, label: &'static str, value: RwSignal<String>| {
        view! {
            <TextField id=id label={label} value=value kind="datetime-local"/>
        }
    };
    view! {
        <section class="panel" aria-labelledby="times-heading">
            <h2 id="times-heading">"Times (UTC)"</h2>
            <form class="stack-form" on:submit=save>
                {field("time-started", "Impact started", started)}
                {field("time-detected", "Detected", detected)}
                {field("time-declared", "Declared", declared)}
                <button type="submit">"Save times"</button>
            </form>
            <Outcome problem/>
            {move || room.incident.with(|i| i.time_to_detect_ms()).map(|ms| view! {
                <p class="fact">"Time to detect: " {utc::duration(ms)}</p>
            })}
        </section>
    }
}
