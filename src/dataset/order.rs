//! The order items are asked in. `interleaved` (the default) makes every prefix of a run a fair
//! sample of the selection: a seeded shuffle within each class, then a weighted round-robin
//! across classes, so after any number of items each class has had its share (within one
//! item). `dataset` keeps the sorted file order. Pure and deterministic: no IO, no clock.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::DatasetItem;

/// The order a run asks its items in (`--order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum RunOrder {
    /// Stratified and interleaved: any prefix of the run holds every class in proportion.
    #[default]
    Interleaved,
    /// The dataset's file order (sorted by relative path): all of one class, then the next.
    Dataset,
}

impl RunOrder {
    /// The name used on the command line and in `session.json`.
    pub fn name(self) -> &'static str {
        match self {
            RunOrder::Interleaved => "interleaved",
            RunOrder::Dataset => "dataset",
        }
    }
}

/// Puts `selected` (positions in `items`, as [`super::select`] returns them, in `rel` order)
/// into `order`. The interleaved order shuffles each class with a `ChaCha8Rng` seeded from
/// `seed` (classes in label order, one generator), then merges the classes by each item's
/// position in its class: the k-th of n items of a class goes at fraction (k + ½) / n of the
/// run, ties in label order.
pub fn arrange(items: &[DatasetItem], selected: Vec<u32>, order: RunOrder, seed: u64) -> Vec<u32> {
    if order == RunOrder::Dataset {
        return selected;
    }
    let mut by_class: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for at in selected {
        let truth = &items[at as usize].truth;
        by_class.entry(truth).or_default().push(at);
    }
    // A seed of its own stream, so the order never correlates with the `--sample` draw.
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(1);
    // (k, n, class, position): 16 bytes an item.
    let mut keyed: Vec<(u32, u32, u32, u32)> = Vec::new();
    for (class, (_, mut pool)) in by_class.into_iter().enumerate() {
        pool.shuffle(&mut rng);
        let n = pool.len() as u32;
        keyed.extend(
            pool.into_iter()
                .enumerate()
                .map(|(k, at)| (k as u32, n, class as u32, at)),
        );
    }
    keyed.sort_by(|a, b| slot_cmp((a.0, a.1), (b.0, b.1)).then(a.2.cmp(&b.2)));
    keyed.into_iter().map(|(_, _, _, at)| at).collect()
}

/// Compares (2k + 1) / 2n exactly: k-th of n against j-th of m.
fn slot_cmp((k, n): (u32, u32), (j, m): (u32, u32)) -> Ordering {
    let left = (2 * k as u128 + 1) * m as u128;
    let right = (2 * j as u128 + 1) * n as u128;
    left.cmp(&right)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::items_per_class as items;

    /// All of `data` (in `rel` order) arranged, as items.
    fn arranged(data: &[DatasetItem], order: RunOrder, seed: u64) -> Vec<DatasetItem> {
        let all = (0..data.len() as u32).collect();
        arrange(data, all, order, seed)
            .into_iter()
            .map(|i| data[i as usize].clone())
            .collect()
    }

    /// Every prefix holds each class within one item of its share.
    fn assert_proportional(ordered: &[DatasetItem], per_class: &[(&str, usize)]) {
        let total: usize = per_class.iter().map(|c| c.1).sum();
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, item) in ordered.iter().enumerate() {
            *seen.entry(&*item.truth).or_default() += 1;
            let prefix = (i + 1) as f64;
            for (label, n) in per_class {
                let want = prefix * *n as f64 / total as f64;
                let got = seen.get(label).copied().unwrap_or(0) as f64;
                assert!(
                    (got - want).abs() <= 1.0,
                    "prefix {prefix}: class {label} has {got}, share {want:.2}"
                );
            }
        }
    }

    #[test]
    fn every_prefix_is_proportional() {
        let uneven = [("a", 50), ("b", 30), ("c", 15), ("d", 5)];
        for per_class in [&[("0", 50), ("1", 50), ("2", 50)][..], &uneven[..]] {
            let ordered = arranged(&items(per_class), RunOrder::Interleaved, 7);
            assert_eq!(ordered.len(), per_class.iter().map(|c| c.1).sum::<usize>());
            assert_proportional(&ordered, per_class);
        }
    }

    #[test]
    fn shuffled_within_classes_and_repeatable() {
        let data = items(&[("a", 40), ("b", 40)]);
        let first = arranged(&data, RunOrder::Interleaved, 3);
        assert_eq!(first, arranged(&data, RunOrder::Interleaved, 3));
        assert_ne!(first, arranged(&data, RunOrder::Interleaved, 4));
        let a_order: Vec<&str> = first
            .iter()
            .filter(|i| &*i.truth == "a")
            .map(|i| &*i.rel)
            .collect();
        assert!(
            a_order.windows(2).any(|w| w[0] > w[1]),
            "not file order within a class"
        );
        let mut sorted = first.clone();
        sorted.sort_by(|x, y| x.rel.cmp(&y.rel));
        assert_eq!(sorted, data, "the same items, reordered");
    }

    #[test]
    fn dataset_order_is_kept() {
        let data = items(&[("a", 3), ("b", 2)]);
        assert_eq!(arranged(&data, RunOrder::Dataset, 9), data);
        assert_eq!(arranged(&[], RunOrder::Interleaved, 9), Vec::new());
    }
}
