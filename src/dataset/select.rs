//! Choosing which items to run: at most N per class, then a uniform sample of what remains.
//! Deterministic: the same items and seed always give the same selection, whatever order the
//! items came in. Pure: no IO.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::index;
use rand_chacha::ChaCha8Rng;

use super::DatasetItem;

/// Picks `amount` of `pool` (positions in `rel` order) at random (all of it when `amount`
/// covers it), in `rel` order.
fn pick(pool: Vec<u32>, amount: usize, rng: &mut ChaCha8Rng) -> Vec<u32> {
    if amount >= pool.len() {
        return pool;
    }
    let mut chosen: Vec<u32> = index::sample(rng, pool.len(), amount)
        .iter()
        .map(|i| pool[i])
        .collect();
    chosen.sort_unstable();
    chosen
}

/// Selects items: first at most `limit_per_class` of each class (stratified), then `sample`
/// items uniformly from those. Both draws use one `ChaCha8Rng` seeded with `seed`, classes in
/// label order. Returns positions in `items`, in `rel` order. `None` means no limit.
pub fn select(
    items: &[DatasetItem],
    limit_per_class: Option<usize>,
    sample: Option<usize>,
    seed: u64,
) -> Vec<u32> {
    select_by(items.len(), |i| &items[i], limit_per_class, sample, seed)
}

/// [`select`] over `len` items reached through `item` (a run's items in asking order, say):
/// the positions returned are `item`'s.
pub fn select_by<'a>(
    len: usize,
    item: impl Fn(usize) -> &'a DatasetItem,
    limit_per_class: Option<usize>,
    sample: Option<usize>,
    seed: u64,
) -> Vec<u32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Positions in `rel` order; a scanned dataset is already in it, so the check is all it costs.
    let mut by_rel: Vec<u32> = (0..len as u32).collect();
    let rel_order = |a: &u32, b: &u32| item(*a as usize).rel.cmp(&item(*b as usize).rel);
    if !by_rel.is_sorted_by(|a, b| rel_order(a, b).is_le()) {
        by_rel.sort_unstable_by(rel_order);
    }
    // From here on, a rank in `by_rel` orders like `rel`.
    let ranks: Vec<u32> = (0..len as u32).collect();
    let mut chosen = match limit_per_class {
        None => ranks,
        Some(limit) => {
            let mut by_class: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
            for rank in ranks {
                let truth = &item(by_rel[rank as usize] as usize).truth;
                by_class.entry(truth).or_default().push(rank);
            }
            let mut kept = Vec::new();
            for pool in by_class.into_values() {
                kept.extend(pick(pool, limit, &mut rng));
            }
            kept.sort_unstable();
            kept
        }
    };
    if let Some(amount) = sample {
        chosen = pick(chosen, amount, &mut rng);
    }
    for rank in &mut chosen {
        *rank = by_rel[*rank as usize];
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::items_per_class as items;

    fn counts(selected: &[DatasetItem]) -> Vec<(String, usize)> {
        let mut map: BTreeMap<String, usize> = BTreeMap::new();
        for item in selected {
            *map.entry(item.truth.to_string()).or_default() += 1;
        }
        map.into_iter().collect()
    }

    /// The selected items themselves.
    fn chosen(
        data: &[DatasetItem],
        limit: Option<usize>,
        sample: Option<usize>,
        seed: u64,
    ) -> Vec<DatasetItem> {
        select(data, limit, sample, seed)
            .into_iter()
            .map(|i| data[i as usize].clone())
            .collect()
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
            let got = chosen(&data, limit, sample, 7);
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
        let first = chosen(&data, Some(10), Some(12), 42);
        assert_eq!(first, chosen(&data, Some(10), Some(12), 42));
        assert_eq!(first, chosen(&reversed, Some(10), Some(12), 42));
        assert_ne!(
            first,
            chosen(&data, Some(10), Some(12), 43),
            "seed changes the choice"
        );
    }
}
