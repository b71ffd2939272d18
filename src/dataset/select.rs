//! Choosing which items to run: at most N per class, then a uniform sample of what remains.
//! Deterministic: the same items and seed always give the same selection, whatever order the
//! items came in. Pure: no IO.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::index;
use rand_chacha::ChaCha8Rng;

use super::DatasetItem;

/// Picks `amount` of `pool` at random (all of it when `amount` covers it), sorted by `rel`.
fn pick<'a>(
    pool: Vec<&'a DatasetItem>,
    amount: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<&'a DatasetItem> {
    let mut chosen = if amount >= pool.len() {
        pool
    } else {
        index::sample(rng, pool.len(), amount)
            .iter()
            .map(|i| pool[i])
            .collect()
    };
    chosen.sort_by(|a, b| a.rel.cmp(&b.rel));
    chosen
}

/// Selects items: first at most `limit_per_class` of each class (stratified), then `sample`
/// items uniformly from those. Both draws use one `ChaCha8Rng` seeded with `seed`, classes in
/// label order. The result is sorted by `rel`. `None` means no limit.
pub fn select(
    items: &[DatasetItem],
    limit_per_class: Option<usize>,
    sample: Option<usize>,
    seed: u64,
) -> Vec<DatasetItem> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut all: Vec<&DatasetItem> = items.iter().collect();
    all.sort_by(|a, b| a.rel.cmp(&b.rel));
    let mut chosen = match limit_per_class {
        None => all,
        Some(limit) => {
            let mut by_class: BTreeMap<&str, Vec<&DatasetItem>> = BTreeMap::new();
            for item in all {
                by_class.entry(item.truth.as_str()).or_default().push(item);
            }
            let mut kept = Vec::new();
            for pool in by_class.into_values() {
                kept.extend(pick(pool, limit, &mut rng));
            }
            kept.sort_by(|a, b| a.rel.cmp(&b.rel));
            kept
        }
    };
    if let Some(amount) = sample {
        chosen = pick(chosen, amount, &mut rng);
    }
    chosen.into_iter().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::items_per_class as items;

    fn counts(selected: &[DatasetItem]) -> Vec<(String, usize)> {
        let mut map: BTreeMap<String, usize> = BTreeMap::new();
        for item in selected {
            *map.entry(item.truth.clone()).or_default() += 1;
        }
        map.into_iter().collect()
    }

    #[test]
    fn limits_and_samples() {
        let data = items(&[("a", 10), ("b", 3), ("c", 7)]);
        let cases: Vec<(Option<usize>, Option<usize>, usize, Vec<(&str, usize)>)> = vec![
            (None, None, 20, vec![("a", 10), ("b", 3), ("c", 7)]),
            (Some(5), None, 13, vec![("a", 5), ("b", 3), ("c", 5)]),
            (Some(0), None, 0, vec![]),
            (None, Some(100), 20, vec![("a", 10), ("b", 3), ("c", 7)]),
            (Some(2), Some(6), 6, vec![("a", 2), ("b", 2), ("c", 2)]),
        ];
        for (limit, sample, len, want) in cases {
            let got = select(&data, limit, sample, 7);
            assert_eq!(got.len(), len, "{limit:?} {sample:?}");
            let want: Vec<(String, usize)> =
                want.into_iter().map(|(l, n)| (l.to_owned(), n)).collect();
            assert_eq!(counts(&got), want, "{limit:?} {sample:?}");
            assert!(got.windows(2).all(|w| w[0].rel < w[1].rel), "sorted");
        }
        assert_eq!(select(&data, None, Some(4), 1).len(), 4);
    }

    #[test]
    fn deterministic_and_order_independent() {
        let data = items(&[("a", 50), ("b", 40)]);
        let mut reversed = data.clone();
        reversed.reverse();
        let first = select(&data, Some(10), Some(12), 42);
        assert_eq!(first, select(&data, Some(10), Some(12), 42));
        assert_eq!(first, select(&reversed, Some(10), Some(12), 42));
        assert_ne!(
            first,
            select(&data, Some(10), Some(12), 43),
            "seed changes the choice"
        );
    }
}
