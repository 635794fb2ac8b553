//! Accounts (admins): every account with its role and state, and what an
//! admin does to one: create it, change its role, reset its password,
//! disable or enable it, sign it out everywhere, remove it (asked first).

use super::{when, AdminFrame};
use crate::api;
use crate::browser;
use crate::components::form::{CheckField, Outcome, SelectField, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::log::access::Role;
use sitrep_core::log::admin::{AccountInfo, ChangeAccount, CreateAccount};

/// What the list and every row's actions share: the accounts as last
/// loaded, and the one outcome line under the list.
#[derive(Clone, Copy)]
struct Accounts {
    list: RwSignal<Vec<AccountInfo>>,
    problem: RwSignal<Option<String>>,
    saved: RwSignal<Option<String>>,
}

impl Accounts {
    fn reload(self) {
        spawn_local(async move {
            match api::get_accounts().await {
                Ok(list) => self.list.set(list),
                Err(e) => self
                    .problem
                    .set(Some(format!("Cannot load the accounts: {e}."))),
            }
        });
    }

    /// Runs one admin call; says `done` when it worked, else why not, and
    /// loads the list again either way (another admin may have changed it).
    fn act<F>(self, call: F, done: String)
    where
        F: std::future::Future<Output = Result<(), api::ApiFailure>> + 'static,
    {
        self.problem.set(None);
        self.saved.set(None);
        spawn_local(async move {
            match call.await {
                Ok(()) => self.saved.set(Some(done)),
                Err(e) => self.problem.set(Some(format!("Not done: {e}."))),
            }
            self.reload();
        });
    }
}

#[component]
pub fn AccountsPage() -> impl IntoView {
    view! {
        <AdminFrame title="Accounts">
            <AccountsBody/>
        </AdminFrame>
    }
}

#[component]
fn AccountsBody() -> impl IntoView {
    let accounts = Accounts {
        list: RwSignal::new(Vec::new()),
        problem: RwSignal::new(None),
        saved: RwSignal::new(None),
    };
    accounts.reload();
    view! {
        <p class="hint">"Who may sign in, and with which role. Every change is recorded in the audit trail under your name."</p>
        <table class="incidents accounts" aria-label="Accounts">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Sessions"</th>
                    <th scope="col">"API tokens"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                <For each=move || accounts.list.get()
                    key=|a| (a.name.clone(), a.role, a.disabled_at, a.sessions, a.tokens)
                    children=move |a| view! { <AccountRow account=a accounts/> }/>
            </tbody>
        </table>
        <Outcome problem=accounts.problem saved=accounts.saved/>
        <CreateAccountForm accounts/>
    }
}

#[component]
fn AccountRow(account: AccountInfo, accounts: Accounts) -> impl IntoView {
    let name = account.name.clone();
    let disabled = account.disabled_at.is_some();
    let resetting = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    // A reset usually follows a leak, so tokens go with the old password
    // unless the admin keeps them (a monitor's token, say).
    let keep_tokens = RwSignal::new(false);

    let change_role = {
        let name = name.clone();
        move |wire: String| {
            let Some(role) = Role::ALL.into_iter().find(|r| r.as_str() == wire) else {
                return;
            };
            let change = ChangeAccount {
                role: Some(role),
                ..ChangeAccount::default()
            };
            let n = name.clone();
            accounts.act(
                async move { api::change_account(&n, &change).await.map(drop) },
                format!("{name} is now a {role}."),
            );
        }
    };
    let toggle = {
        let name = name.clone();
        move |_| {
            let change = ChangeAccount {
                disabled: Some(!disabled),
                ..ChangeAccount::default()
            };
            let n = name.clone();
            let done = if disabled {
                format!("{name} is enabled again.")
            } else {
                format!("{name} is disabled: its sessions ended and its tokens are refused.")
            };
            accounts.act(
                async move { api::change_account(&n, &change).await.map(drop) },
                done,
            );
        }
    };
    let sign_out = {
        let name = name.clone();
        move |_| {
            let n = name.clone();
            let done = format!("{name} is signed out everywhere.");
            accounts.act(
                async move { api::sign_out_everywhere(&n).await.map(drop) },
                done,
            );
        }
    };
    let remove = {
        let name = name.clone();
        move |_| {
            let question = format!(
                "Remove the account {name}? It can no longer sign in, and its sessions and API tokens end. Its events and audit entries stay."
            );
            if !browser::confirm(&question) {
                return;
            }
            let n = name.clone();
            accounts.act(
                async move { api::remove_account(&n).await },
                format!("Removed {name}."),
            );
        }
    };
    let set_password = {
        let name = name.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let keep = keep_tokens.get_untracked();
            let change = ChangeAccount {
                password: Some(password.get_untracked()),
                keep_tokens: keep,
                ..ChangeAccount::default()
            };
            let n = name.clone();
            // The password leaves the page as soon as it is sent.
            password.set(String::new());
            keep_tokens.set(false);
            resetting.set(false);
            let done = if keep {
                format!(
                    "New password set for {name}: its sessions ended; its API tokens still work."
                )
            } else {
                format!("New password set for {name}: its sessions ended and its API tokens were revoked.")
            };
            accounts.act(
                async move { api::change_account(&n, &change).await.map(drop) },
                done,
            );
        }
    };

    let role = account.role;
    let (form_label, field_id, keep_id) = (
        format!("New password for {name}"),
        format!("password-{name}"),
        format!("keep-tokens-{name}"),
    );
    view! {
        <tr data-account=name.clone()>
            <th scope="row">{name.clone()}</th>
            <td>
                <SelectField id=format!("role-{name}") label=format!("Role of {name}") on_change=change_role>
                    {Role::ALL.into_iter().map(|r| view! {
                        <option value=r.as_str() selected=r == role>{r.as_str()}</option>
                    }).collect_view()}
                </SelectField>
            </td>
            <td>{if disabled {
                format!("Disabled {}", when(account.disabled_at, ""))
            } else {
                "Active".to_string()
            }}</td>
            <td>{account.sessions}</td>
            <td>{account.tokens}</td>
            <td>{when(Some(account.created_at), "")}</td>
            <td class="setting-actions">
                <button type="button" aria-label=format!("Reset password of {name}")
                    on:click=move |_| resetting.update(|r| *r = !*r)>"Reset password"</button>
                <button type="button" aria-label=format!("{} {name}", if disabled { "Enable" } else { "Disable" })
                    on:click=toggle>{if disabled { "Enable" } else { "Disable" }}</button>
                <button type="button" aria-label=format!("Sign out everywhere: {name}")
                    on:click=sign_out>"Sign out everywhere"</button>
                <button type="button" aria-label=format!("Remove {name}") on:click=remove>"Remove"</button>
                <Show when=move || resetting.get()>
                    <form class="inline-form" aria-label=form_label.clone() on:submit=set_password.clone()>
                        <TextField id=field_id.clone() label=form_label.clone()
                            value=password kind="password" autocomplete="new-password" required=true/>
                        <CheckField id=keep_id.clone() label="Keep its API tokens"
                            checked=keep_tokens on_change=move |on| keep_tokens.set(on)/>
                        <button type="submit">"Set password"</button>
                    </form>
                </Show>
            </td>
        </tr>
    }
}

#[component]
fn CreateAccountForm(accounts: Accounts) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Responder.as_str().to_string());
    let password = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let Some(r) = Role::ALL
            .into_iter()
            .find(|r| r.as_str() == role.get_untracked())
        else {
            problem.set(Some("Choose a role.".into()));
            return;
        };
        let new = CreateAccount {
            name: name.get_untracked().trim().to_string(),
            role: r,
            password: password.get_untracked(),
        };
        if new.name.is_empty() {
            problem.set(Some("Give the account a name.".into()));
            return;
        }
        problem.set(None);
        spawn_local(async move {
            match api::create_account(&new).await {
                Ok(made) => {
                    name.set(String::new());
                    password.set(String::new());
                    saved.set(Some(format!("Created {} ({}).", made.name, made.role)));
                    accounts.reload();
                }
                Err(e) => problem.set(Some(format!("Not created: {e}."))),
            }
        });
    };
    view! {
        <section class="settings-section" aria-labelledby="create-account">
            <h2 id="create-account">"Create an account"</h2>
            <form class="stacked-form" aria-label="Create an account" on:submit=create>
                <TextField id="new-account-name" label="Name" value=name maxlength=64 autocomplete="off" required=true/>
                <SelectField id="new-account-role" label="Role" value=role on_change=move |v: String| role.set(v)>
                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> }).collect_view()}
                </SelectField>
                <TextField id="new-account-password" label="Initial password (at least 12 characters)"
                    value=password kind="password" autocomplete="new-password" required=true/>
                <button type="submit" class="primary">"Create account"</button>
            </form>
            <Outcome problem saved/>
        </section>
    }
}
