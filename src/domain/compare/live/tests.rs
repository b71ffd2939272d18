use std::collections::HashMap;
use std::sync::Arc;

use super::LiveAb;
use crate::domain::compare::tests::r;
use crate::domain::compare::{Run, compare};
use crate::domain::result::ItemResult;

fn labels() -> Vec<String> {
    ["cat", "dog"].map(String::from).to_vec()
}

fn by_image(results: &[ItemResult]) -> Arc<HashMap<String, ItemResult>> {
    Arc::new(
        results
            .iter()
            .map(|r| (r.image.clone(), r.clone()))
            .collect(),
    )
}

/// The parent: 6 images, 3 right (c1, d1, d3), one failed (d4).
fn parent() -> Vec<ItemResult> {
    vec![
        r("c1", "cat", Some("cat")),
        r("c2", "cat", Some("dog")),
        r("c3", "cat", None),
        r("d1", "dog", Some("dog")),
        r("d3", "dog", Some("dog")),
        r("d4", "dog", Some("!")),
    ]
}

#[test]
fn the_figures_move_answer_by_answer() {
    let labels = labels();
    let mut ab = LiveAb::new(by_image(&parent()), &labels, 4);
    // Nothing re-asked: the merged run is the parent.
    assert_eq!(ab.asked(), 0);
    assert_eq!(ab.asked_accuracy().a, None);
    let whole = ab.whole_accuracy();
    assert_eq!(whole.a, Some(3.0 / 5.0));
    assert_eq!(whole.b, whole.a);

    // c2 fixed.
    ab.record(&r("c2", "cat", Some("cat")));
    assert_eq!((ab.asked(), ab.fixed(), ab.broken()), (1, 1, 0));
    assert_eq!(ab.asked_accuracy().a, Some(0.0));
    assert_eq!(ab.asked_accuracy().b, Some(1.0));
    assert_eq!(ab.whole_accuracy().b, Some(4.0 / 5.0));
    assert_eq!(ab.delta("cat", "cat"), 1);
    assert_eq!(ab.delta("cat", "dog"), -1);

    // d1 broken: now unparsed.
    ab.record(&r("d1", "dog", None));
    assert_eq!((ab.asked(), ab.fixed(), ab.broken()), (2, 1, 1));
    assert_eq!(
        ab.delta_total(),
        0,
        "the same images on both sides: no change in the corner"
    );
    assert_eq!(ab.asked_accuracy().delta(), Some(0.0));
    assert_eq!(ab.whole_accuracy().b, Some(3.0 / 5.0));
    assert_eq!(ab.delta("dog", "(unparsed)"), 1);
    assert_eq!(ab.delta_predicted("dog"), -2, "B predicted dog twice less");

    // d4 failed in the parent, right now: fixed, and one more answered image in B.
    ab.record(&r("d4", "dog", Some("dog")));
    assert_eq!(ab.fixed(), 2);
    assert_eq!(ab.whole_accuracy().b, Some(4.0 / 6.0));
    assert_eq!(ab.delta_true("dog"), 1, "A had no answer for d4");
    assert_eq!(ab.delta_total(), 1, "one more counted image in B");

    // A new image (no parent result): asked, in B's whole figure, not paired.
    ab.record(&r("new", "cat", Some("cat")));
    assert_eq!((ab.asked(), ab.unpaired()), (4, 1));
    assert_eq!(ab.whole_accuracy().b, Some(5.0 / 7.0));
    assert_eq!(ab.whole_accuracy().a, Some(3.0 / 5.0));
}

#[test]
fn agrees_with_the_comparison_of_the_sessions() {
    let labels = labels();
    let parent = parent();
    let again = vec![
        r("c1", "cat", Some("dog")),
        r("c2", "cat", Some("cat")),
        r("c3", "cat", Some("!")),
        r("d4", "dog", Some("dog")),
    ];
    let mut ab = LiveAb::new(by_image(&parent), &labels, 4);
    for result in &again {
        ab.record(result);
    }
    let whole = compare(
        Run {
            session: "a",
            results: &parent,
            labels: &labels,
        },
        Run {
            session: "b",
            results: &again,
            labels: &labels,
        },
    )
    .unwrap();
    assert_eq!(ab.fixed(), whole.b_only);
    assert_eq!(ab.broken(), whole.a_only);
    assert_eq!(ab.asked(), whole.common);
    let acc = ab.asked_accuracy();
    assert_eq!(acc.a, Some(whole.a.accuracy));
    assert_eq!(acc.b, Some(whole.b.accuracy));
    let d = &whole.confusion_delta;
    for (t, truth) in d.labels.iter().enumerate() {
        for (p, predicted) in d.labels.iter().enumerate() {
            assert_eq!(
                ab.delta(truth, predicted),
                d.matrix[t][p],
                "{truth} {predicted}"
            );
        }
    }
    let live = ab.pairing().clone().finish("a", "b").unwrap();
    assert_eq!(live, whole);
}
