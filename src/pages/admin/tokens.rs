//! API tokens (admins): every account's tokens with when each was made and
//! last used, and revoking one (asked first: tools using it stop at once).
//! Tokens are made with the CLI or `POST /api/v1/tokens`, shown only then.

use super::{when, AdminFrame};
use crate::api;
use crate::browser;
use crate::components::form::Outcome;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::log::admin::{TokenInfo, TokensParams};

#[component]
pub fn TokensPage() -> impl IntoView {
    view! {
        <AdminFrame title="API tokens">
            <TokensBody/>
        </AdminFrame>
    }
}

#[component]
fn TokensBody() -> impl IntoView {
    let tokens = RwSignal::new(Vec::<TokenInfo>::new());
    let loaded = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match api::get_tokens(&TokensParams::default()).await {
                Ok(t) => {
                    tokens.set(t);
                    loaded.set(true);
                }
                Err(e) => problem.set(Some(format!("Cannot load the tokens: {e}."))),
            }
        });
    };
    reload();
    let revoke = move |t: TokenInfo| {
        let question = format!(
            "Revoke token {} of {}? Every tool using it is refused from now on.",
            t.id, t.account
        );
        if !browser::confirm(&question) {
            return;
        }
        problem.set(None);
        saved.set(None);
        spawn_local(async move {
            match api::revoke_token(&t.id).await {
                Ok(()) => saved.set(Some(format!("Revoked token {} of {}.", t.id, t.account))),
                Err(e) => problem.set(Some(format!("Not revoked: {e}."))),
            }
            reload();
        });
    };
    view! {
        <p class="hint">"Tokens let tools act as an account. Make one with "<code>"sitrep-server token create"</code>" or the API; it is shown only then."</p>
        <Show when=move || loaded.get() && tokens.with(Vec::is_empty)>
            <p class="empty">"No API tokens."</p>
        </Show>
        <table class="incidents tokens" aria-label="API tokens">
            <thead>
                <tr>
                    <th scope="col">"Token"</th>
                    <th scope="col">"Account"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {move || tokens.get().into_iter().map(|t| {
                    let label = format!("Revoke token {} of {}", t.id, t.account);
                    let row = t.clone();
                    view! {
                        <tr data-token=t.id.clone()>
                            <th scope="row"><code>{t.id.clone()}</code></th>
                            <td>{t.account.clone()}</td>
                            <td>{when(Some(t.created_at), "")}</td>
                            <td>{when(t.last_used_at, "never")}</td>
                            <td><button type="button" aria-label=label
                                on:click=move |_| revoke(row.clone())>"Revoke"</button></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <Outcome problem saved/>
    }
}
