//! The items of a run as one shared list: the scanned dataset's items (sorted by `rel`, never
//! copied) and the positions in it in asking order. Cloning is a reference count; an item's
//! path to open is made from the dataset root and its `rel` when it is needed, never stored.
//! Pure: never touches the filesystem.

use std::ops::Index;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::DatasetItem;

/// The items a run asks, in asking order, sharing the dataset's list.
#[derive(Debug, Clone)]
pub struct RunItems {
    /// The folder the relative paths start from.
    root: Arc<Path>,
    /// The dataset's items, sorted by `rel`.
    all: Arc<[DatasetItem]>,
    /// Positions in `all`, in asking order.
    order: Arc<[u32]>,
}

impl RunItems {
    /// The items of `all` at the positions `order` (positions past the end are dropped).
    pub fn new(root: &Path, all: Arc<[DatasetItem]>, order: Vec<u32>) -> RunItems {
        let mut order = order;
        order.retain(|&i| (i as usize) < all.len());
        RunItems {
            root: Arc::from(root),
            all,
            order: order.into(),
        }
    }

    /// Every one of `items`, in the order given.
    pub fn from_items(root: &Path, items: Vec<DatasetItem>) -> RunItems {
        let order = (0..items.len() as u32).collect();
        RunItems::new(root, items.into(), order)
    }

    /// How many items the run asks.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the run asks nothing.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The item asked `index`-th.
    pub fn get(&self, index: usize) -> Option<&DatasetItem> {
        let at = *self.order.get(index)?;
        self.all.get(at as usize)
    }

    /// The items in asking order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &DatasetItem> + Clone + '_ {
        self.order.iter().map(|&i| &self.all[i as usize])
    }

    /// The folder the relative paths start from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path to open for `item` (one of these items).
    pub fn path(&self, item: &DatasetItem) -> PathBuf {
        item.path_in(&self.root)
    }
}

impl Default for RunItems {
    fn default() -> Self {
        RunItems::from_items(Path::new(""), Vec::new())
    }
}

/// The same root and the same items in the same order (shared or not).
impl PartialEq for RunItems {
    fn eq(&self, other: &Self) -> bool {
        self.root == other.root && self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a> IntoIterator for &'a RunItems {
    type Item = &'a DatasetItem;
    type IntoIter = Box<dyn Iterator<Item = &'a DatasetItem> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl Index<usize> for RunItems {
    type Output = DatasetItem;

    fn index(&self, index: usize) -> &DatasetItem {
        &self.all[self.order[index] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::items_per_class;

    #[test]
    fn shares_the_list_in_the_given_order() {
        let all: Arc<[DatasetItem]> = items_per_class(&[("a", 2), ("b", 1)]).into();
        let items = RunItems::new(Path::new("data"), all.clone(), vec![2, 0, 9]);
        assert_eq!(items.len(), 2, "a position past the end is dropped");
        let rels: Vec<&str> = items.iter().map(|i| &*i.rel).collect();
        assert_eq!(rels, ["b/000.png", "a/000.png"]);
        assert_eq!(items[1], all[0]);
        assert_eq!(items.get(2), None);
        assert_eq!(items.path(&items[0]), Path::new("data/b/000.png"));
        let copy = items.clone();
        assert!(
            std::ptr::eq(&copy[0], &items[0]),
            "a clone shares the items"
        );
    }
}
