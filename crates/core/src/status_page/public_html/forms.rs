//! The subscription pages: subscribe (email, webhook, feeds), confirm,
//! unsubscribe, and the short answers after each. Plain forms that post
//! back to the server: no script, and a link a mail scanner opens never
//! changes anything by itself (confirming and unsubscribing are buttons).

use super::{layout, Offers, Reader};
use crate::status_page::public_page::PublicState;
use crate::view::markdown_html::escape;
use std::fmt::Write;

/// What the reader typed, to show again with the error when refused.
#[derive(Clone, Debug, Default)]
pub struct SubscribeForm {
    /// `email` or `webhook`: which form the error belongs to.
    pub kind: String,
    pub email: String,
    pub url: String,
    pub components: Vec<String>,
    pub error: Option<String>,
}

pub fn subscribe_page(s: &PublicState, r: &Reader, offers: Offers, f: &SubscribeForm) -> String {
    let mut h = String::from("<h1>Subscribe to updates</h1>");
    let email_error = f.error.as_deref().filter(|_| f.kind != "webhook");
    let hook_error = f.error.as_deref().filter(|_| f.kind == "webhook");
    h.push_str("<section aria-labelledby=\"by-email\"><h2 id=\"by-email\">By email</h2>");
    if offers.email {
        h.push_str(
            "<form method=\"post\" action=\"/status/subscribe\" novalidate>\
             <input type=\"hidden\" name=\"kind\" value=\"email\">",
        );
        error(&mut h, "email-error", email_error);
        field(
            &mut h,
            "email",
            "Email address",
            "email",
            if f.kind == "webhook" { "" } else { &f.email },
            email_error.map(|_| "email-error"),
            "email-help",
        );
        h.push_str(
            "<p id=\"email-help\" class=\"help\">We send a link to confirm first: nothing else \
             arrives until you click it. Every email has a one-click unsubscribe link.</p>",
        );
        components(&mut h, s, "email", f);
        h.push_str("<p><button type=\"submit\">Subscribe by email</button></p></form>");
    } else {
        h.push_str("<p>Email subscriptions are not available on this page; use a feed below.</p>");
    }
    h.push_str("</section>");
    if offers.webhooks {
        h.push_str(
            "<section aria-labelledby=\"by-webhook\"><h2 id=\"by-webhook\">By webhook</h2>\
             <p>We POST a JSON body in Statuspage's webhook format to your address for every \
             update, signed with HMAC-SHA256 (the key is shown once you confirm). \
             We confirm by email first, and write there if your address keeps failing.</p>\
             <form method=\"post\" action=\"/status/subscribe\" novalidate>\
             <input type=\"hidden\" name=\"kind\" value=\"webhook\">",
        );
        error(&mut h, "webhook-error", hook_error);
        let hook = f.kind == "webhook";
        field(
            &mut h,
            "url",
            "Webhook address (https://…)",
            "url",
            if hook { &f.url } else { "" },
            hook_error.map(|_| "webhook-error"),
            "",
        );
        field(
            &mut h,
            "hook-email",
            "Email address for the confirmation",
            "email",
            if hook { &f.email } else { "" },
            hook_error.map(|_| "webhook-error"),
            "",
        );
        components(&mut h, s, "webhook", f);
        h.push_str("<p><button type=\"submit\">Subscribe by webhook</button></p></form></section>");
    }
    h.push_str(
        "<section aria-labelledby=\"by-feed\"><h2 id=\"by-feed\">In a feed reader</h2>\
         <p>Every update as it is published: <a href=\"/status/feed.atom\">Atom feed</a> or \
         <a href=\"/status/feed.rss\">RSS feed</a>.</p></section>",
    );
    layout(s, r, "Subscribe to updates", "/status/subscribe", &h)
}

fn error(h: &mut String, id: &str, text: Option<&str>) {
    if let Some(t) = text {
        let _ = write!(
            h,
            "<p class=\"error\" id=\"{id}\" role=\"alert\">{}</p>",
            escape(t)
        );
    }
}

/// A labelled input. `name` doubles as its id, except `hook-email`, whose
/// field posts as `email`.
fn field(
    h: &mut String,
    id: &str,
    label: &str,
    kind: &str,
    value: &str,
    error: Option<&str>,
    help: &str,
) {
    let name = if id == "hook-email" { "email" } else { id };
    let described: Vec<&str> = [error.unwrap_or(""), help]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect();
    let _ = write!(
        h,
        "<p><label for=\"{id}\">{label}</label> <input id=\"{id}\" name=\"{name}\" type=\"{kind}\" \
         value=\"{}\" autocomplete=\"{}\" maxlength=\"2048\"{}{}></p>",
        escape(value),
        if kind == "email" { "email" } else { "url" },
        if described.is_empty() {
            String::new()
        } else {
            format!(" aria-describedby=\"{}\"", described.join(" "))
        },
        if error.is_some() {
            " aria-invalid=\"true\""
        } else {
            ""
        },
    );
}

/// The optional per-component choice: none ticked means everything.
fn components(h: &mut String, s: &PublicState, form: &str, f: &SubscribeForm) {
    let plain: Vec<_> = s.components.iter().filter(|c| !c.group).collect();
    if plain.is_empty() {
        return;
    }
    h.push_str("<fieldset><legend>Only about these components (none ticked: all of them)</legend>");
    for c in plain {
        let id = format!("{form}-c-{}", c.id);
        let checked = f.kind == form && f.components.contains(&c.id);
        let _ = write!(
            h,
            "<p class=\"check\"><input type=\"checkbox\" id=\"{id}\" name=\"component\" value=\"{}\"{}> \
             <label for=\"{id}\">{}</label></p>",
            escape(&c.id),
            if checked { " checked" } else { "" },
            escape(&c.name),
            id = escape(&id)
        );
    }
    h.push_str("</fieldset>");
}

/// A short page after an action: a heading, sentences, and perhaps a
/// value to copy (a webhook's signing key) shown once.
#[derive(Clone, Debug, Default)]
pub struct Message {
    pub title: String,
    pub lines: Vec<String>,
    /// Shown in a `<code>` block with this label.
    pub secret: Option<(String, String)>,
}

pub fn message_page(s: &PublicState, r: &Reader, m: &Message) -> String {
    let mut h = format!("<h1>{}</h1>", escape(&m.title));
    for l in &m.lines {
        let _ = write!(h, "<p>{}</p>", escape(l));
    }
    if let Some((label, value)) = &m.secret {
        let _ = write!(
            h,
            "<p>{}</p><pre class=\"secret\"><code>{}</code></pre>",
            escape(label),
            escape(value)
        );
    }
    let _ = write!(
        h,
        "<p><a href=\"{}\">Back to the status page</a></p>",
        r.link("/status")
    );
    layout(s, r, &m.title, "/status", &h)
}

/// Asks before confirming: opening the link alone changes nothing.
pub fn confirm_page(s: &PublicState, r: &Reader, token: &str, what: &str) -> String {
    let h = format!(
        "<h1>Confirm your subscription</h1><p>{}</p>\
         <form method=\"post\" action=\"/status/subscribe/confirm\">\
         <input type=\"hidden\" name=\"token\" value=\"{}\">\
         <p><button type=\"submit\">Confirm subscription</button></p></form>",
        escape(what),
        escape(token)
    );
    layout(s, r, "Confirm your subscription", "/status", &h)
}

/// Asks before unsubscribing from a link; mail clients use the one-click
/// POST (RFC 8058) and never see this page.
pub fn unsubscribe_page(s: &PublicState, r: &Reader, token: &str, what: &str) -> String {
    let h = format!(
        "<h1>Unsubscribe</h1><p>{}</p>\
         <form method=\"post\" action=\"/status/unsubscribe?token={t}\">\
         <input type=\"hidden\" name=\"token\" value=\"{t}\">\
         <p><button type=\"submit\">Unsubscribe</button></p></form>",
        escape(what),
        t = escape(token)
    );
    layout(s, r, "Unsubscribe", "/status", &h)
}
