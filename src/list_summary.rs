//! The incident list's stored summary (`sitrep_core::view::list_summary`)
//! in localStorage, one per account: read when the list opens before the
//! local copy of the log has been read, so a reload paints the rows at
//! once; written, debounced, whenever the folded list changes. Not in
//! IndexedDB: localStorage reads synchronously and the summary is small.

use crate::browser::{local_storage_get, local_storage_set, now_ms};
use crate::replica::Replica;
use leptos::prelude::*;
use sitrep_core::view::list_summary::ListSummary;
use std::time::Duration;

const KEY_PREFIX: &str = "sitrep.list-summary.";
/// A catch-up changes the list many times a second; one write at the end.
const DEBOUNCE: Duration = Duration::from_millis(500);

fn key(account: &str) -> String {
    format!("{KEY_PREFIX}{account}")
}

/// The account's stored summary, when there is one that decodes.
pub fn read(account: &str) -> Option<ListSummary> {
    ListSummary::decode(&local_storage_get(&key(account))?)
}

/// Keeps the signed-in account's summary in step with the folded list,
/// once the local copy has been read (before that the list is empty and
/// would overwrite a good summary).
pub fn keep(replica: Replica) {
    let incidents = replica.incidents();
    let workspace = replica.workspace();
    // The write waiting out the debounce, and whose summary it is.
    let pending = StoredValue::new(None::<(TimeoutHandle, String)>);
    let write = move |account: &str| {
        let summary = incidents.with_untracked(|list| {
            workspace.with_untracked(|w| ListSummary::of(list, w, now_ms()))
        });
        local_storage_set(&key(account), &summary.encode());
    };
    Effect::new(move |_| {
        if !replica.loaded.get() {
            return;
        }
        incidents.track();
        workspace.track();
        let account = replica.author.get();
        if account.trim().is_empty() {
            return;
        }
        if let Some((h, _)) = pending.get_value() {
            h.clear();
        }
        let for_account = account.clone();
        let handle = set_timeout_with_handle(
            move || {
                pending.set_value(None);
                write(&for_account);
            },
            DEBOUNCE,
        );
        pending.set_value(handle.ok().map(|h| (h, account)));
    });
    // A reload within the debounce (the list changed, then F5) must not
    // leave the summary of an older list for the next start to paint.
    let flush = window_event_listener(leptos::ev::pagehide, move |_| {
        if let Some((h, account)) = pending.try_update_value(Option::take).flatten() {
            h.clear();
            write(&account);
        }
    });
    on_cleanup(move || flush.remove());
}
