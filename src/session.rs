//! Who is signed in: the last answer of `GET /api/v1/session`, kept in
//! localStorage so the console works offline on the last session, and the
//! sign-in and sign-out that change it. The cookie itself is HttpOnly.

use crate::api::{self, ApiFailure, WhoAmI};
use crate::browser::{local_storage_get, local_storage_remove, local_storage_set};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::log::access::Role;
use sitrep_core::log::protocol::SessionInfo;

const SESSION_KEY: &str = "sitrep.session";

#[derive(Clone, Copy)]
pub struct Session {
    /// None until someone has signed in in this browser.
    pub me: RwSignal<Option<SessionInfo>>,
    hooks: StoredValue<SessionHooks>,
}

/// What the rest of the console does when the session changes: the app
/// root wires these to the replica, so this module knows nothing of it.
#[derive(Clone, Copy)]
pub struct SessionHooks {
    /// Someone is signed in as this name (also the cached session at start).
    pub signed_in: Callback<String>,
    /// The backend says there is no valid session.
    pub signed_out: Callback<()>,
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Provides the session from localStorage, then asks the backend whether it
/// still stands.
pub fn provide_session_context(hooks: SessionHooks) -> Session {
    let cached =
        local_storage_get(SESSION_KEY).and_then(|s| serde_json::from_str::<SessionInfo>(&s).ok());
    if let Some(me) = &cached {
        hooks.signed_in.run(me.name.clone());
    }
    let session = Session {
        me: RwSignal::new(cached),
        hooks: StoredValue::new(hooks),
    };
    provide_context(session);
    spawn_local(async move {
        match api::who_am_i().await {
            WhoAmI::SignedIn(me) => session.adopt(me),
            WhoAmI::SignedOut => hooks.signed_out.run(()),
            WhoAmI::Unknown => {}
        }
    });
    session
}

impl Session {
    fn adopt(self, me: SessionInfo) {
        if let Ok(json) = serde_json::to_string(&me) {
            local_storage_set(SESSION_KEY, &json);
        }
        self.hooks.get_value().signed_in.run(me.name.clone());
        self.me.set(Some(me));
    }

    pub async fn sign_in(self, name: String, password: String) -> Result<(), String> {
        let me = api::sign_in(name, password).await.map_err(|e| match e {
            ApiFailure::Unreachable(_) => {
                "The backend cannot be reached; sign in when you are back online.".to_string()
            }
            refused => refused.to_string(),
        })?;
        self.adopt(me);
        Ok(())
    }

    /// Ends the session here and on the backend. Edits not yet delivered
    /// stay in the outbox and go out when their author signs in again;
    /// another account signing in here never sends them.
    pub async fn sign_out(self) {
        api::sign_out().await;
        local_storage_remove(SESSION_KEY);
        self.me.set(None);
    }

    pub fn role(self) -> Option<Role> {
        self.me.with(|m| m.as_ref().map(|m| m.role))
    }

    /// Whether this account may make incident events; the backend decides
    /// in the end, this only keeps controls it would refuse disabled.
    pub fn can_write(self) -> bool {
        self.role().is_some_and(Role::writes)
    }
}
