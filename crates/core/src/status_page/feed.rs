//! The page's Atom and RSS feeds: one entry per published update (and per
//! public post-mortem), newest first, each with an id that never changes,
//! so a feed reader shows every update once. Built from the same public
//! state as the page, so a feed never says more than the page.
//!
//! Ids are `urn:uuid:` values derived from the page id and the update id
//! (a name-based UUID, version 8): stable when the page moves to another
//! address, and valid IRIs as Atom requires. Bodies are the page's safe
//! HTML, escaped into the XML.

use crate::status_page::public_html::incident_label;
use crate::status_page::public_page::{PublicState, ShownUpdate};
use crate::status_page::v2_page as v2;
use crate::time::utc;
use crate::time::zone::Date;
use crate::view::markdown_html::{escape, to_html};
use std::fmt::Write;

/// The most entries a feed carries (the newest).
pub const MAX_ENTRIES: usize = 100;

/// One entry of either feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub link: String,
    pub at: i64,
    /// Safe HTML (see `view::markdown_html`), not yet escaped for XML.
    pub html: String,
}

fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A name-based UUID (version 8, RFC 9562) for `name`.
pub fn uuid_for(name: &str) -> String {
    let a = fnv1a(0xcbf2_9ce4_8422_2325, name.as_bytes());
    let b = fnv1a(0x8422_2325_cbf2_9ce4, name.as_bytes());
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The entries, newest first; only incidents that named `component` when
/// one is given. `base` is the page's absolute address (`https://host`).
pub fn entries(s: &PublicState, base: &str, component: Option<&str>) -> Vec<Entry> {
    let base = base.trim_end_matches('/');
    let mut out = Vec::new();
    for i in s.incidents.iter().chain(&s.maintenances) {
        if component.is_some_and(|c| !i.components.iter().any(|x| x.id == c)) {
            continue;
        }
        let Some(shown) = s.shown.get(&i.id) else {
            continue;
        };
        let page = format!("{base}/status/incidents/{}", shown.code);
        let entry = |u: &ShownUpdate, label: &str| Entry {
            id: uuid_for(&format!("{}/update/{}", s.page.id, u.id)),
            title: format!("{}: {label}", i.name),
            link: format!("{page}#update-{}", u.id),
            at: u.at,
            html: to_html(&u.body, 2),
        };
        for (u, v2u) in shown.updates.iter().zip(&i.incident_updates) {
            out.push(entry(u, incident_label(v2u.status)));
        }
        if let Some(pm) = &shown.postmortem {
            out.push(Entry {
                link: format!("{page}#pm"),
                ..entry(pm, "Post-mortem")
            });
        }
    }
    crate::ordering::sort_by(&mut out, |a, b| {
        b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id))
    });
    out.truncate(MAX_ENTRIES);
    out
}

fn updated(s: &PublicState, entries: &[Entry]) -> i64 {
    entries.first().map_or(s.built_at, |e| e.at)
}

fn title(s: &PublicState, component: Option<&str>) -> String {
    let name = component
        .and_then(|c| s.components.iter().find(|x| x.id == c))
        .map(|c: &v2::Component| format!("{} — {}", s.page.name, c.name));
    name.unwrap_or_else(|| s.page.name.clone())
}

/// The Atom feed (RFC 4287).
pub fn atom(s: &PublicState, base: &str, component: Option<&str>) -> String {
    let base = base.trim_end_matches('/');
    let list = entries(s, base, component);
    let query = component
        .map(|c| format!("?component={}", escape(c)))
        .unwrap_or_default();
    let mut x = String::new();
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <id>{}</id><title>{}</title><updated>{}</updated>\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{base_e}/status/feed.atom{query}\"/>\
         <link rel=\"alternate\" type=\"text/html\" href=\"{base_e}/status\"/>\
         <author><name>{}</name></author>",
        uuid_for(&format!("{}/feed{}", s.page.id, query)),
        escape(&title(s, component)),
        utc::rfc3339(updated(s, &list)),
        escape(&s.page.name),
        base_e = escape(base),
    );
    for e in &list {
        let _ = write!(
            x,
            "<entry><id>{}</id><title>{}</title><updated>{at}</updated><published>{at}</published>\
             <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\
             <content type=\"html\">{}</content></entry>",
            e.id,
            escape(&e.title),
            escape(&e.link),
            escape(&e.html),
            at = utc::rfc3339(e.at),
        );
    }
    x.push_str("</feed>\n");
    x
}

/// The RSS 2.0 feed.
pub fn rss(s: &PublicState, base: &str, component: Option<&str>) -> String {
    let base = base.trim_end_matches('/');
    let list = entries(s, base, component);
    let query = component
        .map(|c| format!("?component={}", escape(c)))
        .unwrap_or_default();
    let mut x = String::new();
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel>\
         <title>{}</title><link>{base_e}/status</link><description>{}</description>\
         <atom:link rel=\"self\" type=\"application/rss+xml\" href=\"{base_e}/status/feed.rss{query}\"/>\
         <lastBuildDate>{}</lastBuildDate>",
        escape(&title(s, component)),
        escape(&format!("Incidents and maintenance from {}", s.page.name)),
        rfc822(updated(s, &list)),
        base_e = escape(base),
    );
    for e in &list {
        let _ = write!(
            x,
            "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">{}</guid>\
             <pubDate>{}</pubDate><description>{}</description></item>",
            escape(&e.title),
            escape(&e.link),
            e.id,
            rfc822(e.at),
            escape(&e.html),
        );
    }
    x.push_str("</channel></rss>\n");
    x
}

/// `Sun, 29 Nov 2026 15:17:30 GMT` (RFC 822 as RSS wants it, 4-digit year).
pub fn rfc822(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let date = Date(ms.div_euclid(86_400_000));
    let (y, m, d) = date.ymd();
    let s = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{}, {d:02} {} {y} {:02}:{:02}:{:02} GMT",
        DAYS[date.weekday() as usize],
        MONTHS[(m - 1) as usize],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_uuids_of_version_eight() {
        let a = uuid_for("sitrep/update/u1");
        assert_eq!(a, uuid_for("sitrep/update/u1"));
        assert_ne!(a, uuid_for("sitrep/update/u2"));
        assert_eq!(a.len(), "urn:uuid:".len() + 36);
        let hex = &a["urn:uuid:".len()..];
        assert_eq!(&hex[14..15], "8", "version 8: {a}");
        assert!("89ab".contains(&hex[19..20]), "RFC 9562 variant: {a}");
    }

    #[test]
    fn dates_read_as_rss_wants_them() {
        // 2026-11-29T15:17:30Z was a Sunday.
        assert_eq!(rfc822(1_795_965_450_000), "Sun, 29 Nov 2026 15:17:30 GMT");
        assert_eq!(rfc822(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}

#[cfg(test)]
mod entries {
    use super::*;
    use crate::comms::Phase;
    use crate::status_page::test_world::{outage, NOW};
    use crate::vocabulary::ComponentStatus;

    #[test]
    fn every_published_update_is_an_entry_once_newest_first_with_a_stable_id() {
        let mut w = outage();
        w.publish(
            "inc-1",
            "u2",
            NOW - 1_800_000,
            Phase::Resolved,
            "Fixed; no data lost.",
            None,
            ComponentStatus::Operational,
        );
        w.publish(
            "inc-1",
            "pm",
            NOW - 600_000,
            Phase::Postmortem,
            "A bad deploy; no data lost.",
            None,
            ComponentStatus::Operational,
        );
        let s = w.state();
        let list = entries(&s, "https://status.example.com/", None);
        let titles: Vec<&str> = list.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Checkout errors: Post-mortem",
                "Checkout errors: Resolved",
                "Checkout errors: Investigating"
            ]
        );
        let code = &s.shown["inc-1"].code;
        assert_eq!(
            list[1].link,
            format!("https://status.example.com/status/incidents/{code}#update-u2")
        );
        // Built again later (more published, another host): same ids.
        w.publish(
            "inc-1",
            "u3",
            NOW,
            Phase::Resolved,
            "Still fine; no data lost.",
            None,
            ComponentStatus::Operational,
        );
        let again = entries(&w.state(), "https://elsewhere.example", None);
        assert_eq!(again.len(), 4);
        for e in &list {
            assert_eq!(again.iter().filter(|a| a.id == e.id).count(), 1);
        }
    }

    #[test]
    fn the_feeds_escape_their_text_and_name_no_internal_title() {
        let s = outage().state();
        for xml in [
            atom(&s, "https://s.example", None),
            rss(&s, "https://s.example", None),
        ] {
            assert!(!xml.contains("<script"), "{xml}");
            assert!(
                xml.contains("&lt;strong&gt;Investigating&lt;/strong&gt;"),
                "{xml}"
            );
            assert!(!xml.contains("db-7"));
            assert!(xml.contains("Checkout errors: Investigating"));
        }
        let a = atom(&s, "https://s.example", None);
        assert!(a.contains("<link rel=\"self\" type=\"application/atom+xml\" href=\"https://s.example/status/feed.atom\"/>"));
        let r = rss(&s, "https://s.example", None);
        assert!(
            r.contains("<pubDate>Sun, 29 Nov 2026 11:00:00 GMT</pubDate>"),
            "{r}"
        );
    }

    #[test]
    fn a_component_feed_carries_only_incidents_that_named_it() {
        let s = outage().state();
        assert_eq!(entries(&s, "https://s.example", Some("api")).len(), 1);
        assert!(entries(&s, "https://s.example", Some("web")).is_empty());
        assert!(atom(&s, "https://s.example", Some("api"))
            .contains("<title>Example &amp; Co status — Public API</title>"));
    }
}
