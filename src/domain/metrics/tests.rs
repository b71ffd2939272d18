//! Tests for `Metrics` against scikit-learn 1.9.1 figures (protocols.md section 3.2).

use super::*;

fn from_pairs(pairs: &[(&str, Option<&str>)]) -> Metrics {
    let mut m = Metrics::new();
    for (t, p) in pairs {
        m.record(t, *p);
    }
    m
}

/// protocols.md 3.2 Case A: "unknown" is predicted but never true, "bird" never predicted.
fn case_a() -> Metrics {
    let truth = ["cat", "cat", "dog", "dog", "dog", "bird"];
    let pred = ["cat", "dog", "dog", "dog", "unknown", "cat"];
    let pairs: Vec<_> = truth.iter().zip(pred).map(|(t, p)| (*t, Some(p))).collect();
    from_pairs(&pairs)
}

fn rounded(s: ClassScores, digits: usize) -> (String, String, String, u64) {
    (
        format!("{:.digits$}", s.precision),
        format!("{:.digits$}", s.recall),
        format!("{:.digits$}", s.f1),
        s.support,
    )
}

fn row(p: &str, r: &str, f: &str, s: u64) -> (String, String, String, u64) {
    (p.to_owned(), r.to_owned(), f.to_owned(), s)
}

#[test]
fn case_a_rows_and_averages() {
    let m = case_a();
    assert_eq!(m.report_labels(), ["bird", "cat", "dog", "unknown"]);
    let cases = [
        ("bird", row("0.00", "0.00", "0.00", 1)),
        ("cat", row("0.50", "0.50", "0.50", 2)),
        ("dog", row("0.67", "0.67", "0.67", 3)),
        ("unknown", row("0.00", "0.00", "0.00", 0)),
    ];
    for (label, want) in cases {
        assert_eq!(rounded(m.scores(label), 2), want, "{label}");
    }
    assert_eq!(rounded(m.macro_avg(), 2), row("0.29", "0.29", "0.29", 6));
    assert_eq!(rounded(m.weighted_avg(), 2), row("0.50", "0.50", "0.50", 6));
    assert_eq!(m.macro_avg().precision, 0.29166666666666663);
    assert_eq!(rounded(m.macro_avg(), 4).0, "0.2917");
    assert_eq!(m.accuracy(), 0.5);
    assert_eq!((m.total(), m.correct(), m.unparsed()), (6, 3, 0));
}

#[test]
fn docstring_example() {
    let truth = ["class 0", "class 1", "class 2", "class 2", "class 2"];
    let pred = ["class 0", "class 0", "class 2", "class 2", "class 1"];
    let pairs: Vec<_> = truth.iter().zip(pred).map(|(t, p)| (*t, Some(p))).collect();
    let m = from_pairs(&pairs);
    let cases = [
        ("class 0", row("0.50", "1.00", "0.67", 1)),
        ("class 1", row("0.00", "0.00", "0.00", 1)),
        ("class 2", row("1.00", "0.67", "0.80", 3)),
    ];
    for (label, want) in cases {
        assert_eq!(rounded(m.scores(label), 2), want, "{label}");
    }
    assert_eq!(format!("{:.2}", m.accuracy()), "0.60");
    assert_eq!(rounded(m.macro_avg(), 2), row("0.50", "0.56", "0.49", 5));
    assert_eq!(rounded(m.weighted_avg(), 2), row("0.70", "0.60", "0.61", 5));
}

#[test]
fn tie_rounding_case() {
    let mut m = Metrics::new();
    for i in 0..8 {
        m.record("a", Some(if i == 0 { "a" } else { "b" }));
        m.record("b", Some("b"));
    }
    assert_eq!(rounded(m.scores("a"), 2), row("1.00", "0.12", "0.22", 8));
    assert_eq!(rounded(m.scores("b"), 2), row("0.53", "1.00", "0.70", 8));
    assert_eq!(rounded(m.macro_avg(), 2), row("0.77", "0.56", "0.46", 16));
    assert_eq!(m.scores("a").recall, 0.125);
}

#[test]
fn unparsed_answers_are_a_support_zero_row_and_the_last_matrix_column() {
    let m = from_pairs(&[
        ("cat", Some("cat")),
        ("cat", None),
        ("dog", None),
        ("dog", Some("dog")),
    ]);
    assert_eq!(m.report_labels(), [UNPARSED, "cat", "dog"]);
    assert_eq!(m.matrix_labels(), ["cat", "dog", UNPARSED]);
    assert_eq!(
        m.matrix(),
        vec![vec![1, 0, 1], vec![0, 1, 1], vec![0, 0, 0]]
    );
    assert_eq!((m.unparsed(), m.correct(), m.accuracy()), (2, 2, 0.5));
    assert_eq!(m.scores(UNPARSED), ClassScores::from_counts(0, 0, 2));
    assert_eq!(m.predicted_count(UNPARSED), 2);
    assert_eq!(m.count("dog", UNPARSED), 1);
    // The unparsed row drags macro precision down but leaves weighted averages alone.
    assert_eq!(rounded(m.macro_avg(), 2), row("0.67", "0.33", "0.44", 4));
    assert_eq!(rounded(m.weighted_avg(), 2), row("1.00", "0.50", "0.67", 4));
}

#[test]
fn registered_classes_show_in_the_matrix_but_not_the_report() {
    let classes: Vec<String> = ["zebra", "ant", "cat"].map(String::from).to_vec();
    let mut m = Metrics::with_classes(&classes);
    assert!(m.report_labels().is_empty());
    assert_eq!(m.matrix_labels(), ["ant", "cat", "zebra", UNPARSED]);
    assert_eq!(m.matrix(), vec![vec![0; 4]; 4]);
    m.record("cat", Some("bee"));
    assert_eq!(m.report_labels(), ["bee", "cat"]);
    assert_eq!(m.matrix_labels(), ["ant", "bee", "cat", "zebra", UNPARSED]);
    assert_eq!(m.matrix()[2], vec![0, 1, 0, 0, 0]);
    assert_eq!(
        (
            m.true_count("cat"),
            m.predicted_count("bee"),
            m.true_count("nope")
        ),
        (1, 1, 0)
    );
}

#[test]
fn labels_sort_by_code_point() {
    let m = from_pairs(&[
        ("b", Some("B")),
        ("a", Some("_x")),
        ("10", Some("9")),
        ("é", Some("z")),
    ]);
    assert_eq!(
        m.report_labels(),
        ["10", "9", "B", "_x", "a", "b", "z", "é"]
    );
}

#[test]
fn empty_metrics_are_all_zero() {
    let m = Metrics::new();
    assert_eq!(m.accuracy(), 0.0);
    assert_eq!(m.macro_avg(), ClassScores::default());
    assert_eq!(m.weighted_avg(), ClassScores::default());
    assert_eq!(m.matrix_labels(), [UNPARSED]);
    assert_eq!(m.matrix(), vec![vec![0]]);
    assert_eq!(m.scores("x"), ClassScores::default());
}

#[test]
fn pairwise_sum_follows_numpy_order() {
    // 0.1 * 10 summed left to right is 0.9999999999999999; NumPy's unrolled order gives 1.0.
    let tenths = [0.1; 10];
    assert_eq!(tenths.iter().sum::<f64>(), 0.9999999999999999);
    assert_eq!(numpy_sum(tenths.iter().copied()), 1.0);
    assert_eq!(numpy_sum(std::iter::empty()), 0.0);
    let many: Vec<f64> = (0..300).map(|i| f64::from(i) * 0.5).collect();
    assert_eq!(numpy_sum(many.iter().copied()), 22425.0);
}
