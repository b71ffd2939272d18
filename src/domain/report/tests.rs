//! Golden tests: scikit-learn 1.9.1 outputs from protocols.md section 3.2, byte for byte.

use std::path::Path;

use super::*;
use crate::domain::parse::UNPARSED;

fn metrics(truth: &[&str], pred: &[&str]) -> Metrics {
    let mut m = Metrics::new();
    for (t, p) in truth.iter().zip(pred) {
        m.record(t, Some(p));
    }
    m
}

fn case_a() -> Metrics {
    metrics(
        &["cat", "cat", "dog", "dog", "dog", "bird"],
        &["cat", "dog", "dog", "dog", "unknown", "cat"],
    )
}

const CASE_A_2: &str = "              precision    recall  f1-score   support

        bird       0.00      0.00      0.00         1
         cat       0.50      0.50      0.50         2
         dog       0.67      0.67      0.67         3
     unknown       0.00      0.00      0.00         0

    accuracy                           0.50         6
   macro avg       0.29      0.29      0.29         6
weighted avg       0.50      0.50      0.50         6
";

const CASE_A_4: &str = "              precision    recall  f1-score   support

        bird     0.0000    0.0000    0.0000         1
         cat     0.5000    0.5000    0.5000         2
         dog     0.6667    0.6667    0.6667         3
     unknown     0.0000    0.0000    0.0000         0

    accuracy                         0.5000         6
   macro avg     0.2917    0.2917    0.2917         6
weighted avg     0.5000    0.5000    0.5000         6
";

const DOCSTRING: &str = "              precision    recall  f1-score   support

     class 0       0.50      1.00      0.67         1
     class 1       0.00      0.00      0.00         1
     class 2       1.00      0.67      0.80         3

    accuracy                           0.60         5
   macro avg       0.50      0.56      0.49         5
weighted avg       0.70      0.60      0.61         5
";

const TIE: &str = "              precision    recall  f1-score   support

           a       1.00      0.12      0.22         8
           b       0.53      1.00      0.70         8

    accuracy                           0.56        16
   macro avg       0.77      0.56      0.46        16
weighted avg       0.77      0.56      0.46        16
";

#[test]
fn golden_reports() {
    let docstring = metrics(
        &["class 0", "class 1", "class 2", "class 2", "class 2"],
        &["class 0", "class 0", "class 2", "class 2", "class 1"],
    );
    let mut tie_pred = vec!["a"];
    tie_pred.extend(["b"; 15]);
    let tie = metrics(&[["a"; 8], ["b"; 8]].concat(), &tie_pred);
    let cases = [
        ("case A, digits 2", case_a(), 2, CASE_A_2),
        ("case A, digits 4", case_a(), 4, CASE_A_4),
        ("docstring", docstring, 2, DOCSTRING),
        ("tie rounding", tie, 2, TIE),
    ];
    for (name, m, digits, want) in cases {
        assert_eq!(classification_report(&m, digits), want, "{name}");
    }
}

#[test]
fn width_follows_the_longest_label_and_digits() {
    let m = metrics(&["a very long label name"], &["a very long label name"]);
    let report = classification_report(&m, 2);
    assert!(
        report.starts_with(&format!("{:22}  precision", "")),
        "{report}"
    );
    assert!(report.contains("\na very long label name       1.00      1.00      1.00         1\n"));
    let report = classification_report(&metrics(&["x"], &["x"]), 14);
    assert!(
        report.contains(&format!("\n{:>14}  {:>9.14}", "x", 1.0)),
        "{report}"
    );
}

#[test]
fn unparsed_is_a_report_row_sorted_by_name() {
    let mut m = metrics(&["cat"], &["cat"]);
    m.record("dog", None);
    let report = classification_report(&m, 2);
    let rows: Vec<&str> = report
        .lines()
        .skip(2)
        .take(3)
        .map(str::trim_start)
        .collect();
    assert_eq!(
        rows,
        [
            "(unparsed)       0.00      0.00      0.00         0",
            "cat       1.00      1.00      1.00         1",
            "dog       0.00      0.00      0.00         1",
        ]
    );
}

#[test]
fn fixed_prints_like_python() {
    let cases = [
        (f64::NAN, 2, "      nan"),
        (f64::INFINITY, 2, "      inf"),
        (0.125, 2, "     0.12"),
        (0.375, 2, "     0.38"),
        (0.29166666666666663, 4, "   0.2917"),
        (1.0, 6, " 1.000000"),
    ];
    for (x, digits, want) in cases {
        assert_eq!(fixed(x, digits), want, "{x}");
    }
}

#[test]
fn confusion_text_layout() {
    let mut m = Metrics::with_classes(&["ant".to_owned()]);
    m.record("cat", Some("cat"));
    m.record("cat", Some("dog"));
    m.record("dog", None);
    let want = "\
true \\ pred  ant  cat  dog  (unparsed)  total
ant            0    0    0           0      0
cat            0    1    1           0      2
dog            0    0    0           1      1
total          0    1    1           1      3
";
    assert_eq!(confusion_text(&m), want);
}

#[test]
fn json_summary_contract() {
    let mut m = case_a();
    m.record("bird", None);
    let counts = Counts {
        total: 9,
        done: 8,
        errors: 1,
        unparsed: 1,
    };
    let v = json_summary(&m, Path::new("/tmp/s1"), counts);
    let keys: Vec<&str> = v
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "accuracy",
            "accuracy_ci95",
            "confusion",
            "counts",
            "macro_avg",
            "per_class",
            "session",
            "weighted_avg"
        ]
    );
    assert_eq!(v["session"], "/tmp/s1");
    assert_eq!(
        v["counts"],
        json!({"total": 9, "done": 8, "errors": 1, "unparsed": 1})
    );
    assert_eq!(v["accuracy"], json!(3.0 / 7.0));
    let wilson = |k, n| {
        let ci = crate::domain::metrics::wilson_interval(k, n).unwrap();
        json!([ci.low, ci.high])
    };
    assert_eq!(v["accuracy_ci95"], wilson(3, 7));
    assert_eq!(
        v["per_class"]["cat"],
        json!({"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2, "recall_ci95": wilson(1, 2)})
    );
    assert_eq!(v["per_class"]["unknown"]["recall_ci95"], Value::Null);
    assert_eq!(v["per_class"][UNPARSED]["support"], 0);
    assert_eq!(v["macro_avg"]["support"], 7);
    assert_eq!(v["weighted_avg"]["recall"], json!(3.0 / 7.0));
    assert_eq!(
        v["confusion"]["labels"],
        json!(["bird", "cat", "dog", "unknown", UNPARSED])
    );
    assert_eq!(v["confusion"]["matrix"][0], json!([0, 1, 0, 0, 1]));
    assert_eq!(v["confusion"]["matrix"][4], json!([0, 0, 0, 0, 0]));
}

#[test]
fn labels_with_escape_bytes_do_not_misalign_the_report() {
    let m = metrics(
        &["\x1b[31mred\x1b[0m", "blue", "\x1b[31mred\x1b[0m"],
        &["\x1b[31mred\x1b[0m", "blue", "blue"],
    );
    let report = classification_report(&m, 2);
    assert!(!report.contains('\x1b'), "{report:?}");
    let rows: Vec<&str> = report
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("accuracy"))
        .skip(1)
        .collect();
    // Every class and average row has the same width: the columns line up.
    let widths: Vec<usize> = rows.iter().map(|r| r.chars().count()).collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "{report}");
    assert!(
        rows.iter().any(|r| r.trim_start().starts_with("red ")),
        "{report}"
    );
    let matrix = confusion_text(&m);
    assert!(!matrix.contains('\x1b'), "{matrix:?}");
    let widths: Vec<usize> = matrix.lines().map(|l| l.chars().count()).collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "{matrix}");
}

#[test]
fn accuracy_interval_line_and_empty_summary() {
    let m = case_a();
    assert_eq!(
        accuracy_interval_line(&m, 2).as_deref(),
        Some("accuracy 0.50, 95% interval 0.19-0.81 (Wilson, ±0.31), 6 answered images\n")
    );
    assert_eq!(accuracy_interval_line(&Metrics::new(), 2), None);
    let v = json_summary(&Metrics::new(), Path::new("s"), Counts::default());
    assert_eq!(v["accuracy_ci95"], Value::Null);
}
