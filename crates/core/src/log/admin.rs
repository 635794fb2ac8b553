//! The admin API's wire types (accounts, API tokens, the audit trail, the
//! team's webhooks and their deliveries, and the query parameters of those
//! that take any) and the audit trail as CSV: the server reads and answers
//! with these, the console's admin pages send and read them
//! (docs/protocol.md describes them; docs/schema/ has their schemas).

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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TeamHooksReply {
    pub hooks: Vec<TeamHook>,
}

/// `PUT /api/v1/hooks/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SavedTeamHook {
    pub hook: TeamHook,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// One event's delivery to one hook, with the receiver's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HookDeliveriesReply {
    pub deliveries: Vec<HookDelivery>,
}

/// The query of `GET /api/v1/hooks/{id}/deliveries?limit=N`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HookDeliveriesParams {
    /// How many, newest first: default 50, at most 500 (fewer than 1 is 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

impl HookDeliveriesParams {
    /// The parameters as the URL carries them, in order, before encoding.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        self.limit
            .map(|l| ("limit", l.to_string()))
            .into_iter()
            .collect()
    }
}

/// The audit page size unless the caller asks for another, and the most.
pub const AUDIT_PAGE: usize = 100;
pub const MAX_AUDIT_PAGE: usize = 1000;

/// One line of the audit trail. Failed sign-ins are one line per name,
/// address and minute, with `count` and `last_at`, so a flood of them is a
/// few lines rather than the whole trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// The query of `GET /api/v1/audit` (and of `GET /api/v1/audit.csv`, which
/// takes only `kind` and `account`). The numbers travel as the URL's text:
/// the server checks them itself, so a bad one is refused naming it
/// (`limit is from 1 to 1000, not "0"`) rather than with serde's words.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditParams {
    /// An entry id (a whole number above 0): only entries older than it,
    /// the `next` of the page before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Entries per page, 1 to 1000 (`MAX_AUDIT_PAGE`); 100 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// Only entries of this action (one of `AUDIT_KINDS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Only entries by or about this account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl AuditParams {
    /// Entries of one kind and by or about one account, either optional:
    /// the whole filter an export takes.
    pub fn filter(kind: Option<String>, account: Option<String>) -> AuditParams {
        AuditParams {
            kind,
            account,
            ..AuditParams::default()
        }
    }

    /// The same filter's page of `limit` entries older than `before`.
    pub fn page(&self, before: Option<i64>, limit: usize) -> AuditParams {
        AuditParams {
            before: before.map(|b| b.to_string()),
            limit: Some(limit.to_string()),
            ..self.clone()
        }
    }

    /// The parameters given, as the URL carries them in order, before
    /// encoding: `kind`, `account`, `limit`, `before`.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("kind", &self.kind),
            ("account", &self.account),
            ("limit", &self.limit),
            ("before", &self.before),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.clone()?)))
        .collect()
    }
}

/// `GET /api/v1/audit`: newest first; `next` is the `before` to ask for
/// the page after this one, absent on the last page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<i64>,
}

/// `GET /api/v1/accounts`: one account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AccountsReply {
    pub accounts: Vec<AccountInfo>,
}

/// `GET /api/v1/directory`: the people of the workspace, for every
/// signed-in reader to pick an incident commander or a task's assignee
/// from: names only, enabled accounts that are people (not monitor tokens'
/// accounts), by name. What only admins see stays in `AccountsReply`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DirectoryReply {
    pub people: Vec<Person>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Person {
    /// The account's name: what events carry as their author and what a
    /// role or a task names.
    pub name: String,
}

/// `POST /api/v1/accounts`: a new account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreateAccount {
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// `PATCH /api/v1/accounts/{name}`: any of a new role, a new password
/// (which ends the account's sessions and revokes its API tokens unless
/// `keep_tokens`), disabled or enabled.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// The answer to `POST /api/v1/accounts/{name}/sign-out`: how many browser
/// sessions of the account ended (its tokens stay).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SignedOutEverywhere {
    pub sessions_ended: u32,
}

/// `GET /api/v1/tokens`: one API token, never the token itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokenInfo {
    /// A short public name for the token (the start of its hash), for revoking it.
    pub id: String,
    pub account: String,
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokensReply {
    pub tokens: Vec<TokenInfo>,
}

/// The query of `GET /api/v1/tokens[?account=NAME]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokensParams {
    /// Only this account's tokens; every account's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl TokensParams {
    /// The parameters as the URL carries them, in order, before encoding.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        self.account
            .clone()
            .map(|a| ("account", a))
            .into_iter()
            .collect()
    }
}

/// `POST /api/v1/tokens` `{"account"}`: the token, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreateToken {
    pub account: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    fn audit_params_give_the_url_its_parameters_in_order_and_only_those_given() {
        let filter = AuditParams::filter(Some("sign_in".into()), Some("bo b".into()));
        assert_eq!(
            filter.pairs(),
            vec![("kind", "sign_in".into()), ("account", "bo b".into())],
            "an export asks with the filter alone"
        );
        assert_eq!(
            filter.page(Some(42), 50).pairs(),
            vec![
                ("kind", "sign_in".to_string()),
                ("account", "bo b".into()),
                ("limit", "50".into()),
                ("before", "42".into()),
            ]
        );
        assert_eq!(
            AuditParams::default().page(None, 50).pairs(),
            vec![("limit", "50".to_string())]
        );
    }

    #[test]
    fn audit_params_read_the_numbers_as_text_so_the_server_can_name_a_bad_one() {
        let p: AuditParams = serde_json::from_str(r#"{"before":"abc","limit":"0"}"#).unwrap();
        assert_eq!(
            (p.before.as_deref(), p.limit.as_deref()),
            (Some("abc"), Some("0"))
        );
        assert_eq!(
            serde_json::to_string(&AuditParams::default()).unwrap(),
            "{}"
        );
    }

    #[test]
    fn token_and_delivery_params_leave_out_what_is_not_asked() {
        assert!(TokensParams::default().pairs().is_empty());
        let one = TokensParams {
            account: Some("ci".into()),
        };
        assert_eq!(one.pairs(), vec![("account", "ci".to_string())]);
        assert!(HookDeliveriesParams::default().pairs().is_empty());
        let fifty = HookDeliveriesParams { limit: Some(50) };
        assert_eq!(fifty.pairs(), vec![("limit", "50".to_string())]);
    }

    #[test]
    fn signing_out_everywhere_answers_the_count_alone() {
        let reply = SignedOutEverywhere { sessions_ended: 2 };
        assert_eq!(
            serde_json::to_string(&reply).unwrap(),
            r#"{"sessions_ended":2}"#
        );
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
