//! Renders a note's Markdown as elements built from core's parsed tree.
//! Every piece of text becomes a text node; nothing is parsed as HTML.

use leptos::prelude::*;
use sitrep_core::view::markdown::{parse, Block, Inline};

#[component]
pub fn Markdown(#[prop(into)] text: String) -> impl IntoView {
    let blocks = parse(&text);
    view! { <div class="markdown">{blocks.into_iter().map(block).collect_view()}</div> }
}

fn block(b: Block) -> AnyView {
    match b {
        Block::Paragraph(v) => view! { <p>{inlines(v)}</p> }.into_any(),
        // Headings inside a note are sub-points, not page structure.
        Block::Heading(_, v) => {
            view! { <p class="md-heading"><strong>{inlines(v)}</strong></p> }.into_any()
        }
        Block::List {
            ordered: true,
            items,
        } => view! { <ol>{items.into_iter().map(item).collect_view()}</ol> }.into_any(),
        Block::List {
            ordered: false,
            items,
        } => view! { <ul>{items.into_iter().map(item).collect_view()}</ul> }.into_any(),
        Block::Code(code) => view! { <pre><code>{code}</code></pre> }.into_any(),
        Block::Quote(b) => {
            view! { <blockquote>{b.into_iter().map(block).collect_view()}</blockquote> }.into_any()
        }
        Block::Rule => view! { <hr/> }.into_any(),
    }
}

fn item(blocks: Vec<Block>) -> impl IntoView {
    view! { <li>{blocks.into_iter().map(block).collect_view()}</li> }
}

fn inlines(v: Vec<Inline>) -> Vec<AnyView> {
    v.into_iter().map(inline).collect()
}

fn inline(i: Inline) -> AnyView {
    match i {
        Inline::Text(t) => t.into_any(),
        Inline::Code(t) => view! { <code>{t}</code> }.into_any(),
        Inline::Strong(v) => view! { <strong>{inlines(v)}</strong> }.into_any(),
        Inline::Emphasis(v) => view! { <em>{inlines(v)}</em> }.into_any(),
        Inline::Strike(v) => view! { <s>{inlines(v)}</s> }.into_any(),
        // core only lets http(s) and mailto through.
        Inline::Link { href, children } => view! {
            <a href=href rel="noopener noreferrer nofollow" target="_blank">{inlines(children)}</a>
        }
        .into_any(),
        Inline::Break => view! { <br/> }.into_any(),
    }
}
