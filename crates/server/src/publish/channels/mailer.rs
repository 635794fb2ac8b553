//! Email over SMTP with lettre: `--smtp URL` read into a transport, and one
//! message sent at a time, paced by `--smtp-rate`. The URL names the server
//! only; the user name may be in it, the password never is: it comes from
//! `--smtp-password-file` or `SITREP_SMTP_PASSWORD`, and nothing here
//! prints it (`Debug` leaves it out).
//!
//! `smtp://host[:587]` requires STARTTLS (the default port 587);
//! `smtps://host[:465]` is TLS from the first byte; `?tls=none` (loopback
//! only, for a relay on the same machine) sends in the clear.
//!
//! Each message's envelope sender (the address bounces go back to) is the
//! copy's own, `local+TOKEN@domain` (VERP, core `comms::bounce`), from
//! `--smtp-bounce-address` or else the From address; the From people see
//! stays as it is.

use lettre::address::{Address, Envelope};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sitrep_core::comms::email::Mail;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    StartTls,
    Tls,
    /// Only to a server on this machine.
    None,
}

/// `--smtp` and its companions, checked at start.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: Option<String>,
    pub password: Option<String>,
    /// The From address (`Status <status@example.com>`).
    pub from: String,
    /// The address whose `+TOKEN` forms are the envelope senders
    /// (`--smtp-bounce-address`); the From address when absent.
    pub bounce_address: Option<String>,
    /// Messages per second at most.
    pub rate: f64,
    pub timeout: Duration,
    /// A PEM certificate to trust besides the public roots (a private CA).
    pub ca_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("bounce_address", &self.bounce_address)
            .finish_non_exhaustive()
    }
}

/// Reads `--smtp URL` (and the password given apart). Errors say what to
/// fix, and never repeat a password.
pub fn parse_url(url: &str) -> Result<(String, u16, Security, Option<String>), String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or("--smtp must look like smtp://mail.example.com:587 or smtps://mail.example.com")?;
    let (base_security, default_port) = match scheme {
        "smtp" => (Security::StartTls, 587),
        "smtps" => (Security::Tls, 465),
        other => {
            return Err(format!(
                "--smtp: unknown scheme {other:?}; use smtp:// (STARTTLS) or smtps:// (TLS)"
            ))
        }
    };
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = authority.trim_end_matches('/');
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((userinfo, hp)) => {
            if userinfo.contains(':') {
                return Err("--smtp: leave the password out of the URL; give it with --smtp-password-file or SITREP_SMTP_PASSWORD".into());
            }
            (Some(percent_decode(userinfo)), hp)
        }
        None => (None, authority),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => {
            let port = p
                .parse::<u16>()
                .map_err(|_| format!("--smtp: {p:?} is not a port"))?;
            (h.trim_matches(['[', ']']).to_string(), port)
        }
        _ => (hostport.trim_matches(['[', ']']).to_string(), default_port),
    };
    if host.is_empty() {
        return Err("--smtp: the URL has no host".into());
    }
    let mut security = base_security;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("tls", "none")) => {
                let local = host == "localhost"
                    || host
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                if !local {
                    return Err("--smtp: tls=none is only for a server on this machine (localhost); mail and credentials would cross the network in the clear".into());
                }
                security = Security::None;
            }
            Some(("tls", "required")) => {}
            _ => {
                return Err(format!(
                    "--smtp: unknown option {pair:?} (only tls=none for a local relay)"
                ))
            }
        }
    }
    Ok((host, port, security, user))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What came of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sent {
    Accepted,
    /// The server refused it for good (5xx): its words. `recipient` when it
    /// refused the address itself (a bounce at RCPT).
    Refused {
        words: String,
    },
    /// Try again later (4xx, cannot connect, timeout): why.
    Later {
        words: String,
        connect: bool,
    },
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The bare address the envelope senders are made from.
    bounce_base: String,
    pub settings: SmtpSettings,
}

impl Mailer {
    pub fn new(s: SmtpSettings) -> Result<Mailer, String> {
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e| format!("--smtp-from {:?} is not an address: {e}", s.from))?;
        let bounce_base = match &s.bounce_address {
            Some(b) => {
                let parsed: Address = b.parse().map_err(|e| {
                    format!("--smtp-bounce-address {b:?} is not a bare address like bounces@example.com: {e}")
                })?;
                parsed.to_string()
            }
            None => from.email.to_string(),
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(s.host.clone())
            .port(s.port)
            .timeout(Some(s.timeout));
        if s.security != Security::None {
            let mut tls = TlsParameters::builder(s.host.clone());
            if let Some(pem) = &s.ca_pem {
                let cert = Certificate::from_pem(pem)
                    .map_err(|e| format!("--smtp-ca: not a PEM certificate: {e}"))?;
                tls = tls.add_root_certificate(cert);
            }
            let tls = tls
                .build_rustls()
                .map_err(|e| format!("--smtp: cannot set up TLS: {e}"))?;
            b = b.tls(match s.security {
                Security::Tls => Tls::Wrapper(tls),
                _ => Tls::Required(tls),
            });
        }
        if let Some(user) = &s.user {
            b = b.credentials(Credentials::new(
                user.clone(),
                s.password.clone().unwrap_or_default(),
            ));
        }
        Ok(Mailer {
            transport: b.build(),
            from,
            bounce_base,
            settings: s,
        })
    }

    /// The time to leave between two messages.
    pub fn pace(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.settings.rate.max(0.001))
    }

    /// The envelope sender of the copy holding bounce token `token`.
    pub fn return_path(&self, token: &str) -> Option<String> {
        sitrep_core::comms::bounce::verp(&self.bounce_base, token)
    }

    /// Sends `mail` to `to`; bounces go to `return_path` (the From address
    /// when `None`).
    pub async fn send(&self, to: &str, mail: &Mail, return_path: Option<&str>) -> Sent {
        let to: Mailbox = match to.parse() {
            Ok(m) => m,
            Err(e) => {
                return Sent::Refused {
                    words: format!("not an address we can send to: {e}"),
                }
            }
        };
        let sender: Address = match return_path.map(str::parse).transpose() {
            Ok(a) => a.unwrap_or_else(|| self.from.email.clone()),
            Err(e) => {
                return Sent::Refused {
                    words: format!("the bounce address cannot be used: {e}"),
                }
            }
        };
        let envelope = match Envelope::new(Some(sender), vec![to.email.clone()]) {
            Ok(e) => e,
            Err(e) => {
                return Sent::Refused {
                    words: format!("the envelope cannot be built: {e}"),
                }
            }
        };
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .envelope(envelope)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .header(ContentType::TEXT_PLAIN);
        for (name, value) in &mail.headers {
            if let Ok(n) = HeaderName::new_from_ascii(name.clone()) {
                builder = builder.raw_header(HeaderValue::new(n, value.clone()));
            }
        }
        let message = match builder.body(mail.text.clone()) {
            Ok(m) => m,
            Err(e) => {
                return Sent::Refused {
                    words: format!("the message cannot be built: {e}"),
                }
            }
        };
        match self.transport.send(message).await {
            Ok(_) => Sent::Accepted,
            Err(e) => classify(&e),
        }
    }
}

/// The server's code and words, without lettre's wording around them.
fn classify(e: &lettre::transport::smtp::Error) -> Sent {
    let source = std::error::Error::source(e)
        .map(|s| s.to_string())
        .unwrap_or_default();
    let words = match e.status() {
        Some(code) => clip(&format!("{code} {}", source.trim())),
        None => clip(&e.to_string()),
    };
    if e.is_permanent() {
        Sent::Refused { words }
    } else {
        let connect = !e.is_transient() && !e.is_response();
        let words = if connect && !e.is_timeout() {
            clip(&format!("cannot reach the SMTP server: {words}"))
        } else if e.is_timeout() {
            clip(&format!("the SMTP server did not answer in time: {words}"))
        } else {
            words
        };
        Sent::Later { words, connect }
    }
}

fn clip(s: &str) -> String {
    sitrep_core::status_page::publishing::clip(&s.replace(['\r', '\n'], " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_say_how_to_connect() {
        assert_eq!(
            parse_url("smtp://mail.example.com").unwrap(),
            ("mail.example.com".into(), 587, Security::StartTls, None)
        );
        assert_eq!(
            parse_url("smtps://status%40example.com@mail.example.com:2465").unwrap(),
            (
                "mail.example.com".into(),
                2465,
                Security::Tls,
                Some("status@example.com".into())
            )
        );
        assert_eq!(
            parse_url("smtp://127.0.0.1:2525?tls=none").unwrap(),
            ("127.0.0.1".into(), 2525, Security::None, None)
        );
    }

    #[test]
    fn a_password_in_the_url_or_plain_text_over_the_network_is_refused() {
        let e = parse_url("smtp://ana:hunter2@mail.example.com").unwrap_err();
        assert!(e.contains("--smtp-password-file"), "{e}");
        assert!(!e.contains("hunter2"));
        assert!(parse_url("smtp://mail.example.com?tls=none")
            .unwrap_err()
            .contains("only for a server on this machine"));
        assert!(parse_url("http://mail.example.com").is_err());
        assert!(parse_url("smtp://mail.example.com:99999").is_err());
    }

    #[test]
    fn settings_never_print_the_password() {
        let s = SmtpSettings {
            host: "h".into(),
            port: 1,
            security: Security::StartTls,
            user: Some("u".into()),
            password: Some("hunter2".into()),
            from: "s@example.com".into(),
            bounce_address: None,
            rate: 1.0,
            timeout: Duration::from_secs(1),
            ca_pem: None,
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
