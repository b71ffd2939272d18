//! `/` search in a list (the drill-down, the dataset browser): the query being typed or last
//! confirmed, and how many entries match it. Matching is case-insensitive substring search
//! over texts the caller supplies (file name, answer); counted once per query change, never
//! per frame. Pure data.

/// The search of one list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListSearch {
    /// What is searched for (empty: no search).
    pub query: String,
    /// True while the query is being typed (keys go into it).
    pub editing: bool,
    /// How many entries match `query`.
    pub matches: usize,
}

impl ListSearch {
    /// True when `texts` (an entry's file name, answer...) contain the query, ignoring case.
    /// An empty query matches nothing, so `n` with no search does not move.
    pub fn hit<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> bool {
        if self.query.is_empty() {
            return false;
        }
        let query = self.query.to_lowercase();
        texts
            .into_iter()
            .any(|text| text.to_lowercase().contains(&query))
    }

    /// The position of the first matching entry from `from` in `direction` (+1 forward, -1
    /// backward), wrapping around; `include_from` also looks at `from` itself (incremental
    /// search keeps a selection that still matches). `is_hit(pos)` tells whether the entry at
    /// a position matches.
    pub fn find(
        &self,
        len: usize,
        from: usize,
        direction: isize,
        include_from: bool,
        is_hit: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        if len == 0 || self.query.is_empty() {
            return None;
        }
        let start = if include_from { 0 } else { 1 };
        (start..=len).find_map(|step| {
            let pos = (from as isize + direction * step as isize).rem_euclid(len as isize) as usize;
            is_hit(pos).then_some(pos)
        })
    }

    /// What the list's title shows: `/query (3 matches)` while typing or after.
    pub fn label(&self) -> Option<String> {
        if self.query.is_empty() && !self.editing {
            return None;
        }
        let cursor = if self.editing { "▏" } else { "" };
        let count = match self.matches {
            1 => "1 match".to_owned(),
            n => format!("{n} matches"),
        };
        Some(format!("/{}{cursor} ({count})", self.query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(query: &str) -> ListSearch {
        ListSearch {
            query: query.into(),
            ..ListSearch::default()
        }
    }

    #[test]
    fn hits_ignore_case_and_look_at_every_text() {
        let s = search("BiSh");
        assert!(s.hit(["img_1.png", "It is a bishop"]));
        assert!(!s.hit(["img_1.png", "a rook"]));
        assert!(!search("").hit(["anything"]));
    }

    #[test]
    fn find_wraps_in_both_directions() {
        let names = ["a3", "b", "c3", "d"];
        let s = search("3");
        let hit = |i: usize| names[i].contains('3');
        assert_eq!(s.find(4, 0, 1, true, hit), Some(0));
        assert_eq!(s.find(4, 0, 1, false, hit), Some(2));
        assert_eq!(s.find(4, 2, 1, false, hit), Some(0), "wraps forward");
        assert_eq!(s.find(4, 0, -1, false, hit), Some(2), "wraps backward");
        assert_eq!(s.find(4, 1, 1, true, |_| false), None);
        assert_eq!(search("").find(4, 0, 1, true, hit), None);
    }

    #[test]
    fn label_shows_query_and_count() {
        let mut s = search("rook");
        s.matches = 1;
        assert_eq!(s.label().as_deref(), Some("/rook (1 match)"));
        s.editing = true;
        s.matches = 0;
        assert_eq!(s.label().as_deref(), Some("/rook▏ (0 matches)"));
        assert_eq!(ListSearch::default().label(), None);
    }
}
