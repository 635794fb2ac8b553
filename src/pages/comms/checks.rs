//! The checks a draft fails, each with its message and a field for the
//! reason to override it; the reasons go into the log with the publish.
//! It says which text it checked: the saved one, or the one being typed.

use crate::components::form::{Binding, TextField};
use leptos::prelude::*;
use sitrep_core::comms::checks::{Finding, ALL};
use std::collections::BTreeMap;

#[component]
pub fn ChecksList(
    uid: String,
    findings: Memo<Vec<Finding>>,
    /// The findings are for unsaved text as typed.
    unsaved: Signal<bool>,
    overrides: RwSignal<BTreeMap<String, String>>,
    editable: Signal<bool>,
) -> impl IntoView {
    view! {
        <section class="checks" aria-label="Checks">
            <h4>"Checks"</h4>
            <p class="hint" data-testid="checked-text">{move || if unsaved.get() {
                "Checked: the text as typed (not saved yet)."
            } else {
                "Checked: the saved text."
            }}</p>
            {move || findings.with(Vec::is_empty).then(|| view! {
                <p class="saved" role="status">{move || if unsaved.get() {
                    format!("The text as typed passes the {} checks; save it before review.", ALL.len())
                } else {
                    format!("All {} checks pass for the saved text.", ALL.len())
                }}</p>
            })}
            <ul class="findings">
                {move || findings.get().into_iter().map(|f| {
                    let title = ALL.iter().find(|(id, _)| *id == f.check).map(|(_, t)| *t).unwrap_or(f.check);
                    let input_id = format!("{uid}-override-{}", f.check);
                    let check = f.check.to_string();
                    let check2 = check.clone();
                    let reason = move || overrides.with(|o| o.get(&check).cloned().unwrap_or_default());
                    let answered = {
                        let reason = reason.clone();
                        move || !reason().trim().is_empty()
                    };
                    let answered2 = answered.clone();
                    view! {
                        <li class="finding" class:overridden=answered2>
                            <p>
                                <strong>{title}</strong>" "<code>{f.check}</code>
                                <span class="tag">{move || if answered() { " (overridden)" } else { " (fails)" }}</span>
                            </p>
                            <p class="finding-message">{f.message.clone()}</p>
                            <TextField id=input_id label=format!("Reason to override: {title}")
                                maxlength=500 disabled=Signal::derive(move || !editable.get())
                                value=Binding::new(reason, move |v| {
                                    overrides.update(|o| { o.insert(check2.clone(), v); });
                                })/>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
