//! The report: side-by-side summaries, notes for undefined metrics, text and JSON output, and
//! the HTML page (charts present, hostile strings escaped, nothing external).

use goshawk_eval::html::{escape_html, render_report};
use goshawk_eval::metrics::MetricsError;
use goshawk_eval::report::{ModelEvaluation, Report};

const HOSTILE: &str = "<script>alert(1)</script>\"'&";

fn meta() -> Vec<(String, String)> {
    vec![
        ("model".to_owned(), "models/web.gsk".to_owned()),
        ("data".to_owned(), format!("/tmp/{HOSTILE}.csv")),
        (
            "command".to_owned(),
            "goshawk evaluate --compare iforest,lof".to_owned(),
        ),
    ]
}

fn two_models() -> Vec<ModelEvaluation> {
    let labels = vec![false, false, false, true, true, false, true, false];
    let groups: Vec<String> = [
        "normal", "normal", "normal", "sqli", HOSTILE, "normal", "sqli", "normal",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    vec![
        ModelEvaluation::new(
            "iforest",
            vec![0.1, 0.2, 0.3, 0.9, 0.8, 0.35, 0.6, 0.7],
            labels.clone(),
            0.5,
        )
        .with_groups(groups.clone()),
        ModelEvaluation::new(
            HOSTILE,
            vec![0.5, 0.1, 0.2, 0.6, 0.3, 0.2, 0.9, 0.4],
            labels,
            0.45,
        )
        .with_groups(groups),
    ]
}

#[test]
fn escape_html_neutralises_markup_and_quotes() {
    assert_eq!(
        escape_html("<script>alert(1)</script>"),
        "&lt;script&gt;alert(1)&lt;/script&gt;"
    );
    assert_eq!(escape_html("a\"b'c&d"), "a&quot;b&#39;c&amp;d");
    assert_eq!(escape_html("plain ünïcode"), "plain ünïcode");
}

#[test]
fn report_summarizes_models_side_by_side() {
    let report = Report::build("Comparison", &meta(), &two_models()).unwrap();
    assert_eq!(report.models.len(), 2);
    let first = &report.models[0];
    // Flag >= 0.5: attacks 0.9, 0.8, 0.6; normals 0.7.
    assert_eq!(
        (first.operating.confusion.tp, first.operating.confusion.fp),
        (3, 1)
    );
    assert_eq!(first.roc_auc, Some(14.0 / 15.0));
    let best = first.best_f1.unwrap();
    // At 0.6 all three attacks are flagged along with the normal 0.7: F1 = 2·¾·1 / 1¾ = 6/7.
    assert_eq!(best.threshold, 0.6);
    assert!((best.metrics.f1 - 6.0 / 7.0).abs() < 1e-12);
    let sqli = first.groups.iter().find(|g| g.group == "sqli").unwrap();
    assert_eq!((sqli.rows, sqli.detected, sqli.recall), (2, 2, Some(1.0)));
    assert!(first.notes.is_empty());

    let text = report.to_text();
    assert!(
        text.contains("ROC-AUC") && text.contains("0.9333"),
        "{text}"
    );
    assert!(
        text.contains("sqli") && text.contains("2/2 (100.0%)"),
        "{text}"
    );

    let json = report.to_json().unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
    assert!(json.contains("\"fn\": "), "{json}");
}

#[test]
fn one_class_data_gives_notes_not_errors() {
    let model = ModelEvaluation::new("only-normal", vec![0.1, 0.9, 0.4], vec![false; 3], 0.5);
    let report = Report::build("t", &[], &[model]).unwrap();
    let summary = &report.models[0];
    assert_eq!(
        (summary.roc_auc, summary.pr_auc, summary.best_f1),
        (None, None, None)
    );
    assert_eq!(summary.operating.fpr, 1.0 / 3.0);
    assert!(summary.notes.iter().any(|n| n.contains("ROC-AUC")));
    assert!(report.to_text().contains("n/a"));
    let page = render_report(
        "t",
        &[],
        &[ModelEvaluation::new("m", vec![0.2], vec![true], 0.5)],
    )
    .unwrap();
    assert!(page.contains("Not drawn"));
}

#[test]
fn structurally_bad_input_is_an_error() {
    let nan = ModelEvaluation::new("m", vec![0.1, f64::NAN], vec![true, false], 0.5);
    assert_eq!(
        Report::build("t", &[], std::slice::from_ref(&nan)),
        Err(MetricsError::NanScore { row: 1 })
    );
    assert_eq!(
        render_report("t", &[], &[nan]),
        Err(MetricsError::NanScore { row: 1 })
    );
    let empty = ModelEvaluation::new("m", vec![], vec![], 0.5);
    assert_eq!(Report::build("t", &[], &[empty]), Err(MetricsError::Empty));
    let short_groups = ModelEvaluation::new("m", vec![0.1, 0.2], vec![true, false], 0.5)
        .with_groups(vec!["a".to_owned()]);
    assert!(matches!(
        Report::build("t", &[], &[short_groups]),
        Err(MetricsError::LengthMismatch { .. })
    ));
    let short_verdicts =
        ModelEvaluation::new("m", vec![0.1, 0.2], vec![true, false], 0.5).with_verdicts(vec![true]);
    assert!(matches!(
        Report::build("t", &[], &[short_verdicts]),
        Err(MetricsError::LengthMismatch { .. })
    ));
}

#[test]
fn verdicts_override_the_threshold() {
    let model = ModelEvaluation::new("engine", vec![0.1, 0.9], vec![true, false], 0.5)
        .with_verdicts(vec![true, false]);
    let summary = model.summarize().unwrap();
    assert_eq!(summary.operating.f1, 1.0);
    assert!(!summary.threshold_decides);
}

#[test]
fn text_output_escapes_terminal_control_characters() {
    let model = ModelEvaluation::new(
        "evil\u{1b}[2Jname\n",
        vec![0.1, 0.9],
        vec![false, true],
        0.5,
    );
    let text = Report::build("t", &[], &[model]).unwrap().to_text();
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("evil\\u{1b}[2Jname\\n"), "{text}");
}

#[test]
fn html_has_every_chart_for_every_model() {
    let page = render_report("Comparison", &meta(), &two_models()).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("class=\"curve roc-curve\"").count(), 2);
    assert_eq!(page.matches("class=\"curve pr-curve\"").count(), 2);
    assert_eq!(
        page.matches("class=\"histogram histogram-normal\"").count(),
        2
    );
    assert_eq!(
        page.matches("class=\"histogram histogram-attack\"").count(),
        2
    );
    assert_eq!(page.matches("<table class=\"confusion\">").count(), 2);
    assert!(page.contains("<table class=\"groups\">"));
    // ROC path for the first model starts at the origin (plot's bottom-left corner).
    assert!(page.contains("class=\"curve roc-curve\" stroke=\"#0072B2\" d=\"M62.0,410.0L"));
    assert!(page.contains("class=\"chance\""));
    assert!(page.contains("models/web.gsk"));
}

#[test]
fn html_escapes_hostile_strings_everywhere() {
    let page = render_report(
        HOSTILE,
        &[(HOSTILE.to_owned(), HOSTILE.to_owned())],
        &two_models(),
    )
    .unwrap();
    assert!(!page.contains("<script"), "raw script tag in page");
    assert!(!page.contains("alert(1)</"));
    let escaped = escape_html(HOSTILE);
    // Title (twice), meta key and value, model name (table headers, legends, cards), group row.
    assert!(page.matches(escaped.as_str()).count() >= 6, "{page}");
}

#[test]
fn html_is_self_contained() {
    let page = render_report("t", &meta(), &two_models()).unwrap();
    for forbidden in ["<script", "<link", "src=", "href=", "@import", "url("] {
        assert!(!page.contains(forbidden), "page contains {forbidden}");
    }
    // The only URL is the SVG namespace identifier, which is never fetched.
    let urls = page.matches("http").count();
    assert_eq!(urls, page.matches("http://www.w3.org/2000/svg").count());
}

#[test]
fn html_with_no_models_or_odd_scores_renders() {
    let page = render_report("empty", &[], &[]).unwrap();
    assert!(page.contains("No models were evaluated"));
    let constant = ModelEvaluation::new("flat", vec![0.5; 4], vec![true, false, true, false], 0.5);
    let infinite = ModelEvaluation::new(
        "inf",
        vec![f64::INFINITY, f64::NEG_INFINITY, 1.0, 2.0],
        vec![true, false, false, true],
        f64::INFINITY,
    );
    let page = render_report("odd", &[], &[constant, infinite]).unwrap();
    assert!(!page.contains("NaN"), "NaN leaked into the page");
    assert_eq!(page.matches("class=\"curve roc-curve\"").count(), 2);
}
