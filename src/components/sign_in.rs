//! The sign-in form: on its own page before anyone has signed in, and in
//! the banner when a session expired with edits waiting.

use crate::components::form::{Outcome, TextField};
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn SignInForm() -> impl IntoView {
    let session = use_session();
    let name = RwSignal::new(
        session
            .me
            .get_untracked()
            .map(|m| m.name)
            .unwrap_or_default(),
    );
    let password = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (n, p) = (
            name.get_untracked().trim().to_string(),
            password.get_untracked(),
        );
        if n.is_empty() || p.is_empty() {
            problem.set(Some("Enter your name and password.".into()));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = session.sign_in(n, p).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    password.set(String::new());
                    problem.set(None);
                }
                Err(e) => problem.set(Some(e)),
            }
        });
    };
    view! {
        <form class="sign-in stack" on:submit=submit aria-label="Sign in">
            <TextField id="sign-in-name" label="Name" value=name name="username"
                autocomplete="username" maxlength=100 required=true/>
            <TextField id="sign-in-password" label="Password" value=password kind="password"
                name="password" autocomplete="current-password" required=true/>
            <Outcome problem/>
            <button type="submit" class="primary" disabled=move || busy.get()>"Sign in"</button>
        </form>
    }
}

/// The whole page for a browser where nobody has signed in yet.
#[component]
pub fn SignInPage() -> impl IntoView {
    view! {
        <main id="main">
            <section class="page narrow">
                <h1>"Sign in to Sitrep"</h1>
                <SignInForm/>
            </section>
        </main>
    }
}
