//! A horizontal bar chart as inline SVG. Every bar carries its label and
//! value as text, and a second series is hatched rather than coloured, so
//! the chart reads in greyscale, in print and to colour-blind eyes.

use leptos::prelude::*;
use sitrep_core::view::words;

#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    /// Length in the chart's unit; `None` draws no bar ("no data").
    pub value: Option<f64>,
    /// The value as people read it, printed beside the bar.
    pub text: String,
    /// Drawn hatched: the second series of a pair.
    pub hatched: bool,
}

const ROW: f64 = 26.0;
const LABEL_W: f64 = 150.0;
const BAR_W: f64 = 200.0;
const WIDTH: f64 = 440.0;

/// Characters of a label that fit left of the bars at 12 px; a longer one
/// is shortened (the table beside the chart has it whole) rather than
/// clipped at its start ("ayments / Payments API").
const LABEL_CHARS: usize = 20;

#[component]
pub fn BarChart(
    /// Names the chart for assistive technology, e.g. "Mean time to detect…".
    #[prop(into)]
    title: String,
    /// Unique on the page: the hatch pattern's id is made from it.
    id: &'static str,
    bars: Vec<Bar>,
) -> impl IntoView {
    let max = bars.iter().filter_map(|b| b.value).fold(0.0_f64, f64::max);
    let height = ROW * bars.len().max(1) as f64 + 8.0;
    let hatch = format!("{id}-hatch");
    let hatch_fill = format!("url(#{hatch})");
    let rows = bars
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let y = 4.0 + ROW * i as f64;
            let len = match (b.value, max > 0.0) {
                (Some(v), true) => (v / max * BAR_W).max(2.0),
                _ => 0.0,
            };
            // A solid bar takes its colour from the stylesheet (`.chart rect.solid`),
            // so it follows the theme; the hatched one keeps its pattern.
            let (fill, class) = if b.hatched { (Some(hatch_fill.clone()), "hatched") } else { (None, "solid") };
            view! {
                <g class="bar">
                    <text x=LABEL_W - 8.0 y=y + ROW / 2.0 + 4.0 text-anchor="end">{words::shorten(&b.label, LABEL_CHARS)}</text>
                    <rect x=LABEL_W y=y + 3.0 width=len height=ROW - 8.0 class=class fill=fill stroke-width="1"/>
                    <text x=LABEL_W + len + 6.0 y=y + ROW / 2.0 + 4.0>{b.text}</text>
                </g>
            }
        })
        .collect_view();
    let name = title.clone();
    view! {
        <svg class="chart" role="img" aria-label=name width=WIDTH height=height
            viewBox=format!("0 0 {WIDTH} {height}") xmlns="http://www.w3.org/2000/svg">
            <title>{title}</title>
            <defs>
                <pattern id=hatch width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                    <rect width="6" height="6"/>
                    <line x1="0" y1="0" x2="0" y2="6" stroke-width="3"/>
                </pattern>
            </defs>
            {rows}
        </svg>
    }
}
