//! The evaluation report as one self-contained HTML page.
//!
//! `goshawk evaluate --report out.html` must produce a file that opens anywhere — offline, on an
//! air-gapped analyst machine, attached to a ticket — so the page carries no scripts, fonts or
//! stylesheets from elsewhere: the CSS is inline and every chart is SVG drawn here. Model names,
//! file paths and attack-type labels can come from attacker-controlled data, so every string
//! that reaches the page goes through [`escape_html`].

use crate::metrics::{
    pr_curve, roc_curve, thin_curve, MetricsError, PrPoint, RocPoint, PLOT_POINTS,
};
use crate::report::{format_number, format_optional, ModelEvaluation, ModelReport, Report};
use std::fmt::Write as _;

/// Line colours for models, in order (Okabe-Ito, distinguishable with colour-vision deficiency).
const MODEL_COLOURS: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7F3C8D", "#444444",
];
const NORMAL_COLOUR: &str = "#0072B2";
const ATTACK_COLOUR: &str = "#D55E00";
const HISTOGRAM_BINS: usize = 40;

/// Escapes text for HTML element content and quoted attribute values (`& < > " '`).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Renders the full page: run metadata, the metrics of every model side by side, ROC and PR
/// curves (all models per plot), score histograms and confusion matrices per model, and the
/// per-group (attack type) detection table when groups are given.
pub fn render_report(
    title: &str,
    meta: &[(String, String)],
    models: &[ModelEvaluation],
) -> Result<String, MetricsError> {
    let report = Report::build(title, meta, models)?;
    let mut page = String::with_capacity(64 * 1024);
    let title = escape_html(&report.title);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <header><p class=\"kicker\">goshawk evaluation report</p><h1>{title}</h1>"
    );
    if !report.meta.is_empty() {
        page.push_str("<dl class=\"meta\">");
        for entry in &report.meta {
            let _ = write!(
                page,
                "<dt>{}</dt><dd>{}</dd>",
                escape_html(&entry.key),
                escape_html(&entry.value)
            );
        }
        page.push_str("</dl>");
    }
    page.push_str("</header>\n");

    if report.models.is_empty() {
        page.push_str("<section class=\"card\"><p>No models were evaluated.</p></section>\n");
    } else {
        render_summary(&mut page, &report);
        render_curves(&mut page, &report, models);
        render_model_details(&mut page, &report, models);
        render_groups(&mut page, &report);
        render_notes(&mut page, &report);
    }
    page.push_str(
        "<footer>A row is flagged when its score is at or above the model&#39;s threshold \
         (unless the model supplied explicit verdicts). PR-AUC is average precision; ROC-AUC \
         counts tied scores as one half.</footer>\n</main>\n</body>\n</html>\n",
    );
    Ok(page)
}

fn colour(index: usize) -> &'static str {
    MODEL_COLOURS[index % MODEL_COLOURS.len()]
}

/// Which direction of a metric is better, for highlighting the best model.
#[derive(Clone, Copy)]
enum Better {
    Higher,
    Lower,
    Neither,
}

fn render_summary(page: &mut String, report: &Report) {
    page.push_str("<section class=\"card\"><h2>Metrics at the operating threshold</h2>\n");
    page.push_str("<div class=\"scroll\"><table class=\"metrics\"><thead><tr><th>metric</th>");
    for (index, model) in report.models.iter().enumerate() {
        let _ = write!(
            page,
            "<th><span class=\"swatch\" style=\"background:{}\"></span>{}</th>",
            colour(index),
            escape_html(&model.name)
        );
    }
    page.push_str("</tr></thead><tbody>\n");
    type Cell = fn(&ModelReport) -> Option<f64>;
    let rows: [(&str, Better, Cell, bool); 14] = [
        ("rows", Better::Neither, |m| Some(m.rows as f64), true),
        (
            "attack rows",
            Better::Neither,
            |m| Some(m.positives as f64),
            true,
        ),
        ("threshold", Better::Neither, |m| Some(m.threshold), false),
        (
            "precision",
            Better::Higher,
            |m| Some(m.operating.precision),
            false,
        ),
        (
            "recall (detection rate)",
            Better::Higher,
            |m| Some(m.operating.recall),
            false,
        ),
        ("F1", Better::Higher, |m| Some(m.operating.f1), false),
        (
            "false-positive rate",
            Better::Lower,
            |m| Some(m.operating.fpr),
            false,
        ),
        (
            "accuracy",
            Better::Higher,
            |m| Some(m.operating.accuracy),
            false,
        ),
        ("ROC-AUC", Better::Higher, |m| m.roc_auc, false),
        (
            "PR-AUC (average precision)",
            Better::Higher,
            |m| m.pr_auc,
            false,
        ),
        ("true / false positives", Better::Neither, |_| None, true),
        ("true negatives / missed", Better::Neither, |_| None, true),
        (
            "best-F1 threshold",
            Better::Neither,
            |m| m.best_f1.map(|b| b.threshold),
            false,
        ),
        (
            "F1 at best-F1 threshold",
            Better::Higher,
            |m| m.best_f1.map(|b| b.metrics.f1),
            false,
        ),
    ];
    for (label, better, cell, is_count) in rows {
        let values: Vec<Option<f64>> = report.models.iter().map(cell).collect();
        let best = best_value(&values, better);
        let _ = write!(page, "<tr><td>{}</td>", escape_html(label));
        for (model, value) in report.models.iter().zip(&values) {
            let text = match label {
                "true / false positives" => format!(
                    "{} / {}",
                    model.operating.confusion.tp, model.operating.confusion.fp
                ),
                "true negatives / missed" => format!(
                    "{} / {}",
                    model.operating.confusion.tn, model.operating.confusion.fn_
                ),
                "threshold" if !model.threshold_decides => {
                    format!("{} (verdicts)", format_number(model.threshold))
                }
                _ if is_count => value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.0}")),
                _ => format_optional(*value),
            };
            let class = if best.is_some() && *value == best && report.models.len() > 1 {
                " class=\"best\""
            } else {
                ""
            };
            let _ = write!(page, "<td{class}>{}</td>", escape_html(&text));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody></table></div></section>\n");
}

fn best_value(values: &[Option<f64>], better: Better) -> Option<f64> {
    let finite = values.iter().flatten().copied().filter(|v| v.is_finite());
    match better {
        Better::Higher => finite.reduce(f64::max),
        Better::Lower => finite.reduce(f64::min),
        Better::Neither => None,
    }
}

fn render_curves(page: &mut String, report: &Report, models: &[ModelEvaluation]) {
    page.push_str("<section class=\"grid2\">\n");

    // ROC: all models on one plot, with the chance diagonal.
    let frame = Frame::square_unit();
    let mut svg = frame.open("ROC curves");
    frame.axes(
        &mut svg,
        &unit_ticks(),
        &unit_ticks(),
        "false-positive rate",
        "true-positive rate (recall)",
    );
    let _ = write!(
        svg,
        "<line class=\"chance\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
        frame.px(0.0),
        frame.py(0.0),
        frame.px(1.0),
        frame.py(1.0)
    );
    let mut legend = Vec::new();
    for (index, (model, summary)) in models.iter().zip(&report.models).enumerate() {
        let Some(auc) = summary.roc_auc else { continue };
        let Ok(curve) = roc_curve(&model.scores, &model.labels) else {
            continue;
        };
        let points: Vec<RocPoint> = thin_curve(&curve, PLOT_POINTS);
        let path = polyline(&frame, points.iter().map(|p| (p.fpr, p.tpr)));
        let _ = write!(
            svg,
            "<path class=\"curve roc-curve\" stroke=\"{}\" d=\"{path}\"/>",
            colour(index)
        );
        let operating = summary.operating;
        let _ = write!(
            svg,
            "<circle class=\"operating\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" stroke=\"{}\"><title>{} at threshold {}</title></circle>",
            frame.px(operating.fpr),
            frame.py(operating.recall),
            colour(index),
            escape_html(&summary.name),
            escape_html(&format_number(summary.threshold))
        );
        legend.push((colour(index), format!("{} · AUC {auc:.3}", summary.name)));
    }
    svg.push_str("</svg>");
    write_chart_card(
        page,
        "ROC curve",
        "Each point is a threshold; circles mark the operating threshold. Dashed: chance.",
        &svg,
        &legend,
        "Not drawn: the ROC curve needs both attack and normal rows.",
    );

    // Precision-recall: all models, with each data set's no-skill line (the attack share).
    let mut svg = frame.open("Precision-recall curves");
    frame.axes(
        &mut svg,
        &unit_ticks(),
        &unit_ticks(),
        "recall",
        "precision",
    );
    let mut legend = Vec::new();
    let mut prevalences: Vec<f64> = Vec::new();
    for (index, (model, summary)) in models.iter().zip(&report.models).enumerate() {
        let Some(average_precision) = summary.pr_auc else {
            continue;
        };
        let Ok(curve) = pr_curve(&model.scores, &model.labels) else {
            continue;
        };
        let prevalence = summary.positives as f64 / summary.rows.max(1) as f64;
        if !prevalences.iter().any(|p| (p - prevalence).abs() < 1e-9) {
            prevalences.push(prevalence);
            let _ = write!(
                svg,
                "<line class=\"chance\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
                frame.px(0.0),
                frame.py(prevalence),
                frame.px(1.0),
                frame.py(prevalence)
            );
        }
        let points: Vec<PrPoint> = thin_curve(&curve, PLOT_POINTS);
        let path = pr_step_path(&frame, &points);
        let _ = write!(
            svg,
            "<path class=\"curve pr-curve\" stroke=\"{}\" d=\"{path}\"/>",
            colour(index)
        );
        let operating = summary.operating;
        if operating.confusion.tp + operating.confusion.fp > 0 {
            let _ = write!(
                svg,
                "<circle class=\"operating\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" stroke=\"{}\"/>",
                frame.px(operating.recall),
                frame.py(operating.precision),
                colour(index)
            );
        }
        legend.push((
            colour(index),
            format!("{} · AP {average_precision:.3}", summary.name),
        ));
    }
    svg.push_str("</svg>");
    write_chart_card(
        page,
        "Precision-recall curve",
        "Step curve whose area is the average precision. Dashed: share of attack rows (no skill).",
        &svg,
        &legend,
        "Not drawn: the precision-recall curve needs attack rows.",
    );
    page.push_str("</section>\n");
}

fn write_chart_card(
    page: &mut String,
    heading: &str,
    caption: &str,
    svg: &str,
    legend: &[(&str, String)],
    not_drawn: &str,
) {
    let _ = write!(
        page,
        "<div class=\"card\"><h2>{}</h2>",
        escape_html(heading)
    );
    if legend.is_empty() {
        let _ = write!(page, "<p class=\"muted\">{}</p>", escape_html(not_drawn));
    } else {
        page.push_str(&html_legend(legend, Swatch::Line));
        page.push_str(svg);
        let _ = write!(page, "<p class=\"caption\">{}</p>", escape_html(caption));
    }
    page.push_str("</div>\n");
}

#[derive(Clone, Copy)]
enum Swatch {
    Line,
    Area,
}

/// A legend above a chart, in HTML so that it wraps instead of covering the data.
fn html_legend(entries: &[(&str, String)], swatch: Swatch) -> String {
    let class = match swatch {
        Swatch::Line => "key line",
        Swatch::Area => "key area",
    };
    let mut out = String::from("<div class=\"chart-legend\">");
    for (colour, text) in entries {
        let _ = write!(
            out,
            "<span class=\"item\"><span class=\"{class}\" style=\"--c:{colour}\"></span>{}</span>",
            escape_html(text)
        );
    }
    out.push_str("</div>");
    out
}

fn render_model_details(page: &mut String, report: &Report, models: &[ModelEvaluation]) {
    page.push_str("<h2 class=\"section-title\">Score distributions and confusion matrices</h2>\n");
    page.push_str("<section class=\"grid2\">\n");
    for (index, (model, summary)) in models.iter().zip(&report.models).enumerate() {
        let _ = write!(
            page,
            "<div class=\"card\"><h2><span class=\"swatch\" style=\"background:{}\"></span>{}</h2>",
            colour(index),
            escape_html(&summary.name)
        );
        page.push_str(&histogram_svg(model, summary));
        page.push_str(&confusion_table(summary));
        page.push_str("</div>\n");
    }
    page.push_str("</section>\n");
}

/// Overlaid score histograms of normal and attack rows, each normalised to its class size so
/// that a rare class stays visible.
fn histogram_svg(model: &ModelEvaluation, summary: &ModelReport) -> String {
    let finite: Vec<f64> = model
        .scores
        .iter()
        .copied()
        .filter(|s| s.is_finite())
        .collect();
    let (mut low, mut high) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &s| {
            (lo.min(s), hi.max(s))
        });
    if finite.is_empty() {
        (low, high) = (0.0, 1.0);
    } else if high - low <= f64::EPSILON * high.abs().max(1.0) {
        (low, high) = (low - 0.5, high + 0.5);
    }
    let bin_width = (high - low) / HISTOGRAM_BINS as f64;
    let mut normal = [0usize; HISTOGRAM_BINS];
    let mut attack = [0usize; HISTOGRAM_BINS];
    for (&score, &is_attack) in model.scores.iter().zip(&model.labels) {
        // Infinite scores land in the edge bins; NaN was rejected when the report was built.
        let position = ((score - low) / bin_width).floor();
        let bin = if position.is_nan() || position < 0.0 {
            0
        } else {
            (position as usize).min(HISTOGRAM_BINS - 1)
        };
        if is_attack {
            attack[bin] += 1;
        } else {
            normal[bin] += 1;
        }
    }
    let share = |counts: &[usize; HISTOGRAM_BINS], total: usize| -> Vec<f64> {
        counts
            .iter()
            .map(|&c| c as f64 / total.max(1) as f64)
            .collect()
    };
    let normal_share = share(&normal, summary.negatives);
    let attack_share = share(&attack, summary.positives);
    let tallest = normal_share
        .iter()
        .chain(&attack_share)
        .copied()
        .fold(0.0, f64::max)
        .max(1e-9);
    let (y_ticks, y_max) = ticks_covering(tallest, 4);
    let x_ticks = nice_ticks(low, high, 6);
    let frame = Frame {
        width: 560.0,
        height: 310.0,
        left: 62.0,
        right: 16.0,
        top: 24.0,
        bottom: 48.0,
        x_range: (low, high),
        y_range: (0.0, y_max),
    };
    let mut svg = frame.open(&format!("Score histogram of {}", summary.name));
    frame.axes(&mut svg, &x_ticks, &y_ticks, "score", "share of class");
    let mut legend: Vec<(&str, String)> = Vec::new();
    for (shares, count, colour, label) in [
        (&normal_share, summary.negatives, NORMAL_COLOUR, "normal"),
        (&attack_share, summary.positives, ATTACK_COLOUR, "attack"),
    ] {
        if count == 0 {
            continue;
        }
        let mut path = format!("M{:.1},{:.1}", frame.px(low), frame.py(0.0));
        for (bin, &height) in shares.iter().enumerate() {
            let left = low + bin as f64 * bin_width;
            let _ = write!(
                path,
                "L{:.1},{:.1}L{:.1},{:.1}",
                frame.px(left),
                frame.py(height),
                frame.px(left + bin_width),
                frame.py(height)
            );
        }
        let _ = write!(path, "L{:.1},{:.1}Z", frame.px(high), frame.py(0.0));
        let _ = write!(
            svg,
            "<path class=\"histogram histogram-{label}\" fill=\"{colour}\" stroke=\"{colour}\" d=\"{path}\"/>"
        );
        legend.push((colour, format!("{label} ({count} rows)")));
    }
    if summary.threshold.is_finite() && summary.threshold >= low && summary.threshold <= high {
        let x = frame.px(summary.threshold);
        // The label sits in the top margin, on whichever side of the line has room.
        let anchor = if x > frame.px(low + 0.7 * (high - low)) {
            "end"
        } else {
            "start"
        };
        let _ = write!(
            svg,
            "<line class=\"threshold\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
             <text class=\"threshold-label\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">threshold {}</text>",
            frame.py(0.0),
            frame.py(y_max) - 4.0,
            frame.py(y_max) - 8.0,
            escape_html(&format_number(summary.threshold))
        );
    }
    svg.push_str("</svg>");
    format!("{}{svg}", html_legend(&legend, Swatch::Area))
}

fn confusion_table(summary: &ModelReport) -> String {
    let c = summary.operating.confusion;
    let cell = |count: usize, row_total: usize, correct: bool| {
        let share = count as f64 / row_total.max(1) as f64;
        // Shade by the share of the actual class: green where right, red where wrong.
        let (r, g, b) = if correct { (0, 158, 115) } else { (213, 94, 0) };
        let alpha = 0.08 + 0.5 * share;
        format!(
            "<td style=\"background:rgba({r},{g},{b},{alpha:.2})\"><strong>{count}</strong><br><span class=\"muted\">{:.1}%</span></td>",
            100.0 * share
        )
    };
    format!(
        "<table class=\"confusion\"><caption>Confusion matrix at threshold {}</caption>\
         <thead><tr><th></th><th>flagged</th><th>passed</th></tr></thead><tbody>\
         <tr><th>attack ({})</th>{}{}</tr><tr><th>normal ({})</th>{}{}</tr></tbody></table>",
        escape_html(&format_number(summary.threshold)),
        c.positives(),
        cell(c.tp, c.positives(), true),
        cell(c.fn_, c.positives(), false),
        c.negatives(),
        cell(c.fp, c.negatives(), false),
        cell(c.tn, c.negatives(), true),
    )
}

fn render_groups(page: &mut String, report: &Report) {
    let names = report.group_names();
    if names.is_empty() {
        return;
    }
    page.push_str(
        "<section class=\"card\"><h2>Detection by group</h2><p class=\"caption\">Share of each \
         group's rows flagged at the operating threshold: the detection rate for attack \
         types, the false-positive rate for normal traffic.</p>\n<div class=\"scroll\">\
         <table class=\"groups\"><thead><tr><th>group</th><th>rows</th>",
    );
    for (index, model) in report.models.iter().enumerate() {
        let _ = write!(
            page,
            "<th><span class=\"swatch\" style=\"background:{}\"></span>{}</th>",
            colour(index),
            escape_html(&model.name)
        );
    }
    page.push_str("</tr></thead><tbody>\n");
    for (name, rows) in names {
        let _ = write!(page, "<tr><td>{}</td><td>{rows}</td>", escape_html(&name));
        for model in &report.models {
            let Some(group) = model.groups.iter().find(|g| g.group == name) else {
                page.push_str("<td class=\"muted\">—</td>");
                continue;
            };
            let share = group.flagged as f64 / group.rows.max(1) as f64;
            // Flagging attack rows is good; flagging rows of a normal-only group is not.
            let kind = if group.positives == 0 { "bad" } else { "good" };
            let _ = write!(
                page,
                "<td><div class=\"rate\"><span class=\"bar\"><span class=\"fill {kind}\" \
                 style=\"width:{:.1}%\"></span></span><span class=\"pct\">{:.1}%</span>\
                 <span class=\"count muted\">{}/{}</span></div></td>",
                100.0 * share,
                100.0 * share,
                group.flagged,
                group.rows
            );
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody></table></div></section>\n");
}

fn render_notes(page: &mut String, report: &Report) {
    if report.models.iter().all(|m| m.notes.is_empty()) {
        return;
    }
    page.push_str("<section class=\"card notes\"><h2>Notes</h2><ul>");
    for model in &report.models {
        for note in &model.notes {
            let _ = write!(
                page,
                "<li><strong>{}</strong>: {}</li>",
                escape_html(&model.name),
                escape_html(note)
            );
        }
    }
    page.push_str("</ul></section>\n");
}

fn polyline(frame: &Frame, points: impl Iterator<Item = (f64, f64)>) -> String {
    let mut path = String::new();
    for (index, (x, y)) in points.enumerate() {
        let command = if index == 0 { 'M' } else { 'L' };
        let _ = write!(path, "{command}{:.1},{:.1}", frame.px(x), frame.py(y));
    }
    path
}

/// The PR curve as the step function whose area is average precision: recall from r(k-1) to
/// r(k) at precision p(k).
fn pr_step_path(frame: &Frame, points: &[PrPoint]) -> String {
    let mut path = String::new();
    let mut previous_recall = 0.0;
    for (index, point) in points.iter().enumerate() {
        let command = if index == 0 { 'M' } else { 'L' };
        let _ = write!(
            path,
            "{command}{:.1},{:.1}L{:.1},{:.1}",
            frame.px(previous_recall),
            frame.py(point.precision),
            frame.px(point.recall),
            frame.py(point.precision)
        );
        previous_recall = point.recall;
    }
    path
}

fn unit_ticks() -> Vec<f64> {
    (0..=5).map(|i| i as f64 / 5.0).collect()
}

/// Round tick values (1, 2 or 5 times a power of ten) covering `[low, high]`.
fn nice_ticks(low: f64, high: f64, target: usize) -> Vec<f64> {
    let span = high - low;
    if !(span.is_finite() && span > 0.0) {
        return vec![low];
    }
    let raw_step = span / target.max(1) as f64;
    let magnitude = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw_step)
        .unwrap_or(10.0 * magnitude);
    let first = (low / step).ceil() as i64;
    let last = (high / step + 1e-9).floor() as i64;
    if last < first || last - first > 50 {
        return vec![low, high];
    }
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Ticks from 0 up to the first round value at or above `top`, and that value (the axis end).
fn ticks_covering(top: f64, target: usize) -> (Vec<f64>, f64) {
    let mut ticks = nice_ticks(0.0, top, target);
    if let [.., previous, last] = ticks[..] {
        if last < top {
            ticks.push(last + (last - previous));
        }
    }
    let end = ticks.last().copied().unwrap_or(top).max(top);
    (ticks, end)
}

/// Formats a tick value with just enough decimals for the tick spacing.
fn tick_label(value: f64, ticks: &[f64]) -> String {
    let step = match ticks {
        [a, b, ..] => (b - a).abs(),
        _ => 1.0,
    };
    let decimals = if step > 0.0 && step.is_finite() {
        (-step.log10().floor()).clamp(0.0, 6.0) as usize
    } else {
        2
    };
    let text = format!("{value:.decimals$}");
    if text.starts_with('-') && text.trim_start_matches(['-', '0', '.']).is_empty() {
        text[1..].to_owned()
    } else {
        text
    }
}

/// A plotting area inside an SVG: the pixel size, margins for tick labels, and data ranges.
struct Frame {
    width: f64,
    height: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    x_range: (f64, f64),
    y_range: (f64, f64),
}

impl Frame {
    fn square_unit() -> Frame {
        Frame {
            width: 540.0,
            height: 460.0,
            left: 62.0,
            right: 18.0,
            top: 14.0,
            bottom: 50.0,
            x_range: (0.0, 1.0),
            y_range: (0.0, 1.0),
        }
    }

    fn px(&self, x: f64) -> f64 {
        let (low, high) = self.x_range;
        let fraction = ((x - low) / (high - low)).clamp(0.0, 1.0);
        self.left + fraction * (self.width - self.left - self.right)
    }

    fn py(&self, y: f64) -> f64 {
        let (low, high) = self.y_range;
        let fraction = ((y - low) / (high - low)).clamp(0.0, 1.0);
        self.height - self.bottom - fraction * (self.height - self.top - self.bottom)
    }

    fn open(&self, label: &str) -> String {
        format!(
            "<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
            self.width,
            self.height,
            escape_html(label)
        )
    }

    /// Grid lines, tick labels, the plot border and axis titles.
    fn axes(
        &self,
        svg: &mut String,
        x_ticks: &[f64],
        y_ticks: &[f64],
        x_title: &str,
        y_title: &str,
    ) {
        let (x0, x1) = (self.px(self.x_range.0), self.px(self.x_range.1));
        let (y0, y1) = (self.py(self.y_range.0), self.py(self.y_range.1));
        svg.push_str("<g class=\"grid\">");
        for &tick in x_ticks {
            let x = self.px(tick);
            let _ = write!(
                svg,
                "<line x1=\"{x:.1}\" y1=\"{y0:.1}\" x2=\"{x:.1}\" y2=\"{y1:.1}\"/>"
            );
        }
        for &tick in y_ticks {
            let y = self.py(tick);
            let _ = write!(
                svg,
                "<line x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{x1:.1}\" y2=\"{y:.1}\"/>"
            );
        }
        svg.push_str("</g><g class=\"ticks\">");
        for &tick in x_ticks {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                self.px(tick),
                y0 + 17.0,
                escape_html(&tick_label(tick, x_ticks))
            );
        }
        for &tick in y_ticks {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                x0 - 7.0,
                self.py(tick) + 4.0,
                escape_html(&tick_label(tick, y_ticks))
            );
        }
        let _ = write!(
            svg,
            "</g><rect class=\"plot-border\" x=\"{x0:.1}\" y=\"{y1:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>\
             <text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
             <text class=\"axis-title\" transform=\"translate({:.1},{:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
            x1 - x0,
            y0 - y1,
            (x0 + x1) / 2.0,
            self.height - 10.0,
            escape_html(x_title),
            16.0,
            (y0 + y1) / 2.0,
            escape_html(y_title)
        );
    }
}

const STYLE: &str = r#"
:root { --fg:#1c2330; --muted:#5d6778; --border:#dde2ea; --bg:#f4f6f9; --card:#ffffff; --head:#eef1f6; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 40px; }
header { margin-bottom: 18px; }
.kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .08em; font-size: 12px; }
h1 { font-size: 26px; margin: 2px 0 12px; overflow-wrap: anywhere; }
h2 { font-size: 16px; margin: 0 0 10px; overflow-wrap: anywhere; }
.section-title { margin: 26px 0 10px; font-size: 18px; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 0;
  background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 10px 16px; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; overflow-wrap: anywhere; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 16px 18px; margin-top: 18px; min-width: 0; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 18px; }
.grid2 > .card { margin-top: 0; }
section.grid2 { margin-top: 18px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--border); text-align: right; vertical-align: middle; }
th:first-child, td:first-child { text-align: left; }
thead th { background: var(--head); font-weight: 600; overflow-wrap: anywhere; }
table.metrics { width: auto; min-width: min(100%, 560px); }
table.metrics thead th:not(:first-child) { min-width: 120px; }
table.metrics td.best { font-weight: 700; color: #005a8c; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.muted { color: var(--muted); }
.caption { color: var(--muted); font-size: 12.5px; margin: 6px 0 0; }
svg { display: block; width: 100%; height: auto; }
svg text { font-family: inherit; font-size: 12px; fill: #3a4252; }
svg .axis-title { font-size: 13px; fill: #1c2330; }
svg .grid line { stroke: #e7eaf0; stroke-width: 1; }
svg .plot-border { fill: none; stroke: #9aa3b2; stroke-width: 1; }
svg .chance { stroke: #9aa3b2; stroke-width: 1.2; stroke-dasharray: 5 4; }
svg .curve { fill: none; stroke-width: 2.2; stroke-linejoin: round; }
svg .operating { fill: #ffffff; stroke-width: 2.5; }
svg .histogram { fill-opacity: .30; stroke-width: 1.4; stroke-linejoin: round; }
svg .threshold { stroke: #1c2330; stroke-width: 1.4; stroke-dasharray: 6 4; }
svg .threshold-label { font-size: 11.5px; fill: #1c2330; }
.chart-legend { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0 0 6px; font-size: 13px; }
.chart-legend .item { display: inline-flex; align-items: center; gap: 7px; overflow-wrap: anywhere; }
.chart-legend .key { flex: none; display: inline-block; width: 18px; }
.chart-legend .key.line { height: 3px; border-radius: 2px; background: var(--c); }
.chart-legend .key.area { height: 12px; border: 1.5px solid var(--c); border-radius: 2px;
  background: color-mix(in srgb, var(--c) 30%, transparent); }
table.confusion { margin-top: 14px; max-width: 420px; }
table.confusion caption { text-align: left; color: var(--muted); font-size: 12.5px; padding-bottom: 6px; }
table.confusion th { white-space: nowrap; }
table.confusion td { text-align: center; width: 36%; border: 2px solid #fff; line-height: 1.3; }
table.confusion thead th { text-align: center; }
table.confusion thead th:first-child { background: transparent; }
.rate { display: flex; align-items: center; justify-content: flex-end; gap: 8px; white-space: nowrap; }
.rate .pct { min-width: 48px; text-align: right; }
.rate .count { min-width: 70px; text-align: left; font-size: 12.5px; }
.bar { display: inline-block; width: 90px; height: 8px; background: #e9edf3; border-radius: 4px; overflow: hidden; }
.bar .fill { display: block; height: 100%; }
.bar .fill.good { background: #009E73; }
.bar .fill.bad { background: #D55E00; }
.notes ul { margin: 0; padding-left: 20px; }
footer { margin-top: 24px; color: var(--muted); font-size: 12.5px; }
"#;
