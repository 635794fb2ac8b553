//! Signing in and out against the real binary: the cookie's attributes,
//! wrong passwords, expiry, the websocket on a cookie, the CLI's refusals,
//! and the audit trail admins read.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn sign_in(s: &Running, name: &str, password: &str) -> reqwest::Response {
    client()
        .post(s.url("/api/v1/session"))
        .json(&json!({"name": name, "password": password}))
        .send()
        .await
        .unwrap()
}

fn cookie_of(resp: &reqwest::Response) -> String {
    resp.headers()["set-cookie"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn signing_in_sets_an_httponly_strict_cookie_that_says_who_you_are() {
    let s = fresh_server();
    let resp = sign_in(&s, "communicator", PASSWORD).await;
    assert_eq!(resp.status(), 200);
    let cookie = cookie_of(&resp);
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP on loopback: {cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_string();
    let me: Value = client()
        .get(s.url("/api/v1/session"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], "communicator");
    assert_eq!(me["role"], "communicator");
    assert!(me["expires_at"].as_i64().unwrap() > 0);

    // The websocket takes the same cookie.
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://{}/api/v1/stream", s.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("cookie", pair.parse().unwrap());
    assert!(tokio_tungstenite::connect_async(req).await.is_ok());

    // Signing out ends the session on the server, not just in the browser.
    let out = client()
        .delete(s.url("/api/v1/session"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert!(cookie_of(&out).contains("Max-Age=0"));
    let after = client()
        .get(s.url("/api/v1/session"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
}

#[tokio::test]
async fn a_wrong_password_or_unknown_name_is_refused_alike() {
    let s = fresh_server();
    let wrong = sign_in(&s, "admin", "not the password at all").await;
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    let w: Value = wrong.json().await.unwrap();
    let unknown: Value = sign_in(&s, "nobody", PASSWORD).await.json().await.unwrap();
    assert_eq!(w, unknown, "the answer does not tell which names exist");
}

#[tokio::test]
async fn a_session_expires_and_then_nothing_is_accepted_on_it() {
    let dir = temp_dir();
    let s = Running::start_with_args(
        &data_dir(&dir),
        &dir.path().join("none"),
        &["--session-ms", "1500"],
    );
    let resp = sign_in(&s, "responder", PASSWORD).await;
    let pair = cookie_of(&resp).split(';').next().unwrap().to_string();
    let post = |id: &'static str| {
        client()
            .post(s.url("/api/v1/events"))
            .header("cookie", pair.clone())
            .json(&json!({"events": [note(id, "x")]}))
            .send()
    };
    assert_eq!(post("before").await.unwrap().status(), 200);
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://{}/api/v1/stream", s.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("cookie", pair.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    // The open stream is closed when the session ends.
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(frame))) => {
                    return frame.map(|f| f.reason.to_string()).unwrap_or_default()
                }
                None | Some(Err(_)) => return String::from("dropped"),
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .expect("the stream ends with the session");
    assert!(closed.contains("session expired"), "{closed}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let late = post("after").await.unwrap();
    assert_eq!(late.status(), 401);
    assert_eq!(whole_log(&s).await.len(), 1);
}

#[tokio::test]
async fn the_cli_refuses_short_passwords_and_unknown_roles() {
    let dir = temp_dir();
    let data = data_dir(&dir);
    let short = create_account(&data, "eve", "admin", "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("12 characters"));
    let role = create_account(&data, "eve", "root", PASSWORD);
    assert!(!role.status.success());
    let count = common::server_command(&data)
        .args(["account", "count", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&count.stdout).trim(), "0");
}

#[tokio::test]
async fn sign_ins_failures_and_token_creation_are_in_the_audit_trail_admins_read() {
    let s = fresh_server();
    sign_in(&s, "viewer", PASSWORD).await;
    sign_in(&s, "viewer", "wrong wrong wrong").await;
    let mut setting = note("setting-1", "x");
    setting["incident"] = json!("workspace");
    setting["body"] = json!({"kind": "role_defined", "role": "liaison", "name": "Liaison"});
    let posted = s
        .client_as("admin")
        .post(s.url("/api/v1/events"))
        .json(&json!({"events": [setting.clone(), setting]}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    let (status, trail) = {
        let r = s
            .client_as("admin")
            .get(s.url("/api/v1/audit"))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 200);
    let seen: Vec<(String, String)> = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().into(),
                e["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    for want in [
        ("install", "account_created"),
        ("install", "token_created"),
        ("viewer", "sign_in"),
        ("viewer", "sign_in_failed"),
        ("admin", "settings_changed"),
    ] {
        assert!(
            seen.contains(&(want.0.into(), want.1.into())),
            "{want:?} in {seen:?}"
        );
    }
    let settings = seen.iter().filter(|(_, a)| a == "settings_changed").count();
    assert_eq!(settings, 1, "a setting posted twice is one change");
    // Only admins read it.
    let r = s
        .client_as("communicator")
        .get(s.url("/api/v1/audit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

/// Waits for the server to close this stream; returns the close reason
/// and how long it took.
async fn closed_within(ws: &mut Ws, limit: Duration) -> (String, Duration) {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let began = std::time::Instant::now();
    loop {
        match tokio::time::timeout(limit.saturating_sub(began.elapsed()), ws.next()).await {
            Ok(Some(Ok(Message::Close(Some(frame))))) => {
                assert_eq!(u16::from(frame.code), 1008, "{frame:?}");
                return (frame.reason.to_string(), began.elapsed());
            }
            Ok(Some(Ok(Message::Close(None)))) | Ok(None) | Ok(Some(Err(_))) => {
                return (String::new(), began.elapsed())
            }
            Ok(Some(Ok(_))) => {}
            Err(_) => panic!("the stream was still open after {limit:?}"),
        }
    }
}

/// The stream is open and live: a note posted now arrives on it.
async fn still_live(s: &Running, ws: &mut Ws, id: &str) {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    // As the admin: a password reset revokes the responder's token.
    let (status, _) = post_as(s, "admin", &[note(id, "still here?")]).await;
    assert_eq!(status, 200);
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a message within 5 s")
            .expect("the stream is open")
            .expect("a frame");
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "event" && v["event"]["id"] == id {
                return;
            }
        }
    }
}

fn session_pair(resp: &reqwest::Response) -> String {
    cookie_of(resp).split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn signing_out_resetting_a_password_or_changing_a_role_closes_that_accounts_streams_within_a_second(
) {
    let dir = temp_dir();
    let data = data_dir(&dir);
    let s = Running::start(&data);
    let a = session_pair(&sign_in(&s, "responder", PASSWORD).await);
    let b = session_pair(&sign_in(&s, "responder", PASSWORD).await);
    let mut on_a = stream_with(&s, "cookie", &a).await;
    let mut on_b = stream_with(&s, "cookie", &b).await;
    let viewer = format!("Bearer {}", s.tokens["viewer"]);
    let mut viewer_token = stream_with(&s, "authorization", &viewer).await;
    let admin = format!("Bearer {}", s.tokens["admin"]);
    let mut other = stream_with(&s, "authorization", &admin).await;

    // Signing out closes the streams of that session, not the account's others.
    let out = client()
        .delete(s.url("/api/v1/session"))
        .header("cookie", &a)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let (reason, took) = closed_within(&mut on_a, Duration::from_secs(1)).await;
    assert_eq!(reason, "signed out");
    println!("signed out: closed in {took:?}");
    still_live(&s, &mut on_b, "n-1").await;

    // A password reset from the CLI ends every session, and their streams.
    let out = create_account(&data, "responder", "responder", "a brand new password");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (reason, took) = closed_within(&mut on_b, Duration::from_secs(1)).await;
    assert_eq!(reason, "signed out");
    println!("password reset: closed in {took:?}");

    // A role change closes the account's token streams too; the console
    // comes back with the new role.
    let out = common::server_command(&data)
        .args([
            "account",
            "role",
            "--name",
            "viewer",
            "--role",
            "responder",
            "--data",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (reason, _) = closed_within(&mut viewer_token, Duration::from_secs(1)).await;
    assert_eq!(reason, "role changed");

    // Another account's stream is untouched by all of it.
    still_live(&s, &mut other, "n-2").await;
}
