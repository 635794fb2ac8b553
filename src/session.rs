//! Who is signed in: the last answer of `GET /api/v1/session`, kept in
//! localStorage so the console works offline on the last session, and the
//! sign-in and sign-out that change it. The cookie itself is HttpOnly.

use crate::api::{self, ApiFailure, WhoAmI};
use crate::browser::{local_storage_get, local_storage_remove, local_storage_set};
use crate::replica::{use_replica, Replica};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::log::access::Role;
use sitrep_core::log::protocol::SessionInfo;

const SESSION_KEY: &str = "sitrep.session";

#[derive(Clone, Copy)]
pub struct Session {
    /// None until someone has signed in in this browser.
    pub me: RwSignal<Option<SessionInfo>>,
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Provides the session from localStorage, then asks the backend whether it
/// still stands. Needs the replica: it makes events as the signed-in name.
pub fn provide_session_context() -> Session {
    let replica = use_replica();
    let cached =
        local_storage_get(SESSION_KEY).and_then(|s| serde_json::from_str::<SessionInfo>(&s).ok());
    if let Some(me) = &cached {
        replica.set_account(me.name.clone());
    }
    let session = Session {
        me: RwSignal::new(cached),
    };
    provide_context(session);
    spawn_local(async move {
        match api::who_am_i().await {
            WhoAmI::SignedIn(me) => session.adopt(replica, me),
            WhoAmI::SignedOut => replica.signed_out.set(true),
            WhoAmI::Unknown => {}
        }
    });
    session
}

impl Session {
    fn adopt(self, replica: Replica, me: SessionInfo) {
        if let Ok(json) = serde_json::to_string(&me) {
            local_storage_set(SESSION_KEY, &json);
        }
        replica.signed_in(me.name.clone());
        self.me.set(Some(me));
    }

    pub async fn sign_in(
        self,
        replica: Replica,
        name: String,
        password: String,
    ) -> Result<(), String> {
        let me = api::sign_in(name, password).await.map_err(|e| match e {
            ApiFailure::Unreachable(_) => {
                "The backend cannot be reached; sign in when you are back online.".to_string()
            }
            refused => refused.to_string(),
        })?;
        self.adopt(replica, me);
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

/// The stream closed before it opened: perhaps the session expired. Asks
/// the backend, and marks the replica signed out if so.
pub fn recheck(replica: Replica) {
    if replica.signed_out.get_untracked() {
        return;
    }
    spawn_local(async move {
        if let WhoAmI::SignedOut = api::who_am_i().await {
            replica.signed_out.set(true);
        }
    });
}
