//! Notes are Markdown. This turns a note into a small tree of blocks and
//! inlines that views render as elements; there is no path from a note to
//! raw HTML. HTML in a note is kept as literal text, and links go only to
//! http, https or mailto.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Inline>),
    Heading(u8, Vec<Inline>),
    List {
        ordered: bool,
        items: Vec<Vec<Block>>,
    },
    Code(String),
    Quote(Vec<Block>),
    Rule,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    Strike(Vec<Inline>),
    Link { href: String, children: Vec<Inline> },
    Break,
}

/// A container being filled while the parser walks the note.
enum Open {
    Blocks(Vec<Block>),
    Inlines(Vec<Inline>),
    List(bool, Vec<Vec<Block>>),
}

/// What closes a container, to build the finished node.
enum Frame {
    Root,
    Paragraph,
    Heading(u8),
    Quote,
    List,
    Item,
    Strong,
    Emphasis,
    Strike,
    Link(String),
    Image,
    Code,
    Other,
}

pub fn parse(text: &str) -> Vec<Block> {
    let mut stack: Vec<(Frame, Open)> = vec![(Frame::Root, Open::Blocks(Vec::new()))];
    let mut code = String::new();
    let options = Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Start(tag) => {
                let (frame, open) = match tag {
                    Tag::Paragraph => (Frame::Paragraph, Open::Inlines(Vec::new())),
                    Tag::Heading { level, .. } => {
                        (Frame::Heading(level as u8), Open::Inlines(Vec::new()))
                    }
                    Tag::BlockQuote(_) => (Frame::Quote, Open::Blocks(Vec::new())),
                    Tag::List(start) => (Frame::List, Open::List(start.is_some(), Vec::new())),
                    Tag::Item => (Frame::Item, Open::Blocks(Vec::new())),
                    Tag::Emphasis => (Frame::Emphasis, Open::Inlines(Vec::new())),
                    Tag::Strong => (Frame::Strong, Open::Inlines(Vec::new())),
                    Tag::Strikethrough => (Frame::Strike, Open::Inlines(Vec::new())),
                    Tag::Link { dest_url, .. } => {
                        (Frame::Link(dest_url.to_string()), Open::Inlines(Vec::new()))
                    }
                    // Images are not fetched from a note: their alt text shows.
                    Tag::Image { .. } => (Frame::Image, Open::Inlines(Vec::new())),
                    Tag::CodeBlock(_) => {
                        code.clear();
                        (Frame::Code, Open::Blocks(Vec::new()))
                    }
                    _ => (Frame::Other, Open::Inlines(Vec::new())),
                };
                stack.push((frame, open));
            }
            Event::End(end) => {
                if matches!(end, TagEnd::CodeBlock) {
                    stack.pop();
                    push_block(&mut stack, Block::Code(std::mem::take(&mut code)));
                    continue;
                }
                let Some((frame, open)) = stack.pop() else {
                    break;
                };
                close(&mut stack, frame, open);
            }
            Event::Text(t) => {
                if matches!(stack.last(), Some((Frame::Code, _))) {
                    code.push_str(&t);
                } else {
                    push_inline(&mut stack, Inline::Text(t.to_string()));
                }
            }
            Event::Code(t) => push_inline(&mut stack, Inline::Code(t.to_string())),
            // Raw HTML is shown as the text it is.
            Event::Html(t) | Event::InlineHtml(t) => {
                push_inline(&mut stack, Inline::Text(t.to_string()))
            }
            Event::SoftBreak => push_inline(&mut stack, Inline::Text(" ".into())),
            Event::HardBreak => push_inline(&mut stack, Inline::Break),
            Event::Rule => push_block(&mut stack, Block::Rule),
            _ => {}
        }
    }
    // Unwind anything left open so no text is lost.
    while stack.len() > 1 {
        if let Some((frame, open)) = stack.pop() {
            close(&mut stack, frame, open);
        }
    }
    match stack.pop() {
        Some((_, Open::Blocks(b))) => b,
        _ => Vec::new(),
    }
}

fn close(stack: &mut [(Frame, Open)], frame: Frame, open: Open) {
    let inlines = |o: Open| match o {
        Open::Inlines(v) => v,
        _ => Vec::new(),
    };
    match frame {
        Frame::Paragraph => push_block(stack, Block::Paragraph(inlines(open))),
        Frame::Heading(l) => push_block(stack, Block::Heading(l, inlines(open))),
        Frame::Quote => {
            if let Open::Blocks(b) = open {
                push_block(stack, Block::Quote(b));
            }
        }
        Frame::List => {
            if let Open::List(ordered, items) = open {
                push_block(stack, Block::List { ordered, items });
            }
        }
        Frame::Item => {
            let blocks = match open {
                Open::Blocks(b) => b,
                _ => Vec::new(),
            };
            if let Some((_, Open::List(_, items))) = stack.last_mut() {
                items.push(blocks);
            }
        }
        Frame::Strong => push_inline(stack, Inline::Strong(inlines(open))),
        Frame::Emphasis => push_inline(stack, Inline::Emphasis(inlines(open))),
        Frame::Strike => push_inline(stack, Inline::Strike(inlines(open))),
        Frame::Link(href) => {
            let children = inlines(open);
            if safe_href(&href) {
                push_inline(stack, Inline::Link { href, children });
            } else {
                for c in children {
                    push_inline(stack, c);
                }
            }
        }
        Frame::Image | Frame::Other | Frame::Code | Frame::Root => {
            for c in inlines(open) {
                push_inline(stack, c);
            }
        }
    }
}

fn push_inline(stack: &mut [(Frame, Open)], inline: Inline) {
    match stack.last_mut() {
        Some((_, Open::Inlines(v))) => v.push(inline),
        // Loose text in a list item or quote (tight lists have no paragraph).
        Some((_, Open::Blocks(b))) => match b.last_mut() {
            Some(Block::Paragraph(v)) => v.push(inline),
            _ => b.push(Block::Paragraph(vec![inline])),
        },
        Some((_, Open::List(..))) | None => {}
    }
}

fn push_block(stack: &mut [(Frame, Open)], block: Block) {
    match stack.last_mut() {
        Some((_, Open::Blocks(b))) => b.push(block),
        Some((_, Open::Inlines(v))) => v.push(Inline::Text(plain(&[block]))),
        _ => {}
    }
}

/// Only links a responder would mean: web pages and mail.
pub fn safe_href(href: &str) -> bool {
    let lower = href.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

/// The text of blocks without markup, for search and exports.
pub fn plain(blocks: &[Block]) -> String {
    fn inl(out: &mut String, v: &[Inline]) {
        for i in v {
            match i {
                Inline::Text(t) | Inline::Code(t) => out.push_str(t),
                Inline::Strong(c) | Inline::Emphasis(c) | Inline::Strike(c) => inl(out, c),
                Inline::Link { children, .. } => inl(out, children),
                Inline::Break => out.push('\n'),
            }
        }
    }
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Paragraph(v) | Block::Heading(_, v) => inl(&mut out, v),
            Block::List { items, .. } => {
                for item in items {
                    out.push_str(&plain(item));
                    out.push('\n');
                }
            }
            Block::Code(c) => out.push_str(c),
            Block::Quote(b) => out.push_str(&plain(b)),
            Block::Rule => {}
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text(s.into())
    }

    #[test]
    fn emphasis_code_and_links_become_nodes() {
        let blocks = parse("Lag **40s** on `db-1`, see [graph](https://grafana.example/d/1)");
        assert_eq!(
            blocks,
            vec![Block::Paragraph(vec![
                text("Lag "),
                Inline::Strong(vec![text("40s")]),
                text(" on "),
                Inline::Code("db-1".into()),
                text(", see "),
                Inline::Link {
                    href: "https://grafana.example/d/1".into(),
                    children: vec![text("graph")]
                },
            ])]
        );
    }

    #[test]
    fn html_and_script_stay_literal_text() {
        let blocks = parse("<script>alert(1)</script>\n\nhi <img src=x onerror=alert(1)>");
        let all = plain(&blocks);
        assert!(all.contains("<script>alert(1)</script>"), "{all}");
        assert!(all.contains("<img src=x onerror=alert(1)>"), "{all}");
        fn no_links(b: &[Block]) -> bool {
            b.iter().all(|b| match b {
                Block::Paragraph(v) => v.iter().all(|i| !matches!(i, Inline::Link { .. })),
                _ => true,
            })
        }
        assert!(no_links(&blocks));
    }

    #[test]
    fn a_javascript_link_keeps_its_text_and_loses_its_target() {
        let blocks = parse("[click](javascript:alert(1)) and [x](data:text/html,hi)");
        assert_eq!(
            blocks,
            vec![Block::Paragraph(vec![
                text("click"),
                text(" and "),
                text("x")
            ])]
        );
    }

    #[test]
    fn lists_quotes_code_blocks_and_headings_nest() {
        let blocks =
            parse("## Now\n\n- one\n- two *it*\n\n> quoted\n\n```\nkubectl get pods\n```\n");
        assert_eq!(blocks[0], Block::Heading(2, vec![text("Now")]));
        assert_eq!(
            blocks[1],
            Block::List {
                ordered: false,
                items: vec![
                    vec![Block::Paragraph(vec![text("one")])],
                    vec![Block::Paragraph(vec![
                        text("two "),
                        Inline::Emphasis(vec![text("it")])
                    ])],
                ]
            }
        );
        assert_eq!(
            blocks[2],
            Block::Quote(vec![Block::Paragraph(vec![text("quoted")])])
        );
        assert_eq!(blocks[3], Block::Code("kubectl get pods\n".into()));
    }

    #[test]
    fn an_image_shows_its_alt_text_only() {
        assert_eq!(
            parse("![evil](https://x/y.png)"),
            vec![Block::Paragraph(vec![text("evil")])]
        );
    }

    #[test]
    fn a_large_note_parses_without_losing_text() {
        let note = "word ".repeat(20_000);
        assert_eq!(plain(&parse(&note)).len(), note.trim_end().len());
    }
}
