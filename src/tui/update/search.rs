//! `/` search and `s` sort in the image lists (the drill-down and the dataset browser).
//! `/` starts typing a query; each key moves the selection to the first match from the
//! current entry (incremental); Enter keeps the query for `n`/`N` (next/previous match,
//! wrapping), Esc drops it. Pure: keys in, model changes and preview requests out.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::model::{ListSearch, Model, Screen};
use crate::tui::msg::Effect;

use super::{drill, start};

/// The search of the list on screen.
fn search_mut(model: &mut Model) -> Option<&mut ListSearch> {
    match model.screen {
        Screen::Drill => model.drill.as_mut().map(|d| &mut d.search),
        Screen::Browse => Some(&mut model.browse.search),
        _ => None,
    }
}

/// True while a query is being typed on this screen (keys go into it).
pub(super) fn editing(model: &Model) -> bool {
    match model.screen {
        Screen::Drill => model.drill.as_ref().is_some_and(|d| d.search.editing),
        Screen::Browse => model.browse.search.editing,
        _ => false,
    }
}

/// The list's length and selected position.
fn position(model: &Model) -> (usize, usize) {
    match model.screen {
        Screen::Drill => model
            .drill
            .as_ref()
            .map_or((0, 0), |d| (d.entries.len(), d.selected)),
        _ => (model.browse.order.len(), model.browse.selected),
    }
}

/// Whether the entry at `pos` matches: file name or answer in the drill-down, the image's
/// path (class folder included) in the browser.
fn is_hit(model: &Model, search: &ListSearch, pos: usize) -> bool {
    match model.screen {
        Screen::Drill => model
            .drill
            .as_ref()
            .is_some_and(|d| d.is_hit(pos, &model.run.results)),
        _ => model
            .browse
            .order
            .get(pos)
            .and_then(|&i| model.run.prepared.as_ref()?.items.get(i))
            .is_some_and(|item| search.hit([&*item.rel])),
    }
}

/// Selects list position `pos` (the preview follows).
fn select(model: &mut Model, pos: usize) -> Vec<Effect> {
    let (_, selected) = position(model);
    let delta = pos as isize - selected as isize;
    match model.screen {
        Screen::Drill => drill::move_by(model, delta),
        _ => start::browse_move(model, delta),
    }
}

/// Moves to the next (`direction` 1) or previous (-1) match; `include_current` keeps a
/// selection that matches (while typing).
fn jump(model: &mut Model, direction: isize, include_current: bool) -> Vec<Effect> {
    let Some(search) = search_mut(model).map(|s| s.clone()) else {
        return Vec::new();
    };
    let (len, selected) = position(model);
    match search.find(len, selected, direction, include_current, |pos| {
        is_hit(model, &search, pos)
    }) {
        Some(pos) => select(model, pos),
        None => Vec::new(),
    }
}

/// Recounts the matches after the query changed and jumps to the first from the selection.
fn query_changed(model: &mut Model) -> Vec<Effect> {
    let Some(search) = search_mut(model).map(|s| s.clone()) else {
        return Vec::new();
    };
    let (len, _) = position(model);
    let matches = (0..len).filter(|&pos| is_hit(model, &search, pos)).count();
    if let Some(s) = search_mut(model) {
        s.matches = matches;
    }
    jump(model, 1, true)
}

/// `/`: start typing a new query.
pub(super) fn begin(model: &mut Model) -> Vec<Effect> {
    if let Some(search) = search_mut(model) {
        *search = ListSearch {
            editing: true,
            ..ListSearch::default()
        };
        model.dirty = true;
    }
    Vec::new()
}

/// `n` / `N`: the next or previous match.
pub(super) fn step(model: &mut Model, direction: isize) -> Vec<Effect> {
    jump(model, direction, false)
}

/// A key while the query is typed: characters and Backspace edit it (each change searches),
/// Ctrl-U clears it, Enter keeps it for `n`/`N`, Esc drops it.
pub(super) fn key(model: &mut Model, key: &KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    model.dirty = true;
    let Some(search) = search_mut(model) else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Enter => {
            search.editing = false;
            Vec::new()
        }
        KeyCode::Esc => {
            *search = ListSearch::default();
            Vec::new()
        }
        KeyCode::Backspace => {
            search.query.pop();
            query_changed(model)
        }
        KeyCode::Char('u') if ctrl => {
            search.query.clear();
            query_changed(model)
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() => {
            search.query.push(c);
            query_changed(model)
        }
        _ => Vec::new(),
    }
}

/// `s` in the drill-down: the next sort order (the title names it); the selection stays on
/// its item.
pub(super) fn sort(model: &mut Model) -> Vec<Effect> {
    if let Some(drill) = &mut model.drill {
        drill.sort = drill.sort.next();
        drill.sort_entries(&model.run.results);
        model.drill_view.sort = drill.sort;
        model.dirty = true;
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use crate::tui::fixtures;
    use crate::tui::model::{DrillFilter, DrillSort, Screen};
    use crate::tui::msg::{Effect, Msg};
    use crate::tui::update::update;

    fn key(c: char) -> Msg {
        Msg::KeyPressed(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn code(code: KeyCode) -> Msg {
        Msg::KeyPressed(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn typed(m: &mut crate::tui::model::Model, text: &str) -> Vec<Effect> {
        text.chars().flat_map(|c| update(m, key(c))).collect()
    }

    /// A finished 3-class run with the drill-down open on every image of true "1".
    fn drilled() -> crate::tui::model::Model {
        let (mut m, _) = fixtures::running(120, 40, 3, 6, 18, 0, 5);
        let truth = fixtures::labels(3)[1].clone();
        super::drill::open(&mut m, DrillFilter::Truth(truth));
        assert_eq!(m.screen, Screen::Drill);
        m
    }

    fn selected_image(m: &crate::tui::model::Model) -> String {
        let drill = m.drill.as_ref().expect("drill open");
        let i = drill.current().expect("an entry");
        m.run.results[i].as_ref().expect("a result").image.clone()
    }

    #[test]
    fn slash_searches_file_names_incrementally_and_n_cycles_matches() {
        let mut m = drilled();
        let label = fixtures::labels(3)[1].clone();
        update(&mut m, key('/'));
        // While typing, j, n and s are text, not keys.
        let effects = typed(&mut m, "img_0004");
        assert_eq!(selected_image(&m), format!("{label}/img_0004.png"));
        assert!(
            matches!(effects.last(), Some(Effect::RequestPreview { path }) if path.ends_with("img_0004.png"))
        );
        let drill = m.drill.as_ref().expect("drill");
        assert_eq!(
            (drill.search.query.as_str(), drill.search.matches),
            ("img_0004", 1)
        );
        update(&mut m, code(KeyCode::Backspace));
        assert_eq!(
            m.drill.as_ref().map(|d| d.search.matches),
            Some(6),
            "img_000 matches all six"
        );
        update(&mut m, code(KeyCode::Enter));
        assert!(!m.drill.as_ref().is_some_and(|d| d.search.editing));
        // n / N walk the matches, wrapping.
        let before = m.drill.as_ref().map(|d| d.selected);
        update(&mut m, key('n'));
        let after = m.drill.as_ref().map(|d| d.selected);
        assert_ne!(before, after);
        update(&mut m, key('N'));
        assert_eq!(m.drill.as_ref().map(|d| d.selected), before);
        // Esc while typing drops the search; the list stays open.
        update(&mut m, key('/'));
        typed(&mut m, "zzz");
        assert_eq!(m.drill.as_ref().map(|d| d.search.matches), Some(0));
        update(&mut m, code(KeyCode::Esc));
        assert_eq!(m.screen, Screen::Drill);
        assert_eq!(
            m.drill.as_ref().map(|d| d.search.query.is_empty()),
            Some(true)
        );
        // Without a query n does not move.
        let before = m.drill.as_ref().map(|d| d.selected);
        update(&mut m, key('n'));
        assert_eq!(m.drill.as_ref().map(|d| d.selected), before);
    }

    #[test]
    fn search_finds_answer_text() {
        let mut m = drilled();
        update(&mut m, key('/'));
        typed(&mut m, "CANNOT TELL");
        let drill = m.drill.as_ref().expect("drill");
        let i = drill.current().expect("entry");
        let r = m.run.results[i].as_ref().expect("result");
        if drill.search.matches > 0 {
            assert!(
                r.answer.to_lowercase().contains("cannot tell"),
                "{}",
                r.answer
            );
        }
    }

    #[test]
    fn s_cycles_the_sort_and_keeps_the_item() {
        let mut m = drilled();
        update(&mut m, key('j'));
        let image = selected_image(&m);
        for want in [
            DrillSort::Confidence,
            DrillSort::Latency,
            DrillSort::FileName,
            DrillSort::Answer,
            DrillSort::Suspicious,
        ] {
            update(&mut m, key('s'));
            assert_eq!(m.drill.as_ref().map(|d| d.sort), Some(want));
            assert_eq!(selected_image(&m), image, "{want:?}");
        }
    }

    /// The order (and the grid) stay chosen: leaving the list, toggling corrections with `T`
    /// and opening another list keep them.
    #[test]
    fn the_sort_and_the_grid_survive_leaving_the_list_and_toggling_corrections() {
        let mut m = drilled();
        update(&mut m, key('s'));
        update(&mut m, key('s'));
        update(&mut m, key('t'));
        update(&mut m, code(KeyCode::Esc));
        assert_eq!(m.screen, Screen::Run);
        update(&mut m, key('T'));
        assert!(m.run.corrections_on);
        let truth = fixtures::labels(3)[2].clone();
        super::drill::open(&mut m, DrillFilter::Truth(truth));
        let drill = m.drill.as_ref().expect("drill open");
        assert_eq!((drill.sort, drill.grid), (DrillSort::Latency, true));
        assert_eq!(drill.selected, 0, "a new list starts at its top");
        // The entries are in that order: slowest first.
        let latencies: Vec<u64> = (drill.entries.iter())
            .filter_map(|&i| m.run.results[i].as_ref().map(|r| r.latency_ms))
            .collect();
        assert!(latencies.windows(2).all(|w| w[0] >= w[1]), "{latencies:?}");
        update(&mut m, key('t'));
        update(&mut m, code(KeyCode::Esc));
        super::drill::open(&mut m, DrillFilter::Truth(fixtures::labels(3)[1].clone()));
        assert_eq!(m.drill.as_ref().map(|d| d.grid), Some(false));
    }

    #[test]
    fn y_copies_and_capital_o_opens_the_selected_image() {
        let mut m = drilled();
        let effects = update(&mut m, key('y'));
        let image = selected_image(&m);
        assert!(
            matches!(effects.as_slice(), [Effect::CopyToClipboard { text }] if text.ends_with(&image)),
            "{effects:?}"
        );
        assert!(m.notices.iter().any(|n| n.text.contains("copied")));
        let effects = update(&mut m, key('O'));
        assert!(
            matches!(effects.as_slice(), [Effect::OpenExternally { path }] if path.ends_with(&image)),
            "{effects:?}"
        );
        update(
            &mut m,
            Msg::ViewerFailed("cannot open x: `xdg-open` is not installed".into()),
        );
        assert!(m.notices.iter().any(|n| n.text.contains("xdg-open")));
    }

    #[test]
    fn the_browser_searches_paths() {
        let mut m = fixtures::model(120, 40);
        let info = fixtures::prepared(&fixtures::labels(3), 4);
        update(
            &mut m,
            Msg::Prepared {
                generation: 0,
                result: Ok(info),
            },
        );
        super::start::open_browse(&mut m);
        assert_eq!(m.screen, Screen::Browse);
        update(&mut m, key('/'));
        typed(&mut m, "2/img_0003");
        let pos = m.browse.selected;
        let item = m.browse.order[pos];
        let rel = &m.run.prepared.as_ref().expect("prepared").items[item].rel;
        assert!(
            rel.ends_with("2/img_0003.png") || rel.contains("2/img_0003"),
            "{rel}"
        );
        assert_eq!(m.browse.search.matches, 1);
    }
}
