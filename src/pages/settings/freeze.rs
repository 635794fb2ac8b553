//! The change-freeze policy, manual freezes and ending a freeze early. Each
//! is an event on the workspace stream; the arithmetic is `sitrep_core::aftermath::freeze`.

use super::problem_with;
use crate::browser::now_ms;
use crate::components::form::{Outcome, SelectField, TextArea, TextField};
use crate::components::freeze_banner::{active_freeze, local_time};
use crate::replica::use_replica;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::aftermath::freeze::{parse_holidays, MAX_BUSINESS_DAYS};
use sitrep_core::time::utc;
use sitrep_core::time::zone::TimeZone;
use sitrep_core::{EventBody, IncidentId};

#[component]
pub fn FreezeSettings() -> impl IntoView {
    view! {
        <section class="settings-section" aria-labelledby="settings-freeze">
            <h2 id="settings-freeze">"Change freeze"</h2>
            <CurrentFreeze/>
            <Policy/>
            <ManualFreeze/>
        </section>
    }
}

fn record(body: EventBody) {
    let replica = use_replica();
    spawn_local(async move {
        replica.record(IncidentId::workspace(), body).await;
    });
}

#[component]
fn Policy() -> impl IntoView {
    let workspace = use_replica().workspace();
    let days = RwSignal::new(String::new());
    let zone = RwSignal::new(String::new());
    let holidays = RwSignal::new(String::new());
    // The form shows the policy in force: once the local copy is read, and
    // again whenever anyone changes it.
    Effect::new(move |_| {
        let p = workspace.with(|w| w.freeze.policy.clone());
        days.set(p.business_days.to_string());
        zone.set(p.time_zone);
        holidays.set(
            p.holidays
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        );
    });
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let Ok(business_days) = days.get_untracked().trim().parse::<u32>() else {
            problem.set(Some(format!(
                "The freeze length must be a whole number of business days, 0 to {MAX_BUSINESS_DAYS}."
            )));
            return;
        };
        let holidays = match parse_holidays(&holidays.get_untracked()) {
            Ok(h) => h,
            Err(e) => {
                problem.set(Some(format!("Holidays: {e}.")));
                return;
            }
        };
        let body = EventBody::FreezePolicySet {
            business_days,
            time_zone: zone.get_untracked(),
            holidays,
        };
        if let Some(p) = problem_with(&body) {
            problem.set(Some(p));
            return;
        }
        problem.set(None);
        saved.set(Some(match business_days {
            0 => "Saved: resolved incidents no longer start a freeze.".to_string(),
            n => format!(
                "Saved: a resolved customer-impacting incident freezes changes for {n} business days ({}).",
                zone.get_untracked()
            ),
        }));
        record(body);
    };
    view! {
        <p class="hint">
            "A resolved customer-impacting incident starts a freeze that ends at the same local time N business days later, "
            "counted in the policy's time zone; weekends and holidays do not count. "
            "Resolved on a weekend or holiday, it counts from the start of the next business day."
        </p>
        <form class="stack" aria-label="Freeze policy" on:submit=save>
            <div class="row">
                <TextField id="freeze-days" label="Freeze length (business days)" value=days
                    kind="number" min="0" max=MAX_BUSINESS_DAYS.to_string()/>
                <SelectField id="freeze-zone" label="Time zone" on_change=move |v: String| zone.set(v)>
                    {TimeZone::names().map(|n| view! {
                        <option value=n selected=move || zone.get() == n>{n}</option>
                    }).collect_view()}
                </SelectField>
            </div>
            <TextArea id="freeze-holidays" label="Holidays (YYYY-MM-DD, one per line)"
                value=holidays rows=3/>
            <button type="submit" class="primary">"Save freeze policy"</button>
        </form>
        <Outcome problem saved/>
    }
}

/// The freeze on now and the form to end it early, with a reason.
#[component]
fn CurrentFreeze() -> impl IntoView {
    let active = active_freeze(use_replica());
    let reason = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let end = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let body = EventBody::FreezeEnded {
            reason: reason.get_untracked().trim().to_string(),
        };
        if let Some(p) = problem_with(&body) {
            problem.set(Some(p));
            return;
        }
        problem.set(None);
        reason.set(String::new());
        saved.set(Some("Ended the freeze.".into()));
        record(body);
    };
    view! {
        <p data-testid="freeze-state">
            {move || match active.get() {
                None => "No freeze is on: changes may ship.".to_string(),
                Some(f) => format!(
                    "Frozen until {} ({} your time): {}",
                    utc::format(f.ends_at()),
                    local_time(f.ends_at()),
                    f.reason
                ),
            }}
        </p>
        <Show when=move || active.with(Option::is_some)>
            <form class="inline-form" aria-label="End the freeze early" on:submit=end>
                <TextField id="freeze-end-reason" label="Reason for ending early" value=reason
                    maxlength=2048 grow=true/>
                <button type="submit">"End freeze early"</button>
            </form>
        </Show>
        <Outcome problem saved/>
    }
}

#[component]
fn ManualFreeze() -> impl IntoView {
    let until = RwSignal::new(utc::to_input(now_ms() + 24 * 3_600_000));
    let reason = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let Some(until) = utc::parse_input(&until.get_untracked()) else {
            problem.set(Some("The end must be a date and time (UTC).".into()));
            return;
        };
        if until <= now_ms() {
            problem.set(Some("The end is in the past; pick a later time.".into()));
            return;
        }
        let body = EventBody::FreezeStarted {
            until,
            reason: reason.get_untracked().trim().to_string(),
        };
        if let Some(p) = problem_with(&body) {
            problem.set(Some(p));
            return;
        }
        problem.set(None);
        reason.set(String::new());
        saved.set(Some(format!(
            "Changes are frozen until {}.",
            utc::format(until)
        )));
        record(body);
    };
    view! {
        <h3>"Start a freeze now"</h3>
        <form class="stack" aria-label="Start a freeze" on:submit=start>
            <div class="row">
                <TextField id="freeze-until" label="Frozen until (UTC)" value=until
                    kind="datetime-local"/>
                <TextField id="freeze-reason" label="Reason" value=reason maxlength=2048
                    placeholder="e.g. Quarter-end close" grow=true/>
            </div>
            <button type="submit" class="primary">"Start freeze"</button>
        </form>
        <Outcome problem saved/>
    }
}
