//! Email to subscribers against a real SMTP server (Python's aiosmtpd, on a
//! free loopback port) and the real binary: double opt-in, the approved
//! text with its headers and one-click unsubscribe, per-component choice,
//! exactly once per update and subscriber across a kill in mid-send, a
//! server that refuses (shown with its own words, then Retry), one that is
//! down, STARTTLS with a password from a file or the environment that never
//! reaches the log, pacing at `--smtp-rate`, the limits on who may subscribe
//! how often, and bounces mailed back later (RFC 3464 notifications made by
//! Python's email package) handed to `POST /api/v1/email/bounces`.

mod common;

use common::comms::{self, Text};
use common::pyenv::SmtpSink;
use common::Running;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const PAGE: &str = "https://status.example.com";

fn args(port: u16, extra: &[String]) -> Vec<String> {
    let mut a: Vec<String> = [
        "--post-rate",
        "100000",
        "--post-burst",
        "100000",
        "--publish-retry-base-ms",
        "100",
        "--publish-attempts",
        "3",
        "--status-page-url",
        PAGE,
        "--status-page-name",
        "Example status",
        "--smtp-from",
        "Example status <status@example.com>",
        "--smtp-rate",
        "50",
        "--smtp-timeout-ms",
        "5000",
        "--subscribe-burst",
        "1000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.push("--smtp".into());
    a.push(format!("smtp://127.0.0.1:{port}?tls=none"));
    a.extend_from_slice(extra);
    a
}

fn start(data: &Path, sink_port: u16, extra: &[String]) -> Running {
    let a = args(sink_port, extra);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    Running::start_with_args(data, &data.join("no-console"), &a)
}

/// POSTs the subscribe form; returns (status, page).
async fn subscribe(s: &Running, email: &str, components: &[&str]) -> (u16, String) {
    let mut form: Vec<(&str, &str)> = vec![("kind", "email"), ("email", email)];
    for c in components {
        form.push(("component", c));
    }
    let resp = comms::post_form(&s.url("/status/subscribe"), &form).await;
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// The address an email's link points at, on the test server.
fn local(s: &Running, link: &str) -> String {
    s.url(
        link.strip_prefix(PAGE)
            .unwrap_or_else(|| panic!("{link} is not on {PAGE}")),
    )
}

/// Finds the link after `label` in a message's body.
fn link_after(body: &str, label: &str) -> String {
    let at = body
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in {body}"));
    body[at + label.len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// Waits for the confirmation email to `email`, then confirms through the
/// page (opening the link alone changes nothing; the button does).
async fn confirm(s: &Running, sink: &SmtpSink, email: &str) {
    let mut link = String::new();
    comms::eventually(Duration::from_secs(15), || {
        let found = sink.messages().into_iter().rfind(|m| {
            m.rcpt_tos == [email]
                && m.header("Subject")
                    .is_some_and(|x| x.starts_with("Confirm"))
        });
        let r = match found {
            Some(m) => {
                link = link_after(&m.body(), "Confirm here: ");
                Ok(())
            }
            None => Err(format!("no confirmation to {email} yet")),
        };
        async move { r }
    })
    .await;
    let page = common::client().get(local(s, &link)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Confirm subscription"));
    let token = link.split("token=").nth(1).unwrap().to_string();
    let done = comms::post_form(
        &s.url("/status/subscribe/confirm"),
        &[("token", token.as_str())],
    )
    .await;
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("You are subscribed"));
}

fn about(sink: &SmtpSink, subject: &str) -> Vec<common::pyenv::Accepted> {
    sink.messages()
        .into_iter()
        .filter(|m| m.header("Subject").as_deref() == Some(subject))
        .collect()
}

#[tokio::test]
async fn a_confirmed_subscriber_gets_the_approved_email_with_its_headers_and_can_leave_with_one_click(
) {
    let dir = common::temp_dir();
    let sink = SmtpSink::start(&dir.path().join("sink"), &[]);
    let s = start(&common::data_dir(&dir), sink.port, &[]);
    comms::catalogue(&s).await;

    // Bad input gets a clear answer and nothing is sent.
    let (status, page) = subscribe(&s, "ana@", &[]).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("after the @ comes a domain like example.com"),
        "{page}"
    );
    let (status, page) = subscribe(&s, "ana@example.com", &["no-such-component"]).await;
    assert_eq!(status, 422, "{page}");

    let (status, page) = subscribe(&s, "ana@example.com", &[]).await;
    assert_eq!(status, 200);
    assert!(page.contains("Check your inbox"));
    // Bo only cares about the website.
    assert_eq!(subscribe(&s, "bo@example.com", &["web"]).await.0, 200);
    // Before confirming, nothing but the confirmation goes out.
    let inc = comms::declare(&s, "db-7 internal").await;
    let early = comms::publish(
        &s,
        &inc,
        &Text {
            email_subject: "Early",
            ..Text::default()
        },
        &["own", "email"],
    )
    .await;
    assert_eq!(
        comms::settled(&s, &early, "email", 0, Duration::from_secs(15)).await,
        ("sent".into(), "no confirmed subscribers to send to".into())
    );
    confirm(&s, &sink, "ana@example.com").await;
    confirm(&s, &sink, "bo@example.com").await;
    assert!(about(&sink, "Early").is_empty());

    let update = comms::publish(&s, &inc, &Text::default(), &["own", "email"]).await;
    let (state, detail) = comms::settled(&s, &update, "email", 0, Duration::from_secs(15)).await;
    assert_eq!(
        (state.as_str(), detail.as_str()),
        ("sent", "sent to 1 subscriber"),
        "bo chose the website only"
    );
    let mails = about(&sink, "[Investigating] Checkout trouble");
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.rcpt_tos, ["ana@example.com"]);
    // Bounces come back to this copy's own address (VERP), from the From.
    let token = m
        .mail_from
        .strip_prefix("status+")
        .and_then(|t| t.strip_suffix("@example.com"))
        .unwrap_or_else(|| panic!("envelope sender {}", m.mail_from));
    assert!(
        token.len() == 26
            && token
                .bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)),
        "{token}"
    );
    let from = m.header("From").unwrap();
    assert!(
        from.contains("Example status") && from.contains("<status@example.com>"),
        "{from}"
    );
    assert_eq!(m.header("To").as_deref(), Some("ana@example.com"));
    let unsubscribe = m.header("List-Unsubscribe").unwrap();
    assert!(
        unsubscribe.starts_with("<https://status.example.com/status/unsubscribe?token="),
        "{unsubscribe}"
    );
    assert_eq!(
        m.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert_eq!(
        m.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(m
        .header("Message-ID")
        .unwrap()
        .starts_with(&format!("<update.{update}.")));
    let body = m.body();
    assert!(
        body.starts_with("Hello,\n\nSome card payments fail."),
        "{body}"
    );
    assert!(body.contains("Follow this incident: https://status.example.com/status/incidents/"));
    let stop = link_after(&body, "Stop these emails: ");
    assert_eq!(format!("<{stop}>"), unsubscribe);
    assert!(!body.contains("db-7"));

    // One click from the mail client (RFC 8058), and nothing more comes.
    let clicked = common::client()
        .post(local(&s, &stop))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(clicked.status(), 200);
    assert!(clicked
        .text()
        .await
        .unwrap()
        .contains("You are unsubscribed"));
    let later = comms::publish(
        &s,
        &inc,
        &Text {
            email_subject: "Later",
            ..Text::default()
        },
        &["own", "email"],
    )
    .await;
    assert_eq!(
        comms::settled(&s, &later, "email", 0, Duration::from_secs(15))
            .await
            .1,
        "no confirmed subscribers to send to"
    );
    assert!(about(&sink, "Later").is_empty());
}

#[tokio::test]
async fn each_subscriber_gets_an_update_exactly_once_across_a_kill_in_mid_send() {
    let dir = common::temp_dir();
    let data = common::data_dir(&dir);
    let sink = SmtpSink::start(&dir.path().join("sink"), &[]);
    let s = start(&data, sink.port, &[]);
    comms::catalogue(&s).await;
    let people = [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
    ];
    for p in people {
        assert_eq!(subscribe(&s, p, &[]).await.0, 200);
        confirm(&s, &sink, p).await;
    }
    // The 4 confirmations were DATA 1-4; hold the 2nd copy of the update.
    sink.control(json!({"stall_on": 6}));
    let inc = comms::declare(&s, "internal").await;
    let update = comms::publish(&s, &inc, &Text::default(), &["own", "email"]).await;
    comms::eventually(Duration::from_secs(15), || {
        let r = if sink.stalled() {
            Ok(())
        } else {
            Err("not stalled yet".to_string())
        };
        async move { r }
    })
    .await;
    // A crash in mid-send: no chance to record anything.
    s.kill();
    sink.control(json!({}));
    let s = start(&data, sink.port, &[]);
    let (state, detail) = comms::settled(&s, &update, "email", 0, Duration::from_secs(30)).await;
    assert_eq!(
        (state.as_str(), detail.as_str()),
        ("sent", "sent to 4 subscribers")
    );
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    for m in about(&sink, "[Investigating] Checkout trouble") {
        *per.entry(m.rcpt_tos.join(",")).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = people.iter().map(|p| (p.to_string(), 1)).collect();
    assert_eq!(per, expected, "each subscriber exactly once");
    // And no confirmation went out twice either.
    assert_eq!(sink.messages().len(), 8);
}

#[tokio::test]
async fn a_refusing_smtp_server_shows_its_words_per_update_and_retry_sends_only_what_failed() {
    let dir = common::temp_dir();
    let sink = SmtpSink::start(&dir.path().join("sink"), &[]);
    let s = start(&common::data_dir(&dir), sink.port, &[]);
    comms::catalogue(&s).await;
    for p in ["ana@example.com", "bo@example.com"] {
        subscribe(&s, p, &[]).await;
        confirm(&s, &sink, p).await;
    }
    sink.control(json!({"refuse_rcpt": {"bo@example.com": "550 5.1.1 <bo@example.com>: Recipient address rejected: User unknown"}}));
    let inc = comms::declare(&s, "internal").await;
    let update = comms::publish(&s, &inc, &Text::default(), &["own", "email"]).await;
    let (state, detail) = comms::settled(&s, &update, "email", 0, Duration::from_secs(15)).await;
    assert_eq!(state, "failed");
    assert!(
        detail.starts_with("failed for 1 of 2 subscribers: bo@example.com: 550 5.1.1 <bo@example.com>: Recipient address rejected"),
        "{detail}"
    );
    // The update stays published everywhere else.
    let summary: Value = common::client()
        .get(s.url("/api/v2/summary.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["incidents"][0]["name"], "Checkout trouble");
    assert_eq!(
        comms::settled(&s, &update, "own", 0, Duration::from_secs(10))
            .await
            .0,
        "sent"
    );

    // The whole server refuses now; a retry is refused again, in its words.
    sink.control(json!({"refuse_data": "554 5.7.1 Relay access denied"}));
    let retry = || async {
        s.client_as("communicator")
            .post(s.url("/api/v1/publish/retry"))
            .json(&json!({"update": update, "target": "email"}))
            .send()
            .await
            .unwrap()
    };
    let before = comms::reports(&s, &update, "email").await.len();
    assert_eq!(retry().await.status().as_u16(), 202);
    let (state, detail) =
        comms::settled(&s, &update, "email", before, Duration::from_secs(15)).await;
    assert_eq!(state, "failed");
    assert!(
        detail.contains("bo@example.com: 554 5.7.1 Relay access denied"),
        "{detail}"
    );

    // Fixed: the retry sends bo's copy only.
    sink.control(json!({}));
    let before = comms::reports(&s, &update, "email").await.len();
    assert_eq!(retry().await.status().as_u16(), 202);
    let (state, detail) =
        comms::settled(&s, &update, "email", before, Duration::from_secs(15)).await;
    assert_eq!(
        (state.as_str(), detail.as_str()),
        ("sent", "sent to 2 subscribers")
    );
    let mails = about(&sink, "[Investigating] Checkout trouble");
    let to: Vec<String> = mails.iter().map(|m| m.rcpt_tos.join(",")).collect();
    assert_eq!(to, ["ana@example.com", "bo@example.com"]);
    // Nothing failed any more: retrying now is refused.
    assert_eq!(retry().await.status().as_u16(), 409);
}

#[tokio::test]
async fn with_the_smtp_server_down_the_email_fails_with_the_reason_and_the_update_is_published_elsewhere(
) {
    let dir = common::temp_dir();
    let sink = SmtpSink::start(&dir.path().join("sink"), &[]);
    let port = sink.port;
    let s = start(&common::data_dir(&dir), port, &[]);
    comms::catalogue(&s).await;
    subscribe(&s, "ana@example.com", &[]).await;
    confirm(&s, &sink, "ana@example.com").await;
    drop(sink);
    let inc = comms::declare(&s, "internal").await;
    let update = comms::publish(&s, &inc, &Text::default(), &["own", "email"]).await;
    let (state, detail) = comms::settled(&s, &update, "email", 0, Duration::from_secs(20)).await;
    assert_eq!(state, "failed");
    assert!(
        detail.contains("ana@example.com: gave up after 3 attempts: cannot reach the SMTP server"),
        "{detail}"
    );
    let page = common::client()
        .get(s.url("/status"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Checkout trouble"));
}

/// A private CA and a certificate for `localhost` signed by it (openssl).
fn certificates(dir: &Path) -> (String, String, String) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Sitrep test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
    (p("ca.pem"), p("leaf.pem"), p("leaf.key"))
}

/// Where the SMTP password comes from: never the URL, never the log.
enum Password {
    File,
    Environment,
}

/// Sends one update over STARTTLS with the password given as `how`, then
/// checks it went over TLS, authenticated, and the log never printed it.
/// Returns the data dir for more checks.
async fn send_over_starttls(dir: &tempfile::TempDir, how: Password) -> std::path::PathBuf {
    let (ca, cert, key) = certificates(dir.path());
    let sink = SmtpSink::start(
        &dir.path().join("sink"),
        &[
            "--tls",
            &cert,
            &key,
            "--auth",
            "status-mailer",
            "correct-battery-7",
        ],
    );
    let log = dir.path().join("server.log");
    let data = common::data_dir(dir);
    let mut a = args(sink.port, &[]);
    let at = a.iter().position(|x| x == "--smtp").unwrap();
    a[at + 1] = format!("smtp://status-mailer@localhost:{}", sink.port);
    a.extend(["--smtp-ca".to_string(), ca]);
    let mut env: Vec<(&str, &str)> = Vec::new();
    match how {
        Password::File => {
            let pw = dir.path().join("smtp-password");
            std::fs::write(&pw, "correct-battery-7\n").unwrap();
            a.extend([
                "--smtp-password-file".to_string(),
                pw.to_string_lossy().into_owned(),
            ]);
        }
        Password::Environment => env.push(("SITREP_SMTP_PASSWORD", "correct-battery-7")),
    }
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let s = Running::start_with(&data, &data.join("no-console"), &a, &env, Some(&log));
    comms::catalogue(&s).await;
    subscribe(&s, "ana@example.com", &[]).await;
    confirm(&s, &sink, "ana@example.com").await;
    let inc = comms::declare(&s, "internal").await;
    let update = comms::publish(&s, &inc, &Text::default(), &["email"]).await;
    assert_eq!(
        comms::settled(&s, &update, "email", 0, Duration::from_secs(15))
            .await
            .0,
        "sent"
    );
    assert!(
        sink.messages().iter().all(|m| m.tls),
        "every message went over TLS"
    );
    let auth = std::fs::read_to_string(dir.path().join("sink/auth.log")).unwrap();
    assert!(
        !auth.is_empty() && auth.lines().all(|l| l == "status-mailer ok"),
        "{auth}"
    );
    drop(s);
    let printed = std::fs::read_to_string(&log).unwrap();
    assert!(
        printed.contains("Sitrep is running at"),
        "the log was captured: {printed}"
    );
    assert!(!printed.contains("correct-battery-7"), "{printed}");
    data
}

#[tokio::test]
async fn starttls_and_a_password_from_the_environment_work_and_the_password_never_reaches_the_log()
{
    let dir = common::temp_dir();
    send_over_starttls(&dir, Password::Environment).await;
}

#[tokio::test]
async fn starttls_and_a_password_from_a_file_work_and_the_password_never_reaches_the_log() {
    let dir = common::temp_dir();
    let data = send_over_starttls(&dir, Password::File).await;

    // A password in the URL is refused before anything starts, unprinted.
    let out = Command::new(env!("CARGO_BIN_EXE_sitrep-server"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(&data)
        .args([
            "--smtp",
            "smtp://u:hunter2@localhost:25",
            "--smtp-from",
            "s@example.com",
            "--status-page-url",
            PAGE,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("leave the password out of the URL"), "{said}");
    assert!(!said.contains("hunter2"));
}

#[tokio::test]
async fn subscribing_is_limited_per_address_and_per_client() {
    let dir = common::temp_dir();
    let sink = SmtpSink::start(&dir.path().join("sink"), &[]);
    let data = common::data_dir(&dir);
    // The per-client limit as shipped (a burst of 10), not the tests' 1000.
    let a: Vec<String> = args(sink.port, &[])
        .into_iter()
        .filter(|x| x != "--subscribe-burst" && x != "1000")
        .collect();
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let s = Running::start_with_args(&data, &data.join("no-console"), &a);
    for _ in 0..3 {
        assert_eq!(subscribe(&s, "ana@example.com", &[]).await.0, 200);
    }
    let (status, page) = subscribe(&s, "ANA@example.com", &[]).await;
    assert_eq!(status, 429, "{page}");
    assert!(page.contains("We sent a confirmation to that address a moment ago"));
    let mut last = 0;
    for i in 0..10 {
        last = subscribe(&s, &format!("p{i}@example.com"), &[]).await.0;
    }
    assert_eq!(last, 429);
    let (_, page) = subscribe(&s, "someone@example.com", &[]).await;
    assert!(
        page.contains("Too many subscription requests from your network"),
        "{page}"
    );
    // The confirmations that did go out: three for ana (the same link each
    // time) and one per other address admitted.
    comms::eventually(Duration::from_secs(10), || {
        let n = sink.messages().len();
        async move {
            if n >= 9 {
                Ok(())
            } else {
                Err(format!("{n} messages"))
            }
        }
    })
    .await;
    assert!(
        sink.messages()
            .iter()
            .filter(|m| m.rcpt_tos == ["ana@example.com"])
            .count()
            == 3
    );
}

#[tokio::test]
async fn emails_go_out_no_faster_than_the_smtp_rate() {
    // A mail provider throttles or blocks a sender that floods it, so one
    // update to many subscribers is paced: at 2 a second, four emails take
    // at least three gaps of half a second. (A lower bound: a busy machine
    // only makes it slower, so this cannot flake by being slow.)
    let dir = common::temp_dir();
    let sink = SmtpSink::start(&dir.path().join("sink"), &[]);
    let data = common::data_dir(&dir);
    let mut a = args(sink.port, &[]);
    let at = a.iter().position(|x| x == "--smtp-rate").unwrap();
    a[at + 1] = "2".into();
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let s = Running::start_with_args(&data, &data.join("no-console"), &a);
    comms::catalogue(&s).await;
    let people = [
        "ana@example.com",
        "bo@example.com",
        "cy@example.com",
        "di@example.com",
    ];
    for p in people {
        assert_eq!(subscribe(&s, p, &[]).await.0, 200);
        confirm(&s, &sink, p).await;
    }
    let inc = comms::declare(&s, "internal").await;
    let began = std::time::Instant::now();
    comms::publish(
        &s,
        &inc,
        &Text {
            email_subject: "Paced",
            ..Text::default()
        },
        &["email"],
    )
    .await;
    comms::eventually(Duration::from_secs(30), || {
        let n = about(&sink, "Paced").len();
        async move {
            if n == people.len() {
                Ok(())
            } else {
                Err(format!("{n} of {} sent", people.len()))
            }
        }
    })
    .await;
    let took = began.elapsed();
    assert!(
        took >= Duration::from_millis(1_500),
        "four emails at 2 a second went out in {took:?}"
    );
    let mut to: Vec<String> = about(&sink, "Paced")
        .into_iter()
        .flat_map(|m| m.rcpt_tos)
        .collect();
    to.sort();
    assert_eq!(to, people, "each subscriber once");
}

/// A delivery status notification for `original` as a receiving server
/// would mail it back to the envelope sender `to` (tests/support/make_dsn.py,
/// Python's email package).
fn dsn(
    original: &common::pyenv::Accepted,
    to: &str,
    action: &str,
    status: &str,
    diagnostic: &str,
) -> String {
    use std::io::Write;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/make_dsn.py");
    let mut child = Command::new(common::pyenv::python())
        .arg(script)
        .args(["--to", to, "--recipient", &original.rcpt_tos.join(",")])
        .args([
            "--action",
            action,
            "--status",
            status,
            "--diagnostic",
            diagnostic,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    let head = original
        .data
        .split("\r\n\r\n")
        .next()
        .unwrap_or("")
        .to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(head.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "make_dsn.py failed");
    String::from_utf8(out.stdout).unwrap()
}

/// POSTs a bounce as the mail system's pipe would; (status, JSON answer).
async fn hand_in(
    s: &Running,
    who: Option<&str>,
    content_type: &str,
    message: &str,
) -> (u16, Value) {
    let c = match who {
        Some(role) => s.client_as(role),
        None => common::client(),
    };
    let resp = c
        .post(s.url("/api/v1/email/bounces"))
        .header("content-type", content_type)
        .body(message.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The last delivery report for (update, email): (state, detail), and how
/// many there are.
async fn desk(s: &Running, update: &str) -> (String, String, usize) {
    let r = comms::reports(s, update, "email").await;
    let last = &r.last().expect("a report")["body"];
    (
        last["state"].as_str().unwrap().to_string(),
        last["error"].as_str().unwrap_or("").to_string(),
        r.len(),
    )
}

const USER_UNKNOWN: &str = "550 5.1.1 <bo@example.org>: Recipient address rejected: User unknown";

#[tokio::test]
async fn a_bounce_mailed_back_later_fails_that_copy_on_the_desk_and_nothing_else_changes_it() {
    let dir = common::temp_dir();
    let data = common::data_dir(&dir);
    let sink = SmtpSink::start(&dir.path().join("sink"), &[]);
    let extra = [
        "--smtp-bounce-address".to_string(),
        "bounces@example.com".to_string(),
    ];
    let s = start(&data, sink.port, &extra).with_monitor(&data);
    comms::catalogue(&s).await;
    for p in ["ana@example.com", "bo@example.org"] {
        subscribe(&s, p, &[]).await;
        confirm(&s, &sink, p).await;
    }
    let inc = comms::declare(&s, "internal").await;
    let update = comms::publish(&s, &inc, &Text::default(), &["own", "email"]).await;
    assert_eq!(
        comms::settled(&s, &update, "email", 0, Duration::from_secs(15)).await,
        ("sent".into(), "sent to 2 subscribers".into())
    );
    let mails = about(&sink, "[Investigating] Checkout trouble");
    let to = |who: &str| mails.iter().find(|m| m.rcpt_tos == [who]).unwrap().clone();
    let (ana, bo) = (to("ana@example.com"), to("bo@example.org"));
    // Each copy has its own envelope sender on the bounce address; the
    // From people see is unchanged.
    for m in [&ana, &bo] {
        assert!(
            m.mail_from.starts_with("bounces+") && m.mail_from.ends_with("@example.com"),
            "{}",
            m.mail_from
        );
        assert!(m.header("From").unwrap().contains("<status@example.com>"));
    }
    assert_ne!(ana.mail_from, bo.mail_from);
    let sent = desk(&s, &update).await;

    // Refused, and nothing changes: no token, a viewer, a JSON body,
    // garbage, a notification naming no copy of ours, one naming none.
    let bounce = dsn(&bo, &bo.mail_from, "failed", "5.1.1", USER_UNKNOWN);
    assert_eq!(hand_in(&s, None, "message/rfc822", &bounce).await.0, 401);
    assert_eq!(
        hand_in(&s, Some("viewer"), "message/rfc822", &bounce)
            .await
            .0,
        403
    );
    assert_eq!(
        hand_in(&s, Some("communicator"), "message/rfc822", &bounce)
            .await
            .0,
        403
    );
    assert_eq!(
        hand_in(&s, Some("monitor"), "application/json", "{}")
            .await
            .0,
        415
    );
    let (status, why) = hand_in(
        &s,
        Some("monitor"),
        "message/rfc822",
        "\u{1}\u{2} not mail at all",
    )
    .await;
    assert_eq!(status, 422, "{why}");
    assert!(
        why["error"].as_str().unwrap().contains("not a message"),
        "{why}"
    );
    let (status, why) = hand_in(
        &s,
        Some("monitor"),
        "text/plain",
        "Subject: hi\r\n\r\nI am out of office.\r\n",
    )
    .await;
    assert_eq!(status, 422, "{why}");
    assert!(
        why["error"]
            .as_str()
            .unwrap()
            .contains("not a delivery status notification"),
        "{why}"
    );
    let unknown = dsn(
        &bo,
        "bounces+aaaaaaaaaaaaaaaaaaaaaaaaaa@example.com",
        "failed",
        "5.1.1",
        USER_UNKNOWN,
    );
    let (status, why) = hand_in(&s, Some("monitor"), "message/rfc822", &unknown).await;
    assert_eq!(status, 422, "{why}");
    assert!(
        why["error"]
            .as_str()
            .unwrap()
            .contains("names no email Sitrep sent"),
        "{why}"
    );
    let tokenless = dsn(&bo, "bounces@example.com", "failed", "5.1.1", USER_UNKNOWN);
    let (status, why) = hand_in(&s, Some("monitor"), "message/rfc822", &tokenless).await;
    assert_eq!(status, 422, "{why}");
    assert!(
        why["error"].as_str().unwrap().contains("names no delivery"),
        "{why}"
    );
    // A delay is noted; the copy stays sent.
    let delayed = dsn(
        &bo,
        &bo.mail_from,
        "delayed",
        "4.4.1",
        "451 4.4.1 mail.example.org: try again later",
    );
    let (status, reply) = hand_in(&s, Some("monitor"), "message/rfc822", &delayed).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["outcome"], "noted");
    assert_eq!(
        reply["detail"],
        "delayed: 451 4.4.1 mail.example.org: try again later"
    );
    assert_eq!(desk(&s, &update).await, sent, "nothing reached the desk");

    // The permanent bounce: bo's copy is failed on the desk with the
    // remote server's words, ana's stays sent.
    let (status, reply) = hand_in(&s, Some("monitor"), "message/rfc822", &bounce).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["update"], update.as_str());
    assert_eq!(reply["outcome"], "failed");
    assert_eq!(reply["subscriber_stopped"], false);
    let (state, detail, n) = desk(&s, &update).await;
    assert_eq!(state, "failed");
    assert_eq!(
        detail,
        format!("failed for 1 of 2 subscribers: bo@example.org: bounced: {USER_UNKNOWN}")
    );
    assert_eq!(n, sent.2 + 1);
    // The mail system handing the same bounce in again changes nothing;
    // an admin may hand one in too.
    let (status, reply) = hand_in(&s, Some("admin"), "message/rfc822", &bounce).await;
    assert_eq!((status, reply["outcome"].as_str()), (200, Some("failed")));
    assert_eq!(desk(&s, &update).await.2, n);

    // Retry sends bo's copy again, and only bo's.
    let retried = s
        .client_as("communicator")
        .post(s.url("/api/v1/publish/retry"))
        .json(&json!({"update": update, "target": "email"}))
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), 202);
    assert_eq!(
        comms::settled(&s, &update, "email", n, Duration::from_secs(15)).await,
        ("sent".into(), "sent to 2 subscribers".into())
    );
    let again = about(&sink, "[Investigating] Checkout trouble");
    assert_eq!(again.len(), 3);
    assert_eq!(again[2].rcpt_tos, ["bo@example.org"]);
    assert_eq!(
        again[2].mail_from, bo.mail_from,
        "the copy keeps its bounce address"
    );
}

#[tokio::test]
async fn an_address_that_hard_bounces_three_times_gets_no_more_mail() {
    let dir = common::temp_dir();
    let data = common::data_dir(&dir);
    let sink = SmtpSink::start(&dir.path().join("sink"), &[]);
    let s = start(&data, sink.port, &[]).with_monitor(&data);
    comms::catalogue(&s).await;
    for p in ["ana@example.com", "bo@example.org"] {
        subscribe(&s, p, &[]).await;
        confirm(&s, &sink, p).await;
    }
    let inc = comms::declare(&s, "internal").await;
    for round in 1..=4 {
        let subject = format!("Update {round}");
        let update = comms::publish(
            &s,
            &inc,
            &Text {
                email_subject: &subject,
                ..Text::default()
            },
            &["own", "email"],
        )
        .await;
        let (state, detail) =
            comms::settled(&s, &update, "email", 0, Duration::from_secs(15)).await;
        assert_eq!(state, "sent");
        let to_bo: Vec<_> = about(&sink, &subject)
            .into_iter()
            .filter(|m| m.rcpt_tos == ["bo@example.org"])
            .collect();
        if round == 4 {
            assert_eq!(detail, "sent to 1 subscriber", "bo gets no more mail");
            assert!(to_bo.is_empty());
            break;
        }
        assert_eq!(detail, "sent to 2 subscribers");
        let bo = &to_bo[0];
        let bounce = dsn(bo, &bo.mail_from, "failed", "5.1.1", USER_UNKNOWN);
        let (status, reply) = hand_in(&s, Some("monitor"), "message/rfc822", &bounce).await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(
            reply["subscriber_stopped"],
            round == 3,
            "round {round}: {reply}"
        );
    }
}
