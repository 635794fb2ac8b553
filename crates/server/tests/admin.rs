//! Accounts and API tokens managed by admins, through the API and the CLI,
//! against the real binary: what a disabled, removed or reset account can
//! still do (nothing, at once), tokens listed with their last use and
//! revoked, and the refusals.

mod common;

use common::*;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// The server closes this stream within `limit`: returns the reason.
async fn closed_within(ws: &mut Ws, limit: Duration) -> String {
    let began = std::time::Instant::now();
    loop {
        match tokio::time::timeout(limit.saturating_sub(began.elapsed()), ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => {
                return frame.map(|f| f.reason.to_string()).unwrap_or_default()
            }
            Ok(None) | Ok(Some(Err(_))) => return String::new(),
            Ok(Some(Ok(_))) => {}
            Err(_) => panic!("the stream was still open after {limit:?}"),
        }
    }
}

async fn sign_in(s: &Running, name: &str, password: &str) -> reqwest::Response {
    client()
        .post(s.url("/api/v1/session"))
        .json(&json!({"name": name, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn session_of(s: &Running, name: &str) -> String {
    let r = sign_in(s, name, PASSWORD).await;
    assert_eq!(r.status(), 200, "{name} signs in");
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_string()
}

/// GET /api/v1/session with a cookie or a bearer token: its status.
async fn who(s: &Running, header: &str, value: &str) -> u16 {
    client()
        .get(s.url("/api/v1/session"))
        .header(header, value)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn admin_call(
    s: &Running,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = s.client_as("admin").request(method, s.url(path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn cli(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    common::server_command(data)
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap()
}

async fn audited(s: &Running, kind: &str) -> Vec<Value> {
    let (status, page) = admin_call(
        s,
        reqwest::Method::GET,
        &format!("/api/v1/audit?kind={kind}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    page["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_disabled_or_removed_account_or_a_revoked_token_stops_working_at_once_streams_too() {
    let dir = temp_dir();
    let data = data_dir(&dir);
    let s = Running::start(&data);
    let t = s.tokens.clone();

    // Disabled: the session, the token and both their streams end.
    let cookie = session_of(&s, "responder").await;
    let mut on_cookie = stream_with(&s, "cookie", &cookie).await;
    let mut on_token = stream_with(&s, "authorization", &bearer(&t["responder"])).await;
    let (status, info) = admin_call(
        &s,
        reqwest::Method::PATCH,
        "/api/v1/accounts/responder",
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(status, 200, "{info}");
    assert!(info["disabled_at"].as_i64().is_some(), "{info}");
    assert_eq!(
        closed_within(&mut on_cookie, Duration::from_secs(1)).await,
        "signed out"
    );
    assert_eq!(
        closed_within(&mut on_token, Duration::from_secs(1)).await,
        "signed out"
    );
    assert_eq!(who(&s, "cookie", &cookie).await, 401);
    assert_eq!(
        who(&s, "authorization", &bearer(&t["responder"])).await,
        401
    );
    let (status, _) = post(&s, &[note("while-disabled", "x")]).await;
    assert_eq!(status, 401, "the token writes nothing");
    let r = sign_in(&s, "responder", PASSWORD).await;
    assert_eq!(r.status(), 403);
    let why: Value = r.json().await.unwrap();
    assert_eq!(why["error"], "this account is disabled; ask an admin");
    // Enabled again, its token works again.
    let (status, _) = admin_call(
        &s,
        reqwest::Method::PATCH,
        "/api/v1/accounts/responder",
        Some(json!({"disabled": false})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        who(&s, "authorization", &bearer(&t["responder"])).await,
        200
    );

    // A revoked token: listed with its last use, then gone, its stream closed.
    assert_eq!(who(&s, "authorization", &bearer(&t["viewer"])).await, 200);
    let (_, listed) = admin_call(
        &s,
        reqwest::Method::GET,
        "/api/v1/tokens?account=viewer",
        None,
    )
    .await;
    let tokens = listed["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1, "{listed}");
    assert_eq!(tokens[0]["account"], "viewer");
    assert!(
        tokens[0]["last_used_at"].as_i64().unwrap() >= CLOCK_START_MS,
        "{listed}"
    );
    assert!(
        !listed.to_string().contains(&t["viewer"]),
        "never the token itself"
    );
    let id = tokens[0]["id"].as_str().unwrap().to_string();
    let mut viewer = stream_with(&s, "authorization", &bearer(&t["viewer"])).await;
    let (status, _) = admin_call(
        &s,
        reqwest::Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        closed_within(&mut viewer, Duration::from_secs(1)).await,
        "signed out"
    );
    assert_eq!(who(&s, "authorization", &bearer(&t["viewer"])).await, 401);
    let (status, again) = admin_call(
        &s,
        reqwest::Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 404, "{again}");

    // Removed: sessions, tokens and streams end; the account is gone.
    let cookie = session_of(&s, "communicator").await;
    let mut comms = stream_with(&s, "cookie", &cookie).await;
    let (status, _) = admin_call(
        &s,
        reqwest::Method::DELETE,
        "/api/v1/accounts/communicator",
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        closed_within(&mut comms, Duration::from_secs(1)).await,
        "signed out"
    );
    assert_eq!(who(&s, "cookie", &cookie).await, 401);
    assert_eq!(
        who(&s, "authorization", &bearer(&t["communicator"])).await,
        401
    );
    assert_eq!(sign_in(&s, "communicator", PASSWORD).await.status(), 401);
    let (_, all) = admin_call(&s, reqwest::Method::GET, "/api/v1/accounts", None).await;
    let names: Vec<&str> = all["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "responder", "viewer"]);

    // The CLI does the same to a running server.
    let cookie = session_of(&s, "viewer").await;
    let mut on_cli = stream_with(&s, "cookie", &cookie).await;
    let out = cli(&data, &["account", "disable", "--name", "viewer"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        closed_within(&mut on_cli, Duration::from_secs(1)).await,
        "signed out"
    );

    // Each change is audited under the admin who made it.
    for kind in [
        "account_disabled",
        "account_enabled",
        "token_revoked",
        "account_removed",
    ] {
        let entries = audited(&s, kind).await;
        assert!(!entries.is_empty(), "{kind}");
        let last = entries.last().unwrap();
        assert_eq!(last["actor"], "admin", "{kind}: {last}");
    }
}

#[tokio::test]
async fn a_password_reset_revokes_the_accounts_tokens_unless_the_admin_keeps_them() {
    let dir = temp_dir();
    let data = data_dir(&dir);
    let s = Running::start(&data);
    let old = s.tokens["responder"].clone();
    let cookie = session_of(&s, "responder").await;
    let (status, info) = admin_call(
        &s,
        reqwest::Method::PATCH,
        "/api/v1/accounts/responder",
        Some(json!({"password": "a whole new password"})),
    )
    .await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(
        (info["sessions"].as_u64(), info["tokens"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(
        who(&s, "authorization", &bearer(&old)).await,
        401,
        "the old token is revoked"
    );
    assert_eq!(who(&s, "cookie", &cookie).await, 401, "the session ended");
    assert_eq!(
        sign_in(&s, "responder", "a whole new password")
            .await
            .status(),
        200
    );
    let revoked = audited(&s, "tokens_revoked").await;
    assert_eq!(revoked[0]["subject"], "responder");

    // A new token, then a reset that keeps it.
    let (status, made) = admin_call(
        &s,
        reqwest::Method::POST,
        "/api/v1/tokens",
        Some(json!({"account": "responder"})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let token = made["token"].as_str().unwrap().to_string();
    assert_eq!(made["id"].as_str().unwrap().len(), 12);
    let (status, _) = admin_call(
        &s,
        reqwest::Method::PATCH,
        "/api/v1/accounts/responder",
        Some(json!({"password": "yet another password", "keep_tokens": true})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(who(&s, "authorization", &bearer(&token)).await, 200, "kept");

    // The CLI's reset revokes them too, unless --keep-tokens.
    let keep = cli_reset(&data, true);
    assert!(
        keep.status.success(),
        "{}",
        String::from_utf8_lossy(&keep.stderr)
    );
    assert_eq!(
        who(&s, "authorization", &bearer(&token)).await,
        200,
        "--keep-tokens"
    );
    let drop = cli_reset(&data, false);
    assert!(drop.status.success());
    assert_eq!(
        who(&s, "authorization", &bearer(&token)).await,
        401,
        "revoked by the CLI"
    );
}

/// `account create` on an existing name, the password piped in.
fn cli_reset(data: &std::path::Path, keep_tokens: bool) -> std::process::Output {
    use std::io::Write;
    let mut args = vec![
        "account",
        "create",
        "--name",
        "responder",
        "--role",
        "responder",
    ];
    if keep_tokens {
        args.push("--keep-tokens");
    }
    let mut child = common::server_command(data)
        .args(&args)
        .arg("--data")
        .arg(data)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn only_admins_manage_accounts_and_the_last_admin_stays() {
    let dir = temp_dir();
    let data = data_dir(&dir);
    let s = Running::start(&data);
    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/accounts"),
        (reqwest::Method::GET, "/api/v1/tokens"),
        (reqwest::Method::DELETE, "/api/v1/accounts/viewer"),
        (reqwest::Method::POST, "/api/v1/accounts/viewer/sign-out"),
    ] {
        let r = s
            .client_as("communicator")
            .request(method.clone(), s.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{method} {path}");
    }
    let patch = reqwest::Method::PATCH;
    for (body, says) in [
        (
            json!({"role": "viewer"}),
            "admin is the last enabled admin; make another admin first",
        ),
        (
            json!({"disabled": true}),
            "admin is the last enabled admin; make another admin first",
        ),
    ] {
        let (status, why) =
            admin_call(&s, patch.clone(), "/api/v1/accounts/admin", Some(body)).await;
        assert_eq!((status, why["error"].as_str().unwrap()), (409, says));
    }
    let (status, _) = admin_call(&s, reqwest::Method::DELETE, "/api/v1/accounts/admin", None).await;
    assert_eq!(status, 409);
    let out = cli(&data, &["account", "remove", "--name", "admin"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("last enabled admin"));

    let post = reqwest::Method::POST;
    for (body, status, says) in [
        (
            json!({"name": "dana", "role": "admin", "password": "short"}),
            422,
            "12 characters",
        ),
        (
            json!({"name": " dana", "role": "admin", "password": PASSWORD}),
            422,
            "spaces",
        ),
        (
            json!({"name": "viewer", "role": "admin", "password": PASSWORD}),
            409,
            "already an account named viewer",
        ),
        (
            json!({"name": "dana", "role": "root", "password": PASSWORD}),
            400,
            "role",
        ),
    ] {
        let (got, why) = admin_call(&s, post.clone(), "/api/v1/accounts", Some(body.clone())).await;
        assert_eq!(got, status, "{body}: {why}");
        assert!(
            why["error"].as_str().unwrap().contains(says),
            "{body}: {why}"
        );
    }
    let (status, dana) = admin_call(
        &s,
        post.clone(),
        "/api/v1/accounts",
        Some(json!({"name": "dana", "role": "admin", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 201, "{dana}");
    assert_eq!(dana["role"], "admin");
    // With another admin, the first may step down.
    let (status, _) = admin_call(
        &s,
        patch.clone(),
        "/api/v1/accounts/admin",
        Some(json!({"role": "responder"})),
    )
    .await;
    assert_eq!(status, 200);

    for (method, path, body, status) in [
        (
            patch.clone(),
            "/api/v1/accounts/nobody",
            Some(json!({"role": "viewer"})),
            404,
        ),
        (
            patch.clone(),
            "/api/v1/accounts/viewer",
            Some(json!({})),
            422,
        ),
        (
            patch.clone(),
            "/api/v1/accounts/viewer",
            Some(json!({"password": "short"})),
            422,
        ),
        (
            reqwest::Method::DELETE,
            "/api/v1/accounts/nobody",
            None,
            404,
        ),
        (reqwest::Method::DELETE, "/api/v1/tokens/xyz", None, 400),
        (
            reqwest::Method::DELETE,
            "/api/v1/tokens/000000000000",
            None,
            404,
        ),
        (
            post.clone(),
            "/api/v1/tokens",
            Some(json!({"account": "nobody"})),
            404,
        ),
    ] {
        // dana acts now: the first admin stepped down.
        let dana_token = {
            let out = cli(&data, &["token", "create", "--name", "dana"]);
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        };
        let mut req = client()
            .request(method.clone(), s.url(path))
            .header("authorization", bearer(&dana_token));
        if let Some(b) = &body {
            req = req.json(b);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{method} {path}");
        let why: Value = r.json().await.unwrap();
        assert!(
            why["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{why}"
        );
    }

    // Sign out everywhere ends sessions, not tokens.
    let cookie = session_of(&s, "viewer").await;
    let out = cli(&data, &["token", "create", "--name", "dana"]);
    let dana_token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let r = client()
        .post(s.url("/api/v1/accounts/viewer/sign-out"))
        .header("authorization", bearer(&dana_token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["sessions_ended"], 1);
    assert_eq!(who(&s, "cookie", &cookie).await, 401);
    assert_eq!(
        who(&s, "authorization", &bearer(&s.tokens["viewer"])).await,
        200
    );

    // The CLI lists accounts and tokens, and revokes by id.
    let out = cli(&data, &["account", "list"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("dana\tadmin\tenabled")),
        "{listed}"
    );
    let out = cli(&data, &["token", "list", "--name", "viewer"]);
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    let line = listed.lines().next().expect("viewer's token");
    assert!(
        line.contains("\tviewer\tcreated ") && !line.ends_with("never used"),
        "{line}"
    );
    let id = line.split('\t').next().unwrap();
    let out = cli(&data, &["token", "revoke", "--id", id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        who(&s, "authorization", &bearer(&s.tokens["viewer"])).await,
        401
    );
}
