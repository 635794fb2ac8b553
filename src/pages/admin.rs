//! The admins' pages: accounts, API tokens, the audit trail and the team's
//! webhooks, all held by the server and changed through its admin API
//! (every change audited there). The console only hides them from other roles; the server is what
//! refuses a non-admin, so a page opened by URL just says who it is for.

pub mod accounts;
pub mod audit;
pub mod hooks;
pub mod tokens;

use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use sitrep_core::log::access::Role;

pub use accounts::AccountsPage;
pub use audit::AuditPage;
pub use hooks::HooksPage;
pub use tokens::TokensPage;

/// Whether the signed-in account is an admin (what shows the links).
pub fn is_admin() -> bool {
    use_session().role() == Some(Role::Admin)
}

/// A page's frame: its heading, the links between the admin pages, and
/// its content only for an admin.
#[component]
fn AdminFrame(#[prop(into)] title: String, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let admin = move || session.role() == Some(Role::Admin);
    view! {
        <section class="page admin">
            <div class="page-head">
                <h1>{title}</h1>
            </div>
            <Show when=admin fallback=|| view! {
                <p class="empty" role="alert">
                    "Admins only: this page manages accounts, tokens, the audit trail and webhooks. Ask an admin if you need a change. "
                    <A href="/">"Back to incidents"</A>
                </p>
            }>
                <AdminNav/>
                {children()}
            </Show>
        </section>
    }
}

#[component]
fn AdminNav() -> impl IntoView {
    view! {
        <nav class="admin-nav" aria-label="Admin">
            <A href="/admin/accounts">"Accounts"</A>
            <A href="/admin/tokens">"API tokens"</A>
            <A href="/admin/audit">"Audit trail"</A>
            <A href="/admin/hooks">"Webhooks"</A>
        </nav>
    }
}

/// `2026-11-23 14:05 UTC`, or what to say when there is no time.
fn when(ms: Option<i64>, none: &str) -> String {
    ms.map(sitrep_core::time::utc::format)
        .unwrap_or_else(|| none.to_string())
}
