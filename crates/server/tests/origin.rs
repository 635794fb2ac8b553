//! Only pages from the server's own origin (or one an admin allowed with
//! `--allowed-origin`) may open the stream or sign in; requests without an
//! Origin (tools, the CLI's tokens) pass. Sign-in takes JSON only, so a form
//! or text/plain post from another site cannot sign a browser in.

mod common;

use common::*;
use serde_json::json;

async fn stream_status(s: &Running, origin: Option<&str>) -> u16 {
    let mut req = s.ws_as("viewer", "/api/v1/stream");
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => 101,
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("{e}"),
    }
}

async fn sign_in_from(
    s: &Running,
    origin: Option<&str>,
    content_type: &str,
    body: String,
) -> reqwest::Response {
    let mut req = client()
        .post(s.url("/api/v1/session"))
        .header("content-type", content_type)
        .body(body);
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    req.send().await.unwrap()
}

fn credentials() -> String {
    json!({"name": "viewer", "password": PASSWORD}).to_string()
}

#[tokio::test]
async fn a_page_from_another_origin_can_neither_open_the_stream_nor_sign_in() {
    let s = fresh_server();
    let own = s.base.clone();
    let port: u16 = s.addr.rsplit(':').next().unwrap().parse().unwrap();
    let other_port = format!("http://127.0.0.1:{}", port.wrapping_add(1));

    assert_eq!(stream_status(&s, None).await, 101, "a tool sends no Origin");
    assert_eq!(stream_status(&s, Some(&own)).await, 101);
    for bad in ["http://evil.example", "null", other_port.as_str()] {
        assert_eq!(stream_status(&s, Some(bad)).await, 403, "{bad}");
    }

    let json_type = "application/json";
    let resp = sign_in_from(&s, Some("http://evil.example"), json_type, credentials()).await;
    assert_eq!(resp.status(), 403);
    assert!(resp.headers().get("set-cookie").is_none());
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("--allowed-origin"),
        "{body}"
    );

    // Bodies a cross-site form can send without asking are not sign-ins.
    for (ct, body) in [
        ("text/plain", credentials()),
        (
            "application/x-www-form-urlencoded",
            format!("name=viewer&password={}", PASSWORD.replace(' ', "+")),
        ),
    ] {
        let resp = sign_in_from(&s, None, ct, body).await;
        assert_eq!(resp.status(), 415, "{ct}");
        assert!(resp.headers().get("set-cookie").is_none());
    }

    let resp = sign_in_from(&s, Some(&own), json_type, credentials()).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("set-cookie").is_some());
    let resp = sign_in_from(&s, None, json_type, credentials()).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn an_origin_allowed_on_the_command_line_may_sign_in_and_open_the_stream() {
    let dir = temp_dir();
    let data = data_dir(&dir);
    let s = Running::start_with_args(
        &data,
        &data.join("no-console"),
        &["--allowed-origin", "https://Sitrep.Example.com/"],
    );
    assert_eq!(
        stream_status(&s, Some("https://sitrep.example.com")).await,
        101
    );
    assert_eq!(
        stream_status(&s, Some("https://other.example.com")).await,
        403
    );
    let resp = sign_in_from(
        &s,
        Some("https://sitrep.example.com"),
        "application/json",
        credentials(),
    )
    .await;
    assert_eq!(resp.status(), 200);

    // A malformed flag stops the server with a reason.
    let out = common::server_command(&data)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--allowed-origin",
            "sitrep.example.com",
            "--data",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("https://"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
