//! The wire types' JSON Schemas, generated from the Rust types themselves so
//! the documents in `docs/schema/` cannot drift from the code (a core test
//! compares them). Only built with the `schema` feature, which the console
//! never enables.
//!
//! Each schema is what the receiving side accepts (serde's deserialize
//! contract): for a request, what sitrep-server takes; for an answer or a
//! stream message, what the console (or, for the answers it never reads, a
//! client written to the same types) takes. A field with a default is
//! therefore optional even where the reference server always sends it.
//! Query parameters (`…-params.json`) are described as the object serde
//! reads the query string into.

use crate::aftermath::freeze::FreezeReport;
use crate::alerts::model::{GenericPayload, IntakeReply};
use crate::log::admin::{
    AccountInfo, AccountsReply, AuditPage, AuditParams, ChangeAccount, CreateAccount, CreateToken,
    CreatedToken, DirectoryReply, HookDeliveriesParams, HookDeliveriesReply, SaveTeamHook,
    SavedTeamHook, SignedOutEverywhere, TeamHooksReply, TokensParams, TokensReply,
};
use crate::log::event::Event;
use crate::log::protocol::{
    Ack, ApiError, BounceReply, ClientMessage, EventsPage, EventsParams, Health, PostEvents,
    PostEventsReply, PublishTarget, PublishTargetsReply, RetryDelivery, RetryReply,
    SavePublishTarget, SessionInfo, SignIn, StreamMessage, StreamParams, UpstreamsReply,
};
use schemars::{schema_for, Schema};

/// Every schema document, by its file name under `docs/schema/`.
pub fn documents() -> Vec<(&'static str, Schema)> {
    vec![
        ("event.json", schema_for!(Event)),
        ("post-events.json", schema_for!(PostEvents)),
        ("post-events-reply.json", schema_for!(PostEventsReply)),
        ("ack.json", schema_for!(Ack)),
        ("events-params.json", schema_for!(EventsParams)),
        ("events-page.json", schema_for!(EventsPage)),
        ("stream-params.json", schema_for!(StreamParams)),
        ("stream-message.json", schema_for!(StreamMessage)),
        ("client-message.json", schema_for!(ClientMessage)),
        ("upstreams-reply.json", schema_for!(UpstreamsReply)),
        ("api-error.json", schema_for!(ApiError)),
        ("sign-in.json", schema_for!(SignIn)),
        ("session-info.json", schema_for!(SessionInfo)),
        ("publish-target.json", schema_for!(PublishTarget)),
        (
            "publish-targets-reply.json",
            schema_for!(PublishTargetsReply),
        ),
        ("save-publish-target.json", schema_for!(SavePublishTarget)),
        ("retry-delivery.json", schema_for!(RetryDelivery)),
        ("retry-reply.json", schema_for!(RetryReply)),
        ("bounce-reply.json", schema_for!(BounceReply)),
        ("alerts-generic.json", schema_for!(GenericPayload)),
        ("alerts-reply.json", schema_for!(IntakeReply)),
        ("health.json", schema_for!(Health)),
        ("freeze-report.json", schema_for!(FreezeReport)),
        ("accounts-reply.json", schema_for!(AccountsReply)),
        ("account-info.json", schema_for!(AccountInfo)),
        ("directory-reply.json", schema_for!(DirectoryReply)),
        ("create-account.json", schema_for!(CreateAccount)),
        ("change-account.json", schema_for!(ChangeAccount)),
        (
            "signed-out-everywhere.json",
            schema_for!(SignedOutEverywhere),
        ),
        ("tokens-params.json", schema_for!(TokensParams)),
        ("tokens-reply.json", schema_for!(TokensReply)),
        ("create-token.json", schema_for!(CreateToken)),
        ("created-token.json", schema_for!(CreatedToken)),
        ("audit-params.json", schema_for!(AuditParams)),
        ("audit-page.json", schema_for!(AuditPage)),
        ("team-hooks-reply.json", schema_for!(TeamHooksReply)),
        ("save-team-hook.json", schema_for!(SaveTeamHook)),
        ("saved-team-hook.json", schema_for!(SavedTeamHook)),
        (
            "hook-deliveries-params.json",
            schema_for!(HookDeliveriesParams),
        ),
        (
            "hook-deliveries-reply.json",
            schema_for!(HookDeliveriesReply),
        ),
    ]
}

/// A document as it is committed: pretty-printed, ending in a newline.
pub fn render(schema: &Schema) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}
