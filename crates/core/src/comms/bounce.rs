//! Bounces mailed back after SMTP said yes: the per-delivery envelope
//! sender (VERP, `status+TOKEN@example.com`) that makes a bounce name the
//! one (update, subscriber) copy it is about, and a small, careful reader
//! of delivery status notifications (RFC 3464 `multipart/report`) that
//! finds that token, the `Status:` and the `Diagnostic-Code:`. Anything it
//! cannot read is refused with the reason; nothing here trusts the input
//! beyond what it checks.

/// Characters in a token: lowercase base32 (RFC 4648), safe in the local
/// part of an address and unchanged by servers that lowercase addresses.
pub const TOKEN_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A token's length: 26 characters of 5 bits, 130 random bits.
pub const TOKEN_LEN: usize = 26;

/// Longest diagnostic kept from a bounce: enough for the server's sentence.
pub const MAX_DIAGNOSTIC_CHARS: usize = 300;

/// Past this many nested MIME parts the message is not a bounce we read.
const MAX_DEPTH: usize = 4;

/// A token from 17 random bytes (the caller's, from the OS).
pub fn token_from(random: &[u8; 17]) -> String {
    let mut bits: u32 = 0;
    let mut held = 0;
    let mut out = String::with_capacity(TOKEN_LEN);
    for b in random {
        bits = (bits << 8) | u32::from(*b);
        held += 8;
        while held >= 5 && out.len() < TOKEN_LEN {
            held -= 5;
            out.push(TOKEN_ALPHABET[((bits >> held) & 31) as usize] as char);
        }
        bits &= (1 << held) - 1;
    }
    out
}

/// Whether `s` has a token's shape (not whether any delivery has it).
pub fn is_token(s: &str) -> bool {
    s.len() == TOKEN_LEN && s.bytes().all(|b| TOKEN_ALPHABET.contains(&b))
}

/// The bare address of `Name <local@domain>` or `local@domain`, if it
/// is one (a local part and a domain, no spaces).
pub fn bare_address(s: &str) -> Option<String> {
    let addr = match s.rsplit_once('<') {
        Some((_, rest)) => rest.split_once('>')?.0,
        None => s,
    }
    .trim();
    let (local, domain) = addr.rsplit_once('@')?;
    let fine = |p: &str| !p.is_empty() && !p.contains(|c: char| c.is_whitespace() || c == '<');
    (fine(local) && fine(domain)).then(|| addr.to_string())
}

/// The envelope sender of one copy: `local+TOKEN@domain` from the base
/// address (`--smtp-bounce-address`, or the From). `None` when the base is
/// not an address.
pub fn verp(base: &str, token: &str) -> Option<String> {
    let addr = bare_address(base)?;
    let (local, domain) = addr.rsplit_once('@')?;
    Some(format!("{local}+{token}@{domain}"))
}

/// The token an address carries after its last `+`, when it has one.
pub fn token_in(address: &str) -> Option<String> {
    let addr = bare_address(address)?;
    let (local, _) = addr.rsplit_once('@')?;
    let (_, tail) = local.rsplit_once('+')?;
    let tail = tail.to_ascii_lowercase();
    is_token(&tail).then_some(tail)
}

/// What a notification says happened to the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not delivered and not going to be (`Action: failed`, or a 5.x.x
    /// status). `hard` for a 5.x.x status: the address itself is refused,
    /// which is what counts towards stopping mail to it.
    Failed { hard: bool },
    /// Still being tried (`Action: delayed`, or a 4.x.x status).
    Delayed,
    /// Delivered, relayed or expanded (2.x.x): nothing went wrong.
    Delivered,
}

/// The parts of a delivery status notification Sitrep acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dsn {
    /// Tokens found in the addresses the bounce came to, the likeliest
    /// first (Delivered-To, X-Original-To, Envelope-To, To, then the
    /// returned message's Return-Path). Never empty.
    pub tokens: Vec<String>,
    /// `5.1.1`.
    pub status: String,
    /// `failed`, `delayed`, … as the reporting server wrote it, lowercased.
    pub action: Option<String>,
    /// The remote server's words, `smtp;` dropped: `550 5.1.1 user unknown`.
    pub diagnostic: Option<String>,
    /// The address that bounced (`Final-Recipient`), for the record.
    pub recipient: Option<String>,
}

impl Dsn {
    pub fn verdict(&self) -> Verdict {
        let class = self.status.as_bytes().first().copied();
        match (self.action.as_deref(), class) {
            (Some("delayed"), _) => Verdict::Delayed,
            (Some("delivered" | "relayed" | "expanded"), _) | (None, Some(b'2')) => {
                Verdict::Delivered
            }
            (_, Some(b'5')) => Verdict::Failed { hard: true },
            (Some("failed"), _) => Verdict::Failed { hard: false },
            _ => Verdict::Delayed,
        }
    }

    /// What the desk shows for the copy: `bounced: 550 5.1.1 user unknown`
    /// (or `delayed: …`), the status alone when no diagnostic came.
    pub fn reason(&self) -> String {
        let verb = match self.verdict() {
            Verdict::Failed { .. } => "bounced",
            Verdict::Delayed => "delayed",
            Verdict::Delivered => "delivered",
        };
        let words = self.diagnostic.as_deref().unwrap_or(&self.status);
        format!("{verb}: {words}")
    }
}

/// Why a message is not a notification Sitrep can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable(pub String);

fn no(why: impl Into<String>) -> Unreadable {
    Unreadable(why.into())
}

/// Header fields of one section, unfolded, names lowercased, in order.
fn fields(section: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in section.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            if !name.is_empty() && !name.contains(char::is_whitespace) {
                out.push((name.to_ascii_lowercase(), value.trim().to_string()));
            }
        }
    }
    out
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Splits an entity into its header section and body at the first empty
/// line; `None` when it has no header section at all.
fn entity(text: &str) -> Option<(&str, &str)> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end_matches(['\r', '\n']).is_empty() {
            return Some((&text[..at], &text[at + line.len()..]));
        }
        at += line.len();
    }
    // Headers only, no body.
    (!text.trim().is_empty()).then_some((text, ""))
}

/// `multipart/report; report-type=delivery-status; boundary="x"` as its
/// lowercased type and the value of one parameter.
fn content_type(value: &str) -> (String, Vec<(String, String)>) {
    let mut parts = value.split(';');
    let kind = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let params = parts
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_string(),
            )
        })
        .collect();
    (kind, params)
}

/// The parts between `--boundary` lines.
fn parts<'a>(body: &'a str, boundary: &str) -> Vec<&'a str> {
    let open = format!("--{boundary}");
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut at = 0;
    for line in body.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == open || bare == format!("{open}--") {
            if let Some(s) = start {
                out.push(&body[s..at]);
            }
            if bare.ends_with("--") && bare != open {
                return out;
            }
            start = Some(at + line.len());
        }
        at += line.len();
    }
    // An unclosed last part still counts: what it holds is read the same.
    if let Some(s) = start {
        out.push(&body[s..]);
    }
    out
}

/// What the walk over the MIME tree found.
#[derive(Default)]
struct Found {
    report: bool,
    status_part: Option<String>,
    returned: Vec<(String, String)>,
}

fn walk(
    headers: &[(String, String)],
    body: &str,
    depth: usize,
    found: &mut Found,
) -> Result<(), Unreadable> {
    let (kind, params) = content_type(field(headers, "content-type").unwrap_or("text/plain"));
    if kind.starts_with("multipart/") {
        if depth >= MAX_DEPTH {
            return Err(no("MIME parts are nested too deep to be a bounce"));
        }
        if kind == "multipart/report" {
            found.report = true;
        }
        let boundary = params
            .iter()
            .find(|(k, _)| k == "boundary")
            .map(|(_, v)| v.as_str())
            .filter(|b| !b.is_empty())
            .ok_or_else(|| no(format!("the {kind} has no boundary")))?;
        for part in parts(body, boundary) {
            let (h, b) = entity(part).unwrap_or(("", part));
            walk(&fields(h), b, depth + 1, found)?;
        }
        return Ok(());
    }
    match kind.as_str() {
        "message/delivery-status" if found.status_part.is_none() => {
            let encoding = field(headers, "content-transfer-encoding")
                .unwrap_or("7bit")
                .to_ascii_lowercase();
            if !matches!(encoding.as_str(), "7bit" | "8bit" | "binary") {
                return Err(no(format!(
                    "the message/delivery-status part is {encoding}-encoded; only plain text is read"
                )));
            }
            found.status_part = Some(body.to_string());
        }
        "message/rfc822" | "text/rfc822-headers" | "message/rfc822-headers" => {
            if let Some((h, _)) = entity(body) {
                found.returned = fields(h);
            }
        }
        _ => {}
    }
    Ok(())
}

/// The words of a `Diagnostic-Code:` (`smtp; 550 …`), on one line, clipped.
fn diagnostic(value: &str) -> Option<String> {
    let words = value.split_once(';').map_or(value, |(_, w)| w);
    let one: String = words
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let one = one.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.is_empty() {
        return None;
    }
    if one.chars().count() <= MAX_DIAGNOSTIC_CHARS {
        return Some(one);
    }
    let c: String = one.chars().take(MAX_DIAGNOSTIC_CHARS - 1).collect();
    Some(format!("{c}…"))
}

/// `5.1.1 (user unknown)` as `5.1.1`, if it is a status code.
fn status_code(value: &str) -> Option<String> {
    let code = value.split_whitespace().next()?;
    let mut parts = code.split('.');
    let class = parts.next()?;
    let (subject, detail) = (parts.next()?, parts.next()?);
    let digits = |p: &str, max: usize| {
        !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit())
    };
    (parts.next().is_none()
        && matches!(class, "2" | "4" | "5")
        && digits(subject, 3)
        && digits(detail, 3))
    .then(|| code.to_string())
}

/// Every token in the addresses of a header value (`a@x, "B" <b+t@y>`).
fn tokens_in_value(value: &str, into: &mut Vec<String>) {
    for piece in value.split(',') {
        if let Some(t) = token_in(piece.trim()) {
            if !into.contains(&t) {
                into.push(t);
            }
        }
    }
}

/// Reads a bounce as the mail system hands it over (the whole message,
/// headers first). Refused, with the reason, when it is not an RFC 3464
/// notification, carries no status, or names no delivery token.
pub fn parse(raw: &[u8]) -> Result<Dsn, Unreadable> {
    let text = String::from_utf8_lossy(raw);
    if text.trim().is_empty() {
        return Err(no("the body is empty; post the bounce message itself"));
    }
    let (head, body) = entity(&text).ok_or_else(|| no("not a message: no header section"))?;
    let top = fields(head);
    if top.is_empty() {
        return Err(no(
            "not a message: no header fields before the first empty line",
        ));
    }
    let mut found = Found::default();
    walk(&top, body, 0, &mut found)?;
    let Some(status_part) = found.status_part else {
        let kind = content_type(field(&top, "content-type").unwrap_or("text/plain")).0;
        return Err(no(if found.report {
            "the multipart/report has no message/delivery-status part".to_string()
        } else {
            format!("not a delivery status notification (RFC 3464): the message is {kind}, not multipart/report with a message/delivery-status part")
        }));
    };
    // Per-message fields, then one group per recipient, separated by
    // empty lines; the first recipient group with a Status is the one
    // (a VERP address gets one message per recipient).
    let groups: Vec<Vec<(String, String)>> = status_part
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(fields)
        .filter(|g| !g.is_empty())
        .collect();
    let recipient_group = groups
        .iter()
        .find(|g| field(g, "status").is_some())
        .ok_or_else(|| no("the delivery-status part gives no Status for any recipient"))?;
    let raw_status = field(recipient_group, "status").unwrap_or("");
    let status = status_code(raw_status).ok_or_else(|| {
        no(format!(
            "Status: {:?} is not a status code like 5.1.1",
            raw_status.chars().take(40).collect::<String>()
        ))
    })?;
    let action = field(recipient_group, "action")
        .map(|a| {
            a.split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        })
        .filter(|a| !a.is_empty());
    let mut tokens = Vec::new();
    for name in ["delivered-to", "x-original-to", "envelope-to", "to"] {
        for (n, v) in &top {
            if n == name {
                tokens_in_value(v, &mut tokens);
            }
        }
    }
    if let Some(v) = field(&found.returned, "return-path") {
        tokens_in_value(v, &mut tokens);
    }
    if tokens.is_empty() {
        return Err(no(
            "the bounce names no delivery: no address like status+TOKEN@… in Delivered-To, X-Original-To, Envelope-To or To (is the envelope sender of the emails rewritten on the way?)",
        ));
    }
    let recipient = field(recipient_group, "final-recipient")
        .or_else(|| field(recipient_group, "original-recipient"))
        .map(|v| v.split_once(';').map_or(v, |(_, a)| a).trim().to_string())
        .and_then(|a| bare_address(&a));
    Ok(Dsn {
        tokens,
        status,
        action,
        diagnostic: field(recipient_group, "diagnostic-code").and_then(diagnostic),
        recipient,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "abcdefghijklmnopqrstuvwx23";

    /// A notification as Postfix writes one (trimmed), sent to `to`.
    fn postfix(to: &str, action: &str, status: &str, diagnostic: &str) -> String {
        format!(
            "Return-Path: <>\r\n\
             Delivered-To: {to}\r\n\
             From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n\
             Subject: Undelivered Mail Returned to Sender\r\n\
             To: {to}\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: multipart/report; report-type=delivery-status;\r\n\
             \tboundary=\"B1C2.1700000000/mx.example.net\"\r\n\
             \r\n\
             This is a MIME-encapsulated message.\r\n\
             \r\n\
             --B1C2.1700000000/mx.example.net\r\n\
             Content-Description: Notification\r\n\
             Content-Type: text/plain; charset=us-ascii\r\n\
             \r\n\
             I'm sorry to have to inform you that your message could not\r\n\
             be delivered to one or more recipients.\r\n\
             \r\n\
             --B1C2.1700000000/mx.example.net\r\n\
             Content-Description: Delivery report\r\n\
             Content-Type: message/delivery-status\r\n\
             \r\n\
             Reporting-MTA: dns; mx.example.net\r\n\
             Arrival-Date: Mon, 30 Nov 2026 15:17:30 +0000 (UTC)\r\n\
             \r\n\
             Final-Recipient: rfc822; bo@example.org\r\n\
             Original-Recipient: rfc822;bo@example.org\r\n\
             Action: {action}\r\n\
             Status: {status}\r\n\
             Remote-MTA: dns; mail.example.org\r\n\
             Diagnostic-Code: smtp; {diagnostic}\r\n\
             \r\n\
             --B1C2.1700000000/mx.example.net\r\n\
             Content-Description: Undelivered Message Headers\r\n\
             Content-Type: text/rfc822-headers\r\n\
             \r\n\
             From: Example status <status@example.com>\r\n\
             To: bo@example.org\r\n\
             Subject: [Investigating] Checkout trouble\r\n\
             \r\n\
             --B1C2.1700000000/mx.example.net--\r\n"
        )
    }

    #[test]
    fn tokens_are_26_base32_characters_and_ride_after_a_plus() {
        let t = token_from(&[0xff; 17]);
        assert_eq!(t, "77777777777777777777777777");
        assert!(is_token(&t));
        let t = token_from(&[0; 17]);
        assert_eq!(t, "a".repeat(TOKEN_LEN));
        assert!(!is_token("short"));
        assert!(!is_token(&"A".repeat(TOKEN_LEN)));
        assert_eq!(
            verp("Example status <status@example.com>", TOKEN).as_deref(),
            Some("status+abcdefghijklmnopqrstuvwx23@example.com")
        );
        assert_eq!(
            verp("bounces@mail.example.com", TOKEN).as_deref(),
            Some("bounces+abcdefghijklmnopqrstuvwx23@mail.example.com")
        );
        assert_eq!(verp("nobody", TOKEN), None);
        assert_eq!(
            token_in("<status+ABCDEFGHIJKLMNOPQRSTUVWX23@example.com>").as_deref(),
            Some(TOKEN),
            "a server that uppercased the address still names the delivery"
        );
        assert_eq!(token_in("ana+news@example.com"), None);
        assert_eq!(token_in("status@example.com"), None);
    }

    #[test]
    fn a_permanent_bounce_gives_its_token_status_and_the_remote_servers_words() {
        let to = format!("status+{TOKEN}@example.com");
        let dsn = parse(
            postfix(
                &to,
                "failed",
                "5.1.1",
                "550 5.1.1 <bo@example.org>: Recipient address\r\n    rejected: User unknown",
            )
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(dsn.tokens, [TOKEN]);
        assert_eq!(dsn.status, "5.1.1");
        assert_eq!(dsn.verdict(), Verdict::Failed { hard: true });
        assert_eq!(dsn.recipient.as_deref(), Some("bo@example.org"));
        assert_eq!(
            dsn.reason(),
            "bounced: 550 5.1.1 <bo@example.org>: Recipient address rejected: User unknown"
        );
    }

    #[test]
    fn a_delay_is_transient_and_a_final_failure_after_delays_is_not_a_hard_bounce() {
        let to = format!("status+{TOKEN}@example.com");
        let delayed =
            parse(postfix(&to, "delayed", "4.4.1", "451 4.4.1 try later").as_bytes()).unwrap();
        assert_eq!(delayed.verdict(), Verdict::Delayed);
        assert_eq!(delayed.reason(), "delayed: 451 4.4.1 try later");
        let expired = parse(postfix(&to, "failed", "4.4.7", "451 timed out").as_bytes()).unwrap();
        assert_eq!(expired.verdict(), Verdict::Failed { hard: false });
        let ok = parse(postfix(&to, "delivered", "2.0.0", "250 ok").as_bytes()).unwrap();
        assert_eq!(ok.verdict(), Verdict::Delivered);
    }

    #[test]
    fn the_token_is_found_in_delivered_to_before_to_and_in_the_returned_return_path() {
        let msg = postfix("status@example.com", "failed", "5.1.1", "550 no")
            .replace(
                "Delivered-To: status@example.com",
                &format!("Delivered-To: status+{TOKEN}@example.com"),
            )
            .replace(
                "To: status@example.com",
                "To: \"Status\" <status+bbbbbbbbbbbbbbbbbbbbbbbbbb@example.com>",
            );
        assert_eq!(
            parse(msg.as_bytes()).unwrap().tokens,
            [TOKEN, "bbbbbbbbbbbbbbbbbbbbbbbbbb"]
        );
        let only_returned = postfix("status@example.com", "failed", "5.1.1", "550 no").replace(
            "From: Example status <status@example.com>\r\n",
            &format!("Return-Path: <status+{TOKEN}@example.com>\r\nFrom: x@example.com\r\n"),
        );
        assert_eq!(parse(only_returned.as_bytes()).unwrap().tokens, [TOKEN]);
    }

    #[test]
    fn what_is_not_a_readable_notification_is_refused_with_the_reason() {
        let to = format!("status+{TOKEN}@example.com");
        let why = |raw: &str| parse(raw.as_bytes()).unwrap_err().0;
        assert!(why("").contains("empty"), "{}", why(""));
        assert!(why("\x00\x01garbage without headers").contains("not a message"));
        assert!(why(&format!(
            "To: {to}\r\nSubject: out of office\r\n\r\nI am away.\r\n"
        ))
        .contains("not a delivery status notification"));
        let no_status = postfix(&to, "failed", "5.1.1", "550 no").replace("Status: 5.1.1\r\n", "");
        assert!(why(&no_status).contains("no Status"), "{}", why(&no_status));
        let bad_status =
            postfix(&to, "failed", "5.1.1", "550 no").replace("Status: 5.1.1", "Status: soon");
        assert!(
            why(&bad_status).contains("not a status code"),
            "{}",
            why(&bad_status)
        );
        let no_boundary = postfix(&to, "failed", "5.1.1", "550 no").replace(
            "\tboundary=\"B1C2.1700000000/mx.example.net\"",
            "\tcharset=x",
        );
        assert!(
            why(&no_boundary).contains("no boundary"),
            "{}",
            why(&no_boundary)
        );
        let no_token = postfix("status@example.com", "failed", "5.1.1", "550 no");
        assert!(
            why(&no_token).contains("names no delivery"),
            "{}",
            why(&no_token)
        );
        let base64 = postfix(&to, "failed", "5.1.1", "550 no").replace(
            "Content-Type: message/delivery-status\r\n",
            "Content-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n",
        );
        assert!(why(&base64).contains("base64"), "{}", why(&base64));
    }

    #[test]
    fn a_long_or_multiline_diagnostic_stays_one_clipped_line() {
        let to = format!("status+{TOKEN}@example.com");
        let long = "x".repeat(2 * MAX_DIAGNOSTIC_CHARS);
        let dsn = parse(postfix(&to, "failed", "5.7.1", &long).as_bytes()).unwrap();
        let d = dsn.diagnostic.unwrap();
        assert_eq!(d.chars().count(), MAX_DIAGNOSTIC_CHARS);
        assert!(d.ends_with('…'));
    }
}
