//! The mouse, second to the keyboard: a click selects a matrix cell (a second click on it, or
//! Enter, opens it), a pair or a list entry; the wheel moves through the matrix and the lists
//! and scrolls the answer (or the help). Where things are comes from `view::hit`, the
//! geometry the views draw with. Pure: events in, model changes and effects out.

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use crate::tui::model::{Model, Overlay, Screen};
use crate::tui::msg::Effect;
use crate::tui::view::{Hit, hit};

use super::{drill, start};

/// Lines the wheel scrolls the answer per notch.
const WHEEL_LINES: i16 = 3;

/// True for events that can change the screen (not bare movement).
pub(super) fn matters(event: &MouseEvent) -> bool {
    !matches!(event.kind, MouseEventKind::Moved)
}

/// Handles one mouse event.
pub(super) fn mouse(model: &mut Model, event: MouseEvent) -> Vec<Effect> {
    let wheel: isize = match event.kind {
        MouseEventKind::ScrollDown => 1,
        MouseEventKind::ScrollUp => -1,
        MouseEventKind::Down(MouseButton::Left) => 0,
        _ => return Vec::new(),
    };
    match model.overlay {
        Some(Overlay::Help) if wheel != 0 => {
            super::keys::scroll_help(
                model,
                if wheel > 0 { 1 } else { -1 } * i32::from(WHEEL_LINES),
            );
            return Vec::new();
        }
        // Dialogs, menus and the full-size image answer to keys only.
        Some(_) => return Vec::new(),
        None => {}
    }
    let Some(target) = hit(model, event.column, event.row) else {
        return Vec::new();
    };
    if wheel == 0 {
        click(model, target)
    } else {
        scroll(model, target, wheel)
    }
}

fn click(model: &mut Model, target: Hit) -> Vec<Effect> {
    match target {
        Hit::MatrixCell(cell) if model.matrix.cursor == cell => drill::open_at_cursor(model),
        Hit::MatrixCell(cell) => {
            model.matrix.cursor = cell;
            Vec::new()
        }
        Hit::PairRow(pos) if model.matrix.pair_selected == pos => drill::open_at_cursor(model),
        Hit::PairRow(pos) => {
            model.matrix.pair_selected = pos;
            Vec::new()
        }
        Hit::ListRow(pos) if model.screen == Screen::Drill && in_grid(model) => {
            if model.drill.as_ref().is_some_and(|d| d.selected == pos) {
                drill::open_from_grid(model)
            } else {
                select(model, pos)
            }
        }
        Hit::ListRow(pos) => select(model, pos),
        Hit::MatrixPane | Hit::ListPane | Hit::Answer => Vec::new(),
    }
}

fn scroll(model: &mut Model, target: Hit, delta: isize) -> Vec<Effect> {
    match (model.screen, target) {
        (Screen::Drill, Hit::Answer) => drill::scroll_answer(model, delta as i16 * WHEEL_LINES),
        (Screen::Drill, _) => drill::grid_move(model, delta, 0),
        (Screen::Browse, _) => start::browse_move(model, delta),
        (Screen::Run, _) => drill::move_cursor(model, delta, 0),
        _ => Vec::new(),
    }
}

/// True when the drill-down shows its grid.
fn in_grid(model: &Model) -> bool {
    model.drill.as_ref().is_some_and(|d| d.grid)
}

/// Selects entry `pos` of the list on screen (the preview follows).
fn select(model: &mut Model, pos: usize) -> Vec<Effect> {
    match model.screen {
        Screen::Drill => {
            let selected = model.drill.as_ref().map_or(0, |d| d.selected);
            drill::move_by(model, pos as isize - selected as isize)
        }
        Screen::Browse => start::browse_move(model, pos as isize - model.browse.selected as isize),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

    use crate::tui::fixtures;
    use crate::tui::model::{MatrixCursor, Model, Screen};
    use crate::tui::msg::Msg;
    use crate::tui::update::update;
    use crate::tui::view::{Hit, hit};

    fn event(kind: MouseEventKind, (column, row): (u16, u16)) -> Msg {
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    }

    fn click(at: (u16, u16)) -> Msg {
        event(MouseEventKind::Down(MouseButton::Left), at)
    }

    /// The first screen position where `want` is hit.
    fn find(m: &Model, want: Hit) -> (u16, u16) {
        (0..m.size.1)
            .flat_map(|y| (0..m.size.0).map(move |x| (x, y)))
            .find(|&(x, y)| hit(m, x, y) == Some(want))
            .unwrap_or_else(|| panic!("{want:?} is nowhere on screen"))
    }

    #[test]
    fn click_selects_a_cell_and_a_second_click_opens_it() {
        for (w, h) in [(80, 24), (160, 48)] {
            let (mut m, _) = fixtures::running(w, h, 3, 6, 18, 0, 5);
            let cell = MatrixCursor { row: 2, col: 3 };
            let at = find(&m, Hit::MatrixCell(cell));
            update(&mut m, click(at));
            assert_eq!((m.matrix.cursor, m.screen), (cell, Screen::Run), "{w}x{h}");
            update(&mut m, click(at));
            assert_eq!(m.screen, Screen::Drill, "{w}x{h}: the second click opens");
        }
    }

    #[test]
    fn the_wheel_moves_the_matrix_and_list_and_scrolls_the_answer() {
        let (mut m, _) = fixtures::running(120, 40, 3, 6, 18, 0, 5);
        let at = find(&m, Hit::MatrixCell(MatrixCursor { row: 1, col: 1 }));
        let row = m.matrix.cursor.row;
        update(&mut m, event(MouseEventKind::ScrollDown, at));
        assert_eq!(m.matrix.cursor.row, row + 1);
        assert_eq!(m.screen, Screen::Run);
        // Open the row header of true "1": every image of that class.
        let header = find(&m, Hit::MatrixCell(MatrixCursor { row: 2, col: 0 }));
        update(&mut m, click(header));
        assert_eq!(m.screen, Screen::Run, "the first click only selects");
        update(&mut m, click(header));
        assert_eq!(m.screen, Screen::Drill);
        let answer = find(&m, Hit::Answer);
        update(&mut m, event(MouseEventKind::ScrollDown, answer));
        assert_eq!(m.drill.as_ref().map(|d| d.answer_scroll), Some(3));
        let third = find(&m, Hit::ListRow(2));
        update(&mut m, click(third));
        assert_eq!(m.drill.as_ref().map(|d| d.selected), Some(2));
        update(&mut m, event(MouseEventKind::ScrollUp, third));
        assert_eq!(m.drill.as_ref().map(|d| d.selected), Some(1));
    }

    #[test]
    fn bare_movement_changes_nothing() {
        let (mut m, _) = fixtures::running(120, 40, 3, 6, 18, 0, 5);
        update(&mut m, Msg::FrameDrawn);
        let before = m.matrix.cursor;
        update(&mut m, event(MouseEventKind::Moved, (10, 5)));
        assert!(!m.dirty, "moving the mouse does not redraw");
        assert_eq!(m.matrix.cursor, before);
        // Off screen: nothing.
        update(&mut m, click((500, 500)));
        assert_eq!(m.matrix.cursor, before);
    }
}
