//! Rebuilds the published LLaVA-on-MNIST result (500 digits, accuracy 0.792) from its
//! confusion matrix and checks every figure of the published scikit-learn report.

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/seed_data.rs"]
mod seed_data;

use std::collections::HashMap;

use squint::domain::metrics::Metrics;
use squint::domain::parse::{LabelSet, parse_answer};
use squint::domain::report::classification_report;

use seed_data::seed_data;

/// Rows are true digits 0..9, columns predicted digits 0..9 (from the published answers).
const MATRIX: [[u64; 10]; 10] = [
    [30, 0, 0, 19, 0, 0, 1, 0, 0, 0],
    [0, 33, 0, 17, 0, 0, 0, 0, 0, 0],
    [3, 0, 35, 10, 0, 0, 0, 0, 2, 0],
    [0, 0, 0, 50, 0, 0, 0, 0, 0, 0],
    [0, 2, 0, 4, 44, 0, 0, 0, 0, 0],
    [0, 0, 0, 2, 0, 47, 0, 1, 0, 0],
    [2, 0, 0, 5, 0, 0, 42, 0, 1, 0],
    [0, 3, 1, 0, 0, 0, 0, 46, 0, 0],
    [2, 2, 0, 4, 0, 0, 1, 6, 35, 0],
    [2, 4, 0, 4, 0, 1, 0, 5, 0, 34],
];

/// The published per-digit rows: label, precision, recall, f1-score, support.
const PUBLISHED: [(&str, &str, &str, &str, u64); 10] = [
    ("0", "0.769231", "0.600", "0.674157", 50),
    ("1", "0.750000", "0.660", "0.702128", 50),
    ("2", "0.972222", "0.700", "0.813953", 50),
    ("3", "0.434783", "1.000", "0.606061", 50),
    ("4", "1.000000", "0.880", "0.936170", 50),
    ("5", "0.979167", "0.940", "0.959184", 50),
    ("6", "0.954545", "0.840", "0.893617", 50),
    ("7", "0.793103", "0.920", "0.851852", 50),
    ("8", "0.921053", "0.700", "0.795455", 50),
    ("9", "1.000000", "0.680", "0.809524", 50),
];

/// The published report in scikit-learn's `digits=6` text layout.
const REPORT_6: &str = "              precision    recall  f1-score   support

           0   0.769231  0.600000  0.674157        50
           1   0.750000  0.660000  0.702128        50
           2   0.972222  0.700000  0.813953        50
           3   0.434783  1.000000  0.606061        50
           4   1.000000  0.880000  0.936170        50
           5   0.979167  0.940000  0.959184        50
           6   0.954545  0.840000  0.893617        50
           7   0.793103  0.920000  0.851852        50
           8   0.921053  0.700000  0.795455        50
           9   1.000000  0.680000  0.809524        50

    accuracy                       0.792000       500
   macro avg   0.857410  0.792000  0.804210       500
weighted avg   0.857410  0.792000  0.804210       500
";

fn mnist_metrics() -> Metrics {
    let mut m = Metrics::new();
    for (truth, row) in MATRIX.iter().enumerate() {
        for (predicted, &n) in row.iter().enumerate() {
            for _ in 0..n {
                m.record(&truth.to_string(), Some(&predicted.to_string()));
            }
        }
    }
    m
}

#[test]
fn published_mnist_report_is_reproduced() {
    let m = mnist_metrics();
    assert_eq!(m.report_labels(), PUBLISHED.map(|row| row.0));
    for (label, precision, recall, f1, support) in PUBLISHED {
        let s = m.scores(label);
        assert_eq!(
            format!("{:.6}", s.precision),
            precision,
            "precision of {label}"
        );
        assert_eq!(format!("{:.3}", s.recall), recall, "recall of {label}");
        assert_eq!(format!("{:.6}", s.f1), f1, "f1 of {label}");
        assert_eq!(s.support, support, "support of {label}");
    }
    assert_eq!(format!("{:.6}", m.accuracy()), "0.792000");
    assert_eq!((m.total(), m.correct(), m.unparsed()), (500, 396, 0));
    for (name, avg) in [("macro", m.macro_avg()), ("weighted", m.weighted_avg())] {
        let got = (
            format!("{:.6}", avg.precision),
            format!("{:.3}", avg.recall),
            format!("{:.6}", avg.f1),
            avg.support,
        );
        let want = (
            "0.857410".to_owned(),
            "0.792".to_owned(),
            "0.804210".to_owned(),
            500,
        );
        assert_eq!(got, want, "{name} avg");
    }
    assert_eq!(
        m.predicted_count("3"),
        115,
        "the over-predicted example label"
    );
    assert_eq!(m.count("0", "3"), 19);
    assert_eq!(classification_report(&m, 6), REPORT_6);
}

#[test]
fn published_answers_parse_to_the_same_accuracy() {
    let Some(path) = seed_data("llava-answers/mnist-res.csv") else {
        return;
    };
    let mut reader = match csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(&path)
    {
        Ok(reader) => reader,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    };
    let labels = LabelSet::new((0..10).map(|d| d.to_string()).collect(), HashMap::new());
    let mut m = Metrics::with_classes(labels.labels());
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => panic!("bad line in {}: {e}", path.display()),
        };
        let (Some(truth), Some(answer)) = (record.get(1), record.get(2)) else {
            panic!("short line in {}: {record:?}", path.display());
        };
        let parsed = parse_answer(answer, &labels, false);
        m.record(truth, parsed.label.as_deref());
    }
    assert_eq!(m.total(), 500);
    assert_eq!(m.unparsed(), 0);
    assert_eq!(format!("{:.3}", m.accuracy()), "0.792");
    assert_eq!(m.predicted_count("3"), 115);
    for (t, row) in MATRIX.iter().enumerate() {
        for (p, &n) in row.iter().enumerate() {
            assert_eq!(
                m.count(&t.to_string(), &p.to_string()),
                n,
                "cell ({t}, {p})"
            );
        }
    }
}
