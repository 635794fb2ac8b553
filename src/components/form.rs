//! Form parts written once: a labelled field (text input, text area,
//! select, checkbox) bound to a signal, and a form's outcome line. Each keeps the
//! markup the stylesheet and the end-to-end tests know: `<div class="field">`
//! with a `<label for>` naming the control by its id.

use leptos::prelude::*;

/// What a field shows and where what is typed goes: usually one signal,
/// or a view into a larger value (`Binding::new`).
#[derive(Clone, Copy)]
pub struct Binding {
    get: Signal<String>,
    set: Callback<String>,
}

impl Binding {
    pub fn new(
        get: impl Fn() -> String + Send + Sync + 'static,
        set: impl Fn(String) + Send + Sync + 'static,
    ) -> Self {
        Binding {
            get: Signal::derive(get),
            set: Callback::new(set),
        }
    }
}

impl From<RwSignal<String>> for Binding {
    fn from(signal: RwSignal<String>) -> Self {
        Binding::new(move || signal.get(), move |v| signal.set(v))
    }
}

/// A label above a control the caller writes (a select with its options,
/// a text area with a counter beside it).
#[component]
pub fn Field(
    /// The control's id, which the label points at.
    #[prop(into)]
    id: String,
    #[prop(into)] label: String,
    /// Takes the rest of the row (`class="field grow"`).
    #[prop(optional)]
    grow: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field" class:grow=grow>
            <label for=id>{label}</label>
            {children()}
        </div>
    }
}

/// A labelled one-line input bound to `value`.
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into)] value: Binding,
    /// The input's type: text unless said (password, url, number, search,
    /// datetime-local).
    #[prop(default = "text")]
    kind: &'static str,
    #[prop(optional)] name: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] placeholder: MaybeProp<String>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    /// The id of a `<datalist>` of suggestions.
    #[prop(optional)]
    list: Option<&'static str>,
    #[prop(optional)] size: Option<u32>,
    #[prop(optional, into)] min: Option<String>,
    #[prop(optional, into)] max: Option<String>,
    #[prop(optional, into)] disabled: MaybeProp<bool>,
    #[prop(optional)] grow: bool,
    #[prop(optional)] node_ref: NodeRef<leptos::html::Input>,
) -> impl IntoView {
    view! {
        <Field id=id.clone() label grow>
            <input id=id type=kind name=name maxlength=maxlength.map(|n| n.to_string())
                required=required placeholder=move || placeholder.get()
                autocomplete=autocomplete inputmode=inputmode list=list
                size=size.map(|n| n.to_string()) min=min max=max
                disabled=move || disabled.get().unwrap_or(false)
                node_ref=node_ref
                prop:value=move || value.get.get()
                on:input:target=move |ev| value.set.run(ev.target().value())/>
        </Field>
    }
}

/// A labelled text area bound to `value`.
#[component]
pub fn TextArea(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into)] value: Binding,
    rows: u32,
    #[prop(optional)] name: Option<&'static str>,
    #[prop(optional, into)] placeholder: MaybeProp<String>,
) -> impl IntoView {
    view! {
        <Field id=id.clone() label>
            <textarea id=id name=name rows=rows.to_string()
                placeholder=move || placeholder.get()
                prop:value=move || value.get.get()
                on:input:target=move |ev| value.set.run(ev.target().value())></textarea>
        </Field>
    }
}

/// A labelled select; its options are the children (they mark which one
/// is selected, unless `value` says). Every change goes to `on_change`.
#[component]
pub fn SelectField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into)] on_change: Callback<String>,
    /// The picked value, for options that do not mark it themselves.
    #[prop(optional, into)]
    value: Option<Signal<String>>,
    #[prop(optional)] name: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let control = match value {
        Some(value) => view! {
            <select id=id.clone() name=name prop:value=move || value.get()
                on:change:target=move |ev| on_change.run(ev.target().value())>
                {children()}
            </select>
        }
        .into_any(),
        None => view! {
            <select id=id.clone() name=name
                on:change:target=move |ev| on_change.run(ev.target().value())>
                {children()}
            </select>
        }
        .into_any(),
    };
    view! { <Field id label>{control}</Field> }
}

/// A checkbox with its label beside it: shows `checked`, and every change
/// goes to `on_change` (a flag, or one member of a set of choices).
#[component]
pub fn CheckField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into)] checked: Signal<bool>,
    #[prop(into)] on_change: Callback<bool>,
    #[prop(optional, into)] disabled: MaybeProp<bool>,
) -> impl IntoView {
    view! {
        <div class="check">
            <input type="checkbox" id=id.clone() prop:checked=move || checked.get()
                disabled=move || disabled.get().unwrap_or(false)
                on:change:target=move |ev| on_change.run(ev.target().checked())/>
            <label for=id>{label}</label>
        </div>
    }
}

/// A form's outcome line: a problem (an alert) or what was just saved.
#[component]
pub fn Outcome(
    #[prop(into)] problem: MaybeProp<String>,
    #[prop(optional, into)] saved: MaybeProp<String>,
) -> impl IntoView {
    view! {
        {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        {move || saved.get().map(|s| view! { <p class="saved" role="status">{s}</p> })}
    }
}
