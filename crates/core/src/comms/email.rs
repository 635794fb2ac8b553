//! The emails subscribers get, as text and headers, before any SMTP: the
//! approved subject and body of a customer update with links to the
//! incident's page and to unsubscribe (RFC 8058 one-click), and the
//! confirmation that double opt-in sends first. The server's mailer only
//! carries these out.

use crate::comms::CustomerUpdate;

/// One message, ready for the mailer (which encodes it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    /// Plain text; the body an approver read, then the links.
    pub text: String,
    /// Extra headers (name, value), beside From, To, Subject, Date.
    pub headers: Vec<(String, String)>,
    /// `<…@domain>`: the same for every attempt, so a message sent twice
    /// (see the mailer's restart rule) is one message to mail stores.
    pub message_id: String,
}

/// The addresses one subscriber's message links to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Links {
    /// The incident's public page.
    pub incident: String,
    /// The whole status page.
    pub page: String,
    /// Unsubscribes this subscriber: with one click from the mail client
    /// (POST, `List-Unsubscribe-Post`) or from a page with a button (GET).
    pub unsubscribe: String,
}

/// A header value on one line, without control characters: a subject or
/// a name can never start a header of its own.
pub fn one_line(s: &str) -> String {
    let joined: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    joined.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The domain of the sender's address, for message ids.
pub fn domain_of(from: &str) -> String {
    let addr = from
        .rsplit_once('<')
        .map_or(from, |(_, a)| a.trim_end_matches('>'));
    addr.rsplit_once('@')
        .map(|(_, d)| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "sitrep.invalid".into())
}

/// The stable id of one update's message to one subscriber.
pub fn message_id(update: &str, subscriber: u64, domain: &str) -> String {
    let clean: String = update
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
        .collect();
    format!("<update.{clean}.{subscriber}@{domain}>")
}

fn list_headers(page_name: &str, domain: &str, links: &Links) -> Vec<(String, String)> {
    vec![
        (
            "List-Unsubscribe".into(),
            format!("<{}>", one_line(&links.unsubscribe)),
        ),
        // RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` to it.
        (
            "List-Unsubscribe-Post".into(),
            "List-Unsubscribe=One-Click".into(),
        ),
        (
            "List-Id".into(),
            format!(
                "\"{}\" <status.{domain}>",
                one_line(page_name).replace('"', "'")
            ),
        ),
        // RFC 3834: no out-of-office replies to a notification.
        ("Auto-Submitted".into(), "auto-generated".into()),
    ]
}

/// The approved email of a published update, for one subscriber.
pub fn update_mail(
    page_name: &str,
    update: &CustomerUpdate,
    subscriber: u64,
    domain: &str,
    links: &Links,
) -> Mail {
    let subject = one_line(&update.channels.email_subject);
    let body = update.channels.email_body.trim_end().replace("\r\n", "\n");
    let text = format!(
        "{body}\n\n-- \nFollow this incident: {}\n{} status page: {}\nStop these emails: {}\n",
        links.incident,
        one_line(page_name),
        links.page,
        links.unsubscribe
    );
    Mail {
        subject: if subject.is_empty() {
            format!("{} update", one_line(page_name))
        } else {
            subject
        },
        text,
        headers: list_headers(page_name, domain, links),
        message_id: message_id(&update.id.0, subscriber, domain),
    }
}

/// The double opt-in message: nothing else is sent before its link is
/// followed and confirmed.
pub fn confirm_mail(
    page_name: &str,
    what: &str,
    confirm_link: &str,
    subscriber: u64,
    attempt: u32,
    domain: &str,
) -> Mail {
    let name = one_line(page_name);
    Mail {
        subject: format!("Confirm your subscription to {name}"),
        text: format!(
            "Someone, hopefully you, asked for {what} from the {name} status page.\n\n\
             Confirm here: {confirm_link}\n\n\
             If it was not you, ignore this email: nothing more will be sent.\n"
        ),
        headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
        message_id: format!("<confirm.{subscriber}.{attempt}@{domain}>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comms::{Channels, Phase};
    use crate::vocabulary::EventId;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    fn update(subject: &str) -> CustomerUpdate {
        CustomerUpdate::drafted(
            EventId(Arc::from("01937a2b-u1")),
            Phase::Investigating,
            Channels {
                email_subject: subject.into(),
                email_body: "Hello,\r\n\r\nWe are looking into it.\n\n".into(),
                ..Channels::default()
            },
            BTreeMap::new(),
            Arc::from("cody"),
            0,
        )
    }

    fn links() -> Links {
        Links {
            incident: "https://status.example.com/status/incidents/k3m9x2qd".into(),
            page: "https://status.example.com/status".into(),
            unsubscribe: "https://status.example.com/status/unsubscribe?token=abc".into(),
        }
    }

    #[test]
    fn an_update_mail_carries_the_approved_text_the_links_and_one_click_unsubscribe() {
        let m = update_mail(
            "Example",
            &update("[Investigating] Checkout errors"),
            7,
            "example.com",
            &links(),
        );
        assert_eq!(m.subject, "[Investigating] Checkout errors");
        assert!(
            m.text
                .starts_with("Hello,\n\nWe are looking into it.\n\n-- \n"),
            "{}",
            m.text
        );
        assert!(m.text.contains(
            "Follow this incident: https://status.example.com/status/incidents/k3m9x2qd"
        ));
        assert!(m.text.contains(
            "Stop these emails: https://status.example.com/status/unsubscribe?token=abc"
        ));
        let h: BTreeMap<&str, &str> = m
            .headers
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            h["List-Unsubscribe"],
            "<https://status.example.com/status/unsubscribe?token=abc>"
        );
        assert_eq!(h["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
        assert_eq!(h["Auto-Submitted"], "auto-generated");
        assert_eq!(m.message_id, "<update.01937a2b-u1.7@example.com>");
        assert_eq!(
            m.message_id,
            update_mail("Example", &update("x"), 7, "example.com", &links()).message_id
        );
    }

    #[test]
    fn a_subject_can_never_add_a_header() {
        let m = update_mail(
            "Ex\r\nBcc: a@b.example",
            &update("Down\r\nBcc: victim@example.com"),
            1,
            "example.com",
            &links(),
        );
        assert_eq!(m.subject, "Down Bcc: victim@example.com");
        assert!(m
            .headers
            .iter()
            .all(|(_, v)| !v.contains('\n') && !v.contains('\r')));
    }

    #[test]
    fn the_sender_domain_names_the_message_ids() {
        assert_eq!(domain_of("Status <status@Example.COM>"), "example.com");
        assert_eq!(domain_of("status@example.org"), "example.org");
        assert_eq!(domain_of("nobody"), "sitrep.invalid");
    }

    #[test]
    fn the_confirmation_says_what_was_asked_and_where_to_confirm() {
        let m = confirm_mail(
            "Example",
            "email updates about every component",
            "https://s.example/c?t=1",
            3,
            1,
            "example.com",
        );
        assert!(m.text.contains("email updates about every component"));
        assert!(m.text.contains("Confirm here: https://s.example/c?t=1"));
        assert_eq!(m.message_id, "<confirm.3.1@example.com>");
    }
}
