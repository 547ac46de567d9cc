//! The SVG chart of `metrics --chart`: findings per severity in each scan of a line, as stacked
//! bars.

use std::fmt::Write as _;

use scantrail_metrics::ChartBar;
use scantrail_model::Severity;

const PLOT_HEIGHT: f64 = 320.0;
const MARGIN_LEFT: f64 = 70.0;
const MARGIN_TOP: f64 = 60.0;
const MARGIN_BOTTOM: f64 = 110.0;
const LEGEND_WIDTH: f64 = 150.0;
const BAR_WIDTH: f64 = 36.0;
const BAR_GAP: f64 = 20.0;
const MIN_PLOT_WIDTH: f64 = 320.0;
/// The widest horizontal space one bar gets, so that one or two bars do not float apart.
const MAX_SLOT: f64 = 120.0;

/// Bottom to top: the most severe findings sit on the axis, where they are easiest to compare.
const STACK_ORDER: [Severity; 5] = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Unknown];

fn color(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#7f1d1d",
        Severity::High => "#dc2626",
        Severity::Medium => "#f59e0b",
        Severity::Low => "#3b82f6",
        Severity::Unknown => "#9ca3af",
    }
}

/// Renders the chart of one line's scans, oldest on the left.
pub fn render_chart(repository: &str, bars: &[ChartBar]) -> String {
    // A few bars spread over the minimum width; many bars make the plot wider.
    let slot = ((MIN_PLOT_WIDTH - BAR_GAP) / bars.len().max(1) as f64).clamp(BAR_WIDTH + BAR_GAP, MAX_SLOT);
    let plot_width = (bars.len() as f64 * slot + BAR_GAP).max(MIN_PLOT_WIDTH);
    // NOTE: SVG cannot measure text, so the repository line is estimated at 8 pixels per
    // character of its 13-pixel font. Very wide glyphs may still be clipped.
    let width = (MARGIN_LEFT + plot_width + LEGEND_WIDTH).max(MARGIN_LEFT + repository.chars().count() as f64 * 8.0 + 20.0);
    let height = MARGIN_TOP + PLOT_HEIGHT + MARGIN_BOTTOM;
    let max_total = bars.iter().map(|bar| bar.counts.values().sum::<usize>()).max().unwrap_or(0);
    let (step, top) = axis_scale(max_total);
    let y = |count: f64| MARGIN_TOP + PLOT_HEIGHT - count / top * PLOT_HEIGHT;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(svg, r#"<text x="{MARGIN_LEFT}" y="24" font-size="16" font-weight="bold">Open findings by severity in each scan</text>"#);
    let _ = writeln!(svg, r##"<text x="{MARGIN_LEFT}" y="42" font-size="13" fill="#374151">{}</text>"##, escape(repository));

    // Horizontal grid lines and the y axis labels.
    let mut tick = 0.0;
    while tick <= top + 0.5 {
        let line_y = y(tick);
        let _ = writeln!(
            svg,
            r##"<line x1="{MARGIN_LEFT}" y1="{line_y:.1}" x2="{:.1}" y2="{line_y:.1}" stroke="#e5e7eb"/>"##,
            MARGIN_LEFT + plot_width
        );
        let _ = writeln!(svg, r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{tick:.0}</text>"#, MARGIN_LEFT - 8.0, line_y + 4.0);
        tick += step;
    }
    let _ = writeln!(
        svg,
        r#"<text transform="translate(20 {:.1}) rotate(-90)" text-anchor="middle">findings</text>"#,
        MARGIN_TOP + PLOT_HEIGHT / 2.0
    );

    for (index, bar) in bars.iter().enumerate() {
        let x = MARGIN_LEFT + BAR_GAP + index as f64 * slot + (slot - BAR_GAP - BAR_WIDTH) / 2.0;
        write_bar(&mut svg, bar, x, &y);
    }

    // Axes on top of the bars.
    let axis_y = MARGIN_TOP + PLOT_HEIGHT;
    let _ = writeln!(svg, r##"<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP}" x2="{MARGIN_LEFT}" y2="{axis_y}" stroke="#111827"/>"##);
    let _ = writeln!(
        svg,
        r##"<line x1="{MARGIN_LEFT}" y1="{axis_y}" x2="{:.1}" y2="{axis_y}" stroke="#111827"/>"##,
        MARGIN_LEFT + plot_width
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">scan (tag or scan id, and date), oldest first</text>"#,
        MARGIN_LEFT + plot_width / 2.0,
        height - 12.0
    );
    if bars.is_empty() {
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#6b7280">no scans in the chosen time window</text>"##,
            MARGIN_LEFT + plot_width / 2.0,
            MARGIN_TOP + PLOT_HEIGHT / 2.0
        );
    }

    write_legend(&mut svg, MARGIN_LEFT + plot_width + 24.0);
    svg.push_str("</svg>\n");
    svg
}

fn write_bar(svg: &mut String, bar: &ChartBar, x: f64, y: &impl Fn(f64) -> f64) {
    let _ = writeln!(svg, "<g>");
    let _ = writeln!(svg, "<title>{}</title>", escape(&bar_tooltip(bar)));
    let mut base = 0.0;
    for severity in STACK_ORDER {
        let count = bar.counts.get(&severity).copied().unwrap_or(0) as f64;
        if count == 0.0 {
            continue;
        }
        let (top, bottom) = (y(base + count), y(base));
        let _ = writeln!(
            svg,
            r#"<rect x="{x:.1}" y="{top:.1}" width="{BAR_WIDTH}" height="{:.1}" fill="{}"/>"#,
            bottom - top,
            color(severity)
        );
        base += count;
    }
    let _ = writeln!(svg, r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{base:.0}</text>"#, x + BAR_WIDTH / 2.0, y(base) - 5.0);

    // Labels slant down to the left so that long tags do not overlap their neighbours.
    let label_x = x + BAR_WIDTH / 2.0 + 4.0;
    let label_y = MARGIN_TOP + PLOT_HEIGHT + 16.0;
    let _ = writeln!(
        svg,
        r#"<text transform="translate({label_x:.1} {label_y:.1}) rotate(-35)" text-anchor="end">{}</text>"#,
        escape(&shorten(&bar.label, 18))
    );
    let _ = writeln!(
        svg,
        r##"<text transform="translate({:.1} {:.1}) rotate(-35)" text-anchor="end" font-size="10" fill="#4b5563">{}</text>"##,
        label_x + 9.0,
        label_y + 9.0,
        bar.scanned_at.format("%Y-%m-%d")
    );
    let _ = writeln!(svg, "</g>");
}

fn write_legend(svg: &mut String, x: f64) {
    let _ = writeln!(svg, r#"<text x="{x:.1}" y="{MARGIN_TOP}" font-weight="bold">severity</text>"#);
    // Listed top to bottom in the order the stack shows them.
    for (row, severity) in STACK_ORDER.iter().rev().enumerate() {
        let row_y = MARGIN_TOP + 14.0 + row as f64 * 22.0;
        let _ = writeln!(svg, r#"<rect x="{x:.1}" y="{row_y:.1}" width="14" height="14" fill="{}"/>"#, color(*severity));
        let _ = writeln!(svg, r#"<text x="{:.1}" y="{:.1}">{}</text>"#, x + 20.0, row_y + 11.5, severity.as_str().to_lowercase());
    }
}

fn bar_tooltip(bar: &ChartBar) -> String {
    let counts: Vec<String> = STACK_ORDER
        .iter()
        .map(|severity| format!("{} {}", bar.counts.get(severity).copied().unwrap_or(0), severity.as_str().to_lowercase()))
        .collect();
    format!("{} ({}, scan {}): {}", bar.label, bar.scanned_at.format("%Y-%m-%d %H:%M UTC"), bar.scan_id.short(), counts.join(", "))
}

/// Chooses the y axis step (1, 2 or 5 times a power of ten, for about five grid lines) and top.
fn axis_scale(max_total: usize) -> (f64, f64) {
    let max_total = max_total.max(1) as f64;
    let raw_step = max_total / 5.0;
    let magnitude = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|factor| factor * magnitude)
        .find(|step| *step >= raw_step)
        .unwrap_or(10.0 * magnitude)
        .max(1.0);
    (step, (max_total / step).ceil() * step)
}

fn shorten(label: &str, max_chars: usize) -> String {
    if label.chars().count() <= max_chars {
        return label.to_string();
    }
    let kept: String = label.chars().take(max_chars - 1).collect();
    format!("{kept}…")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_scale_uses_round_steps() {
        assert_eq!(axis_scale(0), (1.0, 1.0));
        assert_eq!(axis_scale(7), (2.0, 8.0));
        assert_eq!(axis_scale(74), (20.0, 80.0));
        assert_eq!(axis_scale(100), (20.0, 100.0));
    }

    #[test]
    fn escape_markup_in_labels() {
        assert_eq!(escape("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
    }
}
