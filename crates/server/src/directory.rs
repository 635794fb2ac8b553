//! `GET /api/v1/directory`: the workspace's people, by name, for every
//! signed-in reader (the console's commander and assignee pickers). The
//! account list with roles, sessions and tokens stays with admins
//! (`admin::list_accounts`).

use crate::auth::Reader;
use crate::reply::{blocking_on, ApiError};
use crate::storage::DbError;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use sitrep_core::log::access::Role;
use sitrep_core::log::admin::{DirectoryReply, Person};

pub async fn handler(
    State(state): State<AppState>,
    _reader: Reader,
) -> Result<Json<DirectoryReply>, ApiError> {
    let db = state.db.clone();
    let people = blocking_on(move || {
        db.read(|tx| {
            // Disabled accounts sign nobody in; monitor accounts are tools.
            let rows = tx.query(
                "SELECT name FROM accounts WHERE disabled_at IS NULL AND role <> ?1 ORDER BY name",
                &crate::args![Role::Monitor.as_str()],
            )?;
            rows.iter()
                .map(|r| Ok(Person { name: r.get(0)? }))
                .collect::<Result<Vec<_>, DbError>>()
        })
    })
    .await?;
    Ok(Json(DirectoryReply { people }))
}
