//! The admin API's wire types (accounts, API tokens, the audit trail, the
//! team's webhooks and their deliveries) and the audit trail as CSV: the server answers with these, the console's
//! admin pages read them (docs/protocol.md describes them).

use crate::log::access::Role;
use serde::{Deserialize, Serialize};

/// Every kind of audit entry, for `GET /api/v1/audit?kind=`.
pub const AUDIT_KINDS: [&str; 21] = [
    "sign_in",
    "sign_in_failed",
    "signed_out_everywhere",
    "account_created",
    "role_changed",
    "password_set",
    "account_disabled",
    "account_enabled",
    "account_removed",
    "token_created",
    "token_revoked",
    "tokens_revoked",
    "settings_changed",
    "publish_target_saved",
    "publish_target_removed",
    "publish_retry",
    "audit_exported",
    "hook_saved",
    "hook_removed",
    "hook_secret_rotated",
    "hook_retry",
];

/// A team webhook as admins see it: never its signing secret, which is
/// shown once when the hook is made and when it is rotated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamHook {
    pub id: String,
    pub name: String,
    pub url: String,
    /// `generic` (signed JSON) or `slack` (an incoming-webhook message).
    pub format: String,
    /// The hook events it is sent (`incident.declared`, …).
    pub events: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Its latest delivery, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<HookDelivery>,
}

/// `GET /api/v1/hooks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamHooksReply {
    pub hooks: Vec<TeamHook>,
}

/// `PUT /api/v1/hooks/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveTeamHook {
    pub name: String,
    pub url: String,
    pub format: String,
    pub events: Vec<String>,
}

/// The answer to saving a hook, with its secret the first time (and after
/// a rotation), never again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTeamHook {
    pub hook: TeamHook,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// One event's delivery to one hook, with the receiver's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookDelivery {
    /// The event's id (also the `id` in the body and `Sitrep-Delivery`).
    pub event: String,
    /// The hook event (`incident.status_changed`, …).
    pub kind: String,
    pub incident: String,
    /// `queued`, `sending`, `sent` or `failed`.
    pub state: String,
    pub attempts: u32,
    /// Why it failed or waits, in words.
    #[serde(default)]
    pub error: String,
    /// The receiver's last HTTP status and the start of its answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_code: Option<u16>,
    #[serde(default)]
    pub answer: String,
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<i64>,
    /// When it is tried again, while queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_at: Option<i64>,
}

/// `GET /api/v1/hooks/{id}/deliveries`, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookDeliveriesReply {
    pub deliveries: Vec<HookDelivery>,
}

/// The audit page size unless the caller asks for another, and the most.
pub const AUDIT_PAGE: usize = 100;
pub const MAX_AUDIT_PAGE: usize = 1000;

/// One line of the audit trail. Failed sign-ins are one line per name,
/// address and minute, with `count` and `last_at`, so a flood of them is a
/// few lines rather than the whole trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// When it happened (the first of them, for a counted line).
    pub at: i64,
    /// The account that acted, or the name tried for a failed sign-in.
    pub actor: String,
    pub action: String,
    /// The account acted on (made, changed, its token revoked), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The client address it came from, when it came over the network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub detail: String,
    /// How many times (1 but for failed sign-ins).
    #[serde(default = "one")]
    pub count: u32,
    /// The last of them.
    pub last_at: i64,
}

fn one() -> u32 {
    1
}

/// `GET /api/v1/audit`: newest first; `next` is the `before` to ask for
/// the page after this one, absent on the last page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<i64>,
}

/// `GET /api/v1/accounts`: one account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    pub name: String,
    pub role: Role,
    pub created_at: i64,
    /// When an admin disabled it; a disabled account signs nobody in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<i64>,
    /// Open browser sessions and API tokens.
    pub sessions: u32,
    pub tokens: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountsReply {
    pub accounts: Vec<AccountInfo>,
}

/// `POST /api/v1/accounts`: a new account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateAccount {
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// `PATCH /api/v1/accounts/{name}`: any of a new role, a new password
/// (which ends the account's sessions and revokes its API tokens unless
/// `keep_tokens`), disabled or enabled.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeAccount {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_tokens: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// `GET /api/v1/tokens`: one API token, never the token itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// A short public name for the token (the start of its hash), for revoking it.
    pub id: String,
    pub account: String,
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensReply {
    pub tokens: Vec<TokenInfo>,
}

/// `POST /api/v1/tokens` `{"account"}`: the token, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateToken {
    pub account: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub id: String,
    pub token: String,
}

/// The entries as CSV (RFC 4180, a header line, CRLF line ends). A field
/// a spreadsheet would run as a formula (starting `=`, `+`, `-`, `@`, tab
/// or CR) gets a leading `'`: names and details are whatever people typed.
pub fn audit_csv(entries: &[AuditEntry]) -> String {
    let mut out = String::from("id,at,last_at,count,actor,action,subject,address,detail\r\n");
    for e in entries {
        let fields = [
            e.id.to_string(),
            crate::time::utc::rfc3339(e.at),
            crate::time::utc::rfc3339(e.last_at),
            e.count.to_string(),
            cell(&e.actor),
            cell(&e.action),
            cell(e.subject.as_deref().unwrap_or("")),
            cell(e.address.as_deref().unwrap_or("")),
            cell(&e.detail),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(actor: &str, detail: &str) -> AuditEntry {
        AuditEntry {
            id: 7,
            at: 1_763_464_800_000,
            actor: actor.into(),
            action: "sign_in_failed".into(),
            subject: None,
            address: Some("192.0.2.1".into()),
            detail: detail.into(),
            count: 3,
            last_at: 1_763_464_830_000,
        }
    }

    #[test]
    fn the_csv_quotes_what_needs_quoting_and_defuses_formulas() {
        let csv = audit_csv(&[
            entry("ana", "wrong password"),
            entry("=HYPERLINK(\"x\")", "a, \"b\"\nc"),
        ]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "id,at,last_at,count,actor,action,subject,address,detail"
        );
        assert_eq!(
            lines[1],
            "7,2025-11-18T11:20:00Z,2025-11-18T11:20:30Z,3,ana,sign_in_failed,,192.0.2.1,wrong password"
        );
        assert!(
            lines[2].starts_with(
                "7,2025-11-18T11:20:00Z,2025-11-18T11:20:30Z,3,\"'=HYPERLINK(\"\"x\"\")\","
            ),
            "{}",
            lines[2]
        );
        assert!(csv.contains("\"a, \"\"b\"\"\nc\"\r\n"), "{csv}");
    }

    #[test]
    fn an_entry_without_count_reads_as_one() {
        let e: AuditEntry = serde_json::from_str(
            r#"{"id":1,"at":5,"actor":"ana","action":"sign_in","detail":"","last_at":5}"#,
        )
        .unwrap();
        assert_eq!((e.count, e.subject, e.address), (1, None, None));
    }
}
