//! The audit trail (admins): newest first, a page at a time ("Older" asks
//! for the entries before the last one shown), filtered by kind and by
//! account, and exported as CSV by the server, which records the export.

use super::AdminFrame;
use crate::api;
use crate::browser;
use crate::components::form::{Outcome, SelectField, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::log::admin::{AuditEntry, AuditParams, AUDIT_KINDS};
use sitrep_core::time::utc;

/// Entries per page: a screenful to read; "Older" reaches the rest.
const PAGE: usize = 50;
const CSV_NAME: &str = "sitrep-audit.csv";

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <AdminFrame title="Audit trail">
            <AuditBody/>
        </AdminFrame>
    }
}

#[component]
fn AuditBody() -> impl IntoView {
    // What the form holds, and what the page shown was asked with.
    let kind = RwSignal::new(String::new());
    let account = RwSignal::new(String::new());
    let applied = RwSignal::new(AuditParams::default());
    // The `before` of every page walked through, the shown one last.
    let cursors = RwSignal::new(vec![None::<i64>]);
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<i64>);
    let loaded = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);

    let show = move || {
        let before = cursors.with_untracked(|c| c.last().copied().flatten());
        let params = applied.with_untracked(|filter| filter.page(before, PAGE));
        spawn_local(async move {
            match api::get_audit(&params).await {
                Ok(page) => {
                    problem.set(None);
                    entries.set(page.entries);
                    next.set(page.next);
                    loaded.set(true);
                }
                Err(e) => problem.set(Some(format!("Cannot load the audit trail: {e}."))),
            }
        });
    };
    let newest = move || {
        cursors.set(vec![None]);
        show();
    };
    newest();

    let filter = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let given = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        applied.set(AuditParams::filter(
            given(kind.get_untracked()),
            given(account.get_untracked()),
        ));
        newest();
    };
    let older = move |_| {
        if let Some(n) = next.get_untracked() {
            cursors.update(|c| c.push(Some(n)));
            show();
        }
    };
    let newer = move |_| {
        cursors.update(|c| {
            if c.len() > 1 {
                c.pop();
            }
        });
        show();
    };
    let export = move |_| {
        problem.set(None);
        saved.set(None);
        let filter = applied.get_untracked();
        spawn_local(async move {
            match api::get_audit_csv(&filter).await {
                Ok(csv) => match browser::download_text(CSV_NAME, "text/csv", &csv) {
                    Ok(()) => {
                        let rows = csv.split("\r\n").filter(|l| !l.is_empty()).count();
                        let n = rows.saturating_sub(1);
                        saved.set(Some(format!(
                            "Exported {n} {} as {CSV_NAME}.",
                            if n == 1 { "entry" } else { "entries" }
                        )));
                    }
                    Err(e) => problem.set(Some(e)),
                },
                Err(e) => problem.set(Some(format!("Not exported: {e}."))),
            }
            // The server recorded the export: the trail shows it.
            newest();
        });
    };

    view! {
        <p class="hint">"What admins changed and who signed in (or failed to), newest first. Times are UTC."</p>
        <form class="filters" aria-label="Filter the audit trail" on:submit=filter>
            <SelectField id="audit-kind" label="Kind" value=kind on_change=move |v: String| kind.set(v)>
                <option value="">"All kinds"</option>
                {AUDIT_KINDS.into_iter().map(|k| view! { <option value=k>{k}</option> }).collect_view()}
            </SelectField>
            <TextField id="audit-account" label="Account (by or about)" value=account maxlength=64 autocomplete="off"/>
            <button type="submit">"Filter"</button>
            <button type="button" on:click=export>"Export CSV"</button>
        </form>
        <Outcome problem saved/>
        <Show when=move || loaded.get() && entries.with(Vec::is_empty)>
            <p class="empty">"No entries."</p>
        </Show>
        <table class="incidents audit" aria-label="Audit trail">
            <thead>
                <tr>
                    <th scope="col">"When"</th>
                    <th scope="col">"Actor"</th>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Subject"</th>
                    <th scope="col">"Address"</th>
                    <th scope="col">"Detail"</th>
                    <th scope="col">"Count"</th>
                </tr>
            </thead>
            <tbody>
                {move || entries.get().into_iter().map(|e| view! { <EntryRow entry=e/> }).collect_view()}
            </tbody>
        </table>
        <div class="pager">
            <button type="button" disabled=move || cursors.with(|c| c.len() <= 1) on:click=newer>"Newer"</button>
            <button type="button" disabled=move || next.get().is_none() on:click=older>"Older"</button>
        </div>
    }
}

#[component]
fn EntryRow(entry: AuditEntry) -> impl IntoView {
    let count = if entry.count > 1 {
        format!(
            "{} (last {} UTC)",
            entry.count,
            crate::reader::when(entry.last_at)
        )
    } else {
        entry.count.to_string()
    };
    view! {
        <tr data-entry=entry.id.to_string()>
            <td>{utc::rfc3339(entry.at)}</td>
            <td>{entry.actor}</td>
            <td>{entry.action}</td>
            <td>{entry.subject.unwrap_or_default()}</td>
            <td>{entry.address.unwrap_or_default()}</td>
            <td>{entry.detail}</td>
            <td>{count}</td>
        </tr>
    }
}
