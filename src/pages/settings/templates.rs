//! Templates per phase: one text per channel with `{{placeholders}}` the
//! desk fills from the incident. Saving records a `template_set` event.

use super::comms_policy::CommsPolicyForm;
use super::problem_with;
use crate::components::form::{Binding, Outcome, SelectField, TextArea};
use crate::replica::use_replica;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::comms::default_templates::default_for;
use sitrep_core::comms::template::PLACEHOLDERS;
use sitrep_core::comms::{Channels, Phase};
use sitrep_core::{EventBody, IncidentId};

#[component]
pub fn CommsSettings() -> impl IntoView {
    view! {
        <section class="settings-section" aria-labelledby="settings-comms">
            <h2 id="settings-comms">"Customer updates"</h2>
            <CommsPolicyForm/>
            <h3>"Templates"</h3>
            <p class="hint">
                "Placeholders: "
                {PLACEHOLDERS.iter().map(|(n, what)| view! { <code>{format!("{{{{{n}}}}}")}</code>{format!(" {what}; ")} }).collect_view()}
            </p>
            <TemplateForm/>
        </section>
    }
}

#[component]
fn TemplateForm() -> impl IntoView {
    let replica = use_replica();
    let workspace = replica.workspace();
    let phase = RwSignal::new(Phase::Investigating);
    let stored = Memo::new(move |_| workspace.with(|w| w.template(phase.get())));
    let text = RwSignal::new(stored.get_untracked());
    Effect::new(move |_| text.set(stored.get()));
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let record = move |channels: Channels, what: String| {
        saved.set(None);
        let body = EventBody::TemplateSet {
            phase: phase.get_untracked(),
            channels,
        };
        if let Some(p) = problem_with(&body) {
            problem.set(Some(p));
            return;
        }
        problem.set(None);
        saved.set(Some(what));
        spawn_local(async move {
            replica.record(IncidentId::workspace(), body).await;
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let label = phase.get_untracked().label();
        record(text.get_untracked(), format!("{label} template saved."));
    };
    let reset = move |_| {
        let p = phase.get_untracked();
        record(
            default_for(p),
            format!("{} template reset to the default.", p.label()),
        );
    };
    let field = |id: &'static str,
                 label: &'static str,
                 rows: u32,
                 read: fn(&Channels) -> String,
                 write: fn(&mut Channels, String)| {
        view! {
            <TextArea id label rows
                value=Binding::new(move || text.with(read), move |v| text.update(|c| write(c, v)))/>
        }
    };
    view! {
        <form class="stack-form" aria-label="Template" on:submit=save>
            <SelectField id="template-phase" label="Template for"
                on_change=move |v: String| {
                    if let Some(p) = Phase::from_wire(&v) { phase.set(p) }
                }>
                {Phase::ALL.into_iter().map(|p| view! { <option value=p.wire()>{p.label()}</option> }).collect_view()}
            </SelectField>
            {field("template-status", "Template: status page text", 5, |c| c.status_page.clone(), |c, v| c.status_page = v)}
            {field("template-social", "Template: social post", 3, |c| c.social.clone(), |c, v| c.social = v)}
            {field("template-subject", "Template: email subject", 1, |c| c.email_subject.clone(), |c, v| c.email_subject = v)}
            {field("template-email", "Template: email body", 5, |c| c.email_body.clone(), |c, v| c.email_body = v)}
            {field("template-banner", "Template: banner", 1, |c| c.banner.clone(), |c, v| c.banner = v)}
            <div class="row">
                <button type="submit" class="primary">"Save template"</button>
                <button type="button" on:click=reset>"Reset to default"</button>
            </div>
            <Outcome problem saved/>
        </form>
    }
}
