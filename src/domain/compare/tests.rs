use super::*;
use crate::domain::parse::ParseStep;

/// A result for `image` with truth `truth`: `Some(label)` parsed, `None` unparsed; `"!"`
/// stands for a failed request.
pub(super) fn r(image: &str, truth: &str, label: Option<&str>) -> ItemResult {
    let failed = label == Some("!");
    ItemResult {
        answer: label.unwrap_or("no idea").into(),
        label: label.filter(|_| !failed).map(str::to_owned),
        parse: (!failed).then_some(if label.is_some() {
            ParseStep::Exact
        } else {
            ParseStep::Unparsed
        }),
        error: failed.then(|| "HTTP 500".to_owned()),
        ..ItemResult::blank(image, truth)
    }
}

fn labels() -> Vec<String> {
    ["cat", "dog"].map(String::from).to_vec()
}

fn run<'a>(session: &'a str, results: &'a [ItemResult], labels: &'a [String]) -> Run<'a> {
    Run {
        session,
        results,
        labels,
    }
}

#[test]
fn paired_counts_flips_and_delta() {
    let labels = labels();
    let a = vec![
        r("c1", "cat", Some("cat")),     // both right
        r("c2", "cat", Some("dog")),     // fixed by B
        r("c3", "cat", None),            // fixed by B (A unparsed)
        r("d1", "dog", Some("dog")),     // broken by B
        r("d2", "dog", Some("cat")),     // both wrong
        r("only_a", "dog", Some("dog")), // not common
    ];
    let b = vec![
        r("d2", "dog", None),
        r("d1", "dog", Some("cat")),
        r("c3", "cat", Some("cat")),
        r("c2", "cat", Some("cat")),
        r("c1", "cat", Some("cat")),
        r("only_b", "cat", Some("cat")),
    ];
    let c = compare(run("A", &a, &labels), run("B", &b, &labels)).unwrap();
    assert_eq!(c.common, 5);
    assert_eq!(
        (c.both_right, c.a_only, c.b_only, c.both_wrong),
        (1, 1, 2, 1)
    );
    assert_eq!(c.mcnemar_p, 1.0);
    // A over the common images: right c1, d1 of 5; B: c1, c2, c3 of 5.
    assert!((c.a.accuracy - 0.4).abs() < 1e-12);
    assert!((c.b.accuracy - 0.6).abs() < 1e-12);
    assert_eq!((c.a.session.as_str(), c.b.session.as_str()), ("A", "B"));
    let fixed: Vec<&str> = c.fixed().map(|f| f.image.as_str()).collect();
    let broken: Vec<&str> = c.broken().map(|f| f.image.as_str()).collect();
    assert_eq!(fixed, ["c2", "c3"]);
    assert_eq!(broken, ["d1"]);
    assert_eq!(
        c.flipped[1],
        Flip {
            image: "c3".into(),
            truth: "cat".into(),
            a: Some(UNPARSED.into()),
            b: Some("cat".into()),
        }
    );
    assert_eq!(c.confusion_delta.labels, ["cat", "dog", UNPARSED]);
    // A: cat->cat 1, cat->dog 1, cat->unparsed 1, dog->dog 1, dog->cat 1.
    // B: cat->cat 3, dog->cat 1, dog->unparsed 1.
    assert_eq!(
        c.confusion_delta.matrix,
        vec![vec![2, -1, -1], vec![0, -1, 1], vec![0, 0, 0]]
    );
    // F1 of cat: A tp 1, true 3, predicted 2 -> 0.4; B tp 3, true 3, predicted 4 -> 6/7.
    let cat = c.per_class["cat"];
    assert!((cat.f1_a - 0.4).abs() < 1e-12);
    assert!((cat.f1_b - 6.0 / 7.0).abs() < 1e-12);
    assert!(!c.per_class.contains_key(UNPARSED));
    assert_eq!(c.failed, Failed::default());
}

#[test]
fn failed_items_are_not_predictions_and_not_right() {
    let labels = labels();
    let a = vec![r("c1", "cat", Some("cat")), r("c2", "cat", Some("!"))];
    let b = vec![r("c1", "cat", Some("!")), r("c2", "cat", Some("cat"))];
    let c = compare(run("A", &a, &labels), run("B", &b, &labels)).unwrap();
    assert_eq!((c.common, c.a_only, c.b_only), (2, 1, 1));
    assert_eq!(c.failed, Failed { a: 1, b: 1 });
    // Each run answered one common image, right: accuracy 1 over answered images.
    assert_eq!((c.a.accuracy, c.b.accuracy), (1.0, 1.0));
    assert_eq!(c.flipped[0].a, None);
    assert_eq!(c.flipped[1].b, None);
    // The matrices hold predictions only: no change.
    assert!(c.confusion_delta.matrix.iter().flatten().all(|&d| d == 0));
}

#[test]
fn no_common_image_is_none() {
    let labels = labels();
    let a = vec![r("x", "cat", Some("cat"))];
    let b = vec![r("y", "cat", Some("cat"))];
    assert!(compare(run("A", &a, &labels), run("B", &b, &labels)).is_none());
    assert!(compare(run("A", &[], &labels), run("B", &b, &labels)).is_none());
}

#[test]
fn different_class_sets_share_one_axis() {
    let (la, lb) = (labels(), vec!["cat".to_owned(), "fox".to_owned()]);
    let a = vec![r("i", "cat", Some("dog"))];
    let b = vec![r("i", "cat", Some("fox"))];
    let c = compare(run("A", &a, &la), run("B", &b, &lb)).unwrap();
    assert_eq!(c.confusion_delta.labels, ["cat", "dog", "fox", UNPARSED]);
    assert_eq!(c.confusion_delta.matrix[0], [0, -1, 1, 0]);
    assert_eq!(
        c.per_class.keys().collect::<Vec<_>>(),
        ["cat", "dog", "fox"]
    );
}

#[test]
fn json_has_the_documented_keys() {
    let labels = labels();
    let a = vec![r("c1", "cat", Some("dog"))];
    let b = vec![r("c1", "cat", Some("cat"))];
    let c = compare(run("A", &a, &labels), run("B", &b, &labels)).unwrap();
    let v = serde_json::to_value(&c).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "a",
            "a_only",
            "b",
            "b_only",
            "both_right",
            "both_wrong",
            "common",
            "confusion_delta",
            "failed",
            "flipped",
            "mcnemar_p",
            "per_class"
        ]
    );
    assert_eq!(
        v["a"],
        serde_json::json!({"session": "A", "accuracy": 0.0, "macro_f1": 0.0})
    );
    assert_eq!(v["per_class"]["cat"]["f1_b"], 1.0);
    assert_eq!(
        v["flipped"][0],
        serde_json::json!({"image": "c1", "truth": "cat", "a": "dog", "b": "cat"})
    );
    assert_eq!(v["confusion_delta"]["labels"][2], UNPARSED);
}

#[test]
fn text_says_the_verdict_in_words() {
    let labels = labels();
    let mut a = Vec::new();
    let mut b = Vec::new();
    for i in 0..49 {
        let name = format!("img{i:02}");
        // 37 fixed by B, 12 broken by B.
        let (ra, rb) = if i < 37 {
            (Some("dog"), Some("cat"))
        } else {
            (Some("cat"), Some("dog"))
        };
        a.push(r(&name, "cat", ra));
        b.push(r(&name, "cat", rb));
    }
    let c = compare(run("A", &a, &labels), run("B", &b, &labels)).unwrap();
    assert_eq!(
        mcnemar_verdict(&c),
        "B is right on 37 images A got wrong and wrong on 12 that A got right; p = 0.0005: unlikely to be chance."
    );
    let text = comparison_text(&c);
    assert!(text.contains("Fixed by B (37):"), "{text}");
    assert!(text.contains("Broken by B (12):"), "{text}");
    assert!(
        text.contains("  img37  truth cat  A: cat  B: dog"),
        "{text}"
    );
    assert!(
        text.contains("accuracy   0.2449   0.7551  +0.5102"),
        "{text}"
    );

    let same = compare(run("A", &a, &labels), run("B", &a, &labels)).unwrap();
    assert!(mcnemar_verdict(&same).contains("exactly the same images"));

    let close = compare(run("A", &a[30..], &labels), run("B", &b[30..], &labels)).unwrap();
    assert_eq!(
        mcnemar_verdict(&close),
        "B is right on 7 images A got wrong and wrong on 12 that A got right; p = 0.3593: could well be chance."
    );
}
