//! The warning a form shows when what it is about to log falls in a change
//! freeze: until when (in the reader's time, like every time on the page),
//! why the freeze is on, and the field for the reason the log then needs
//! (the server refuses the write without one). Planning a maintenance and
//! starting one both use it, so the two read alike.

use crate::components::form::TextArea;
use crate::reader::When;
use leptos::prelude::*;
use sitrep_core::aftermath::freeze::Freeze;

#[component]
pub fn FreezeWarning(
    /// The freeze the write meets.
    freeze: Freeze,
    /// What meets it, as the warning's first words.
    headline: &'static str,
    /// What the reader must write, after the freeze's end and reason.
    ask: &'static str,
    /// The reason field's id and label.
    reason_id: &'static str,
    reason_label: &'static str,
    reason: RwSignal<String>,
    #[prop(optional)] placeholder: Option<&'static str>,
    /// For tests to find the warning.
    testid: &'static str,
) -> impl IntoView {
    view! {
        <div class="stack warning" role="status" data-testid=testid>
            <p>
                <strong>{headline}</strong>
                " until " <When at=freeze.ends_at()/> " (" {freeze.reason} "). "
                {ask}
            </p>
            <TextArea id=reason_id label=reason_label value=reason rows=2
                placeholder=placeholder.map(String::from)/>
        </div>
    }
}
