//! The same safe Markdown tree the console renders (`markdown::parse`: raw
//! HTML kept as text, links only to http, https and mailto, images as their
//! alt text) written out as HTML text for pages built on the server, such
//! as the public status page. Every piece of text is escaped here, so the
//! only tags in the output are the ones this module writes.

use crate::view::markdown::{parse, safe_href, Block, Inline};

/// Escapes text for HTML element content and double- or single-quoted
/// attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Markdown → HTML by the safe rules. Headings are shifted down so an
/// update's `#` can never outrank the page's own headings (`min_heading`
/// is the highest level the text may use, e.g. 4 under an `<h3>`).
pub fn to_html(markdown: &str, min_heading: u8) -> String {
    let mut out = String::new();
    blocks(&mut out, &parse(markdown), min_heading.clamp(1, 6));
    out
}

fn blocks(out: &mut String, list: &[Block], min_heading: u8) {
    for b in list {
        match b {
            Block::Paragraph(v) => {
                out.push_str("<p>");
                inlines(out, v);
                out.push_str("</p>");
            }
            Block::Heading(level, v) => {
                let l = (level.saturating_sub(1) + min_heading).min(6);
                out.push_str(&format!("<h{l}>"));
                inlines(out, v);
                out.push_str(&format!("</h{l}>"));
            }
            Block::List { ordered, items } => {
                let tag = if *ordered { "ol" } else { "ul" };
                out.push_str(&format!("<{tag}>"));
                for item in items {
                    out.push_str("<li>");
                    blocks(out, item, min_heading);
                    out.push_str("</li>");
                }
                out.push_str(&format!("</{tag}>"));
            }
            Block::Code(code) => {
                out.push_str("<pre><code>");
                out.push_str(&escape(code));
                out.push_str("</code></pre>");
            }
            Block::Quote(inner) => {
                out.push_str("<blockquote>");
                blocks(out, inner, min_heading);
                out.push_str("</blockquote>");
            }
            Block::Rule => out.push_str("<hr>"),
        }
    }
}

fn inlines(out: &mut String, list: &[Inline]) {
    for i in list {
        match i {
            Inline::Text(t) => out.push_str(&escape(t)),
            Inline::Code(t) => {
                out.push_str("<code>");
                out.push_str(&escape(t));
                out.push_str("</code>");
            }
            Inline::Strong(c) => wrap(out, "strong", c),
            Inline::Emphasis(c) => wrap(out, "em", c),
            Inline::Strike(c) => wrap(out, "del", c),
            Inline::Link { href, children } => {
                // The tree only holds safe links; checked again because this
                // is the last step before a browser sees the address.
                if safe_href(href) {
                    out.push_str("<a href=\"");
                    out.push_str(&escape(href.trim()));
                    out.push_str("\" rel=\"nofollow noopener\">");
                    inlines(out, children);
                    out.push_str("</a>");
                } else {
                    inlines(out, children);
                }
            }
            Inline::Break => out.push_str("<br>"),
        }
    }
}

fn wrap(out: &mut String, tag: &str, children: &[Inline]) {
    out.push_str(&format!("<{tag}>"));
    inlines(out, children);
    out.push_str(&format!("</{tag}>"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emphasis_lists_code_and_safe_links_become_tags() {
        let html = to_html(
            "**Investigating** — errors on *checkout*.\n\n- one\n- `two`\n\nSee [status](https://example.com/a?b=1&c=2).",
            4,
        );
        assert_eq!(
            html,
            "<p><strong>Investigating</strong> — errors on <em>checkout</em>.</p>\
             <ul><li><p>one</p></li><li><p><code>two</code></p></li></ul>\
             <p>See <a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow noopener\">status</a>.</p>"
        );
    }

    #[test]
    fn raw_html_and_scripts_come_out_as_escaped_text() {
        let html = to_html(
            "<script>alert(1)</script>\n\nhi <img src=x onerror=alert(1)> & \"q\"",
            4,
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("&amp; &quot;q&quot;"), "{html}");
    }

    #[test]
    fn unsafe_link_schemes_keep_their_text_only() {
        let html = to_html(
            "[a](javascript:alert(1)) [b](data:text/html,x) [c](vbscript:x) [d](mailto:help@example.com)",
            4,
        );
        assert_eq!(
            html,
            "<p>a b c <a href=\"mailto:help@example.com\" rel=\"nofollow noopener\">d</a></p>"
        );
    }

    #[test]
    fn a_link_address_cannot_break_out_of_its_attribute() {
        let html = to_html("[x](https://e.com/\"onmouseover=alert(1))", 4);
        assert!(!html.contains("\"onmouseover"), "{html}");
    }

    #[test]
    fn headings_never_outrank_the_page() {
        assert_eq!(
            to_html("# Big\n\n### Small", 4),
            "<h4>Big</h4><h6>Small</h6>"
        );
        assert_eq!(to_html("###### Tiny", 4), "<h6>Tiny</h6>");
    }

    #[test]
    fn images_show_their_alt_text_and_are_never_fetched() {
        assert_eq!(to_html("![logo](https://x/y.png)", 4), "<p>logo</p>");
    }

    #[test]
    fn code_blocks_keep_their_text_escaped() {
        assert_eq!(
            to_html("```\n<b>x</b>\n```", 4),
            "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>"
        );
    }
}
