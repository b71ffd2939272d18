//! Editing the start form's text fields with readline keys, through `tui-input`'s editing
//! buffer: typing, Backspace/Delete, Left/Right, Home/End, Ctrl-A/Ctrl-E, Ctrl-U, Ctrl-K,
//! Ctrl-W, Alt-B/Alt-F/Alt-D, Ctrl-Left/Right, and pasted text. Typing into a field that holds a
//! picked choice replaces it. Pure: keys in, model changes out.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::{Input, InputRequest};

use crate::tui::model::{Field, Model};

/// The editing request a key stands for in a text field, if any. Left/Right only move the
/// cursor in typed text (`typed`); on a picked choice or an empty field they pick choices.
pub(super) fn request(key: &KeyEvent, typed: bool) -> Option<InputRequest> {
    use InputRequest::*;
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    Some(match key.code {
        KeyCode::Char('a') if ctrl && !alt => GoToStart,
        KeyCode::Char('e') if ctrl && !alt => GoToEnd,
        KeyCode::Char('u') if ctrl && !alt => DeleteFromStart,
        KeyCode::Char('k') if ctrl && !alt => DeleteTillEnd,
        KeyCode::Char('w') if ctrl && !alt => DeletePrevWord,
        KeyCode::Char('b') if alt && !ctrl => GoToPrevWord,
        KeyCode::Char('f') if alt && !ctrl => GoToNextWord,
        KeyCode::Char('d') if alt && !ctrl => DeleteNextWord,
        KeyCode::Backspace if alt => DeletePrevWord,
        KeyCode::Char(c) if !ctrl && !alt => InsertChar(c),
        KeyCode::Backspace => DeletePrevChar,
        KeyCode::Delete => DeleteNextChar,
        KeyCode::Home => GoToStart,
        KeyCode::End => GoToEnd,
        KeyCode::Left if ctrl && typed => GoToPrevWord,
        KeyCode::Right if ctrl && typed => GoToNextWord,
        KeyCode::Left if typed => GoToPrevChar,
        KeyCode::Right if typed => GoToNextChar,
        _ => return None,
    })
}

/// Whether the focused field holds typed text (not a picked choice, not empty), so the arrow
/// keys move the cursor instead of picking.
pub(super) fn is_typed(model: &Model) -> bool {
    let form = &model.start;
    if form.field().is_number() {
        // A number counts as typed once edited here: the first digit replaces it, the next
        // ones append, and until then Left/Right step it.
        return form.cursor.is_some();
    }
    let picked = match form.field() {
        Field::Dataset => form.dataset.chosen.is_some(),
        Field::Template => form.template.chosen.is_some(),
        Field::Model => form.model.chosen.is_some(),
        _ => false,
    };
    let empty = form.text(form.field()).is_none_or(|text| text.is_empty());
    !picked && !empty
}

/// Applies `requests` to the focused text field; true when its text changed.
pub(super) fn apply(model: &mut Model, requests: &[InputRequest]) -> bool {
    let field = model.start.field();
    let replace = !is_typed(model)
        && requests
            .first()
            .is_some_and(|r| matches!(r, InputRequest::InsertChar(_)));
    let form = &mut model.start;
    let cursor = form.cursor;
    let Some(text) = form.text_mut(field) else {
        return false;
    };
    let mut input = if replace {
        Input::default()
    } else {
        let input = Input::new(text.clone());
        match cursor {
            Some(c) => input.with_cursor(c),
            None => input,
        }
    };
    for &request in requests {
        input.handle(request);
    }
    let changed = input.value() != text.as_str();
    text.clear();
    text.push_str(input.value());
    form.cursor = Some(input.cursor());
    model.dirty = true;
    changed
}

/// Pasted text as insertions (line breaks and other control characters dropped).
pub(super) fn paste_requests(text: &str) -> Vec<InputRequest> {
    text.chars()
        .filter(|c| !c.is_control())
        .map(InputRequest::InsertChar)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readline_keys_map_to_requests() {
        let k = |code, m| request(&KeyEvent::new(code, m), true);
        let (ctrl, alt, none) = (KeyModifiers::CONTROL, KeyModifiers::ALT, KeyModifiers::NONE);
        assert_eq!(k(KeyCode::Char('a'), ctrl), Some(InputRequest::GoToStart));
        assert_eq!(k(KeyCode::Char('e'), ctrl), Some(InputRequest::GoToEnd));
        assert_eq!(
            k(KeyCode::Char('u'), ctrl),
            Some(InputRequest::DeleteFromStart)
        );
        assert_eq!(
            k(KeyCode::Char('w'), ctrl),
            Some(InputRequest::DeletePrevWord)
        );
        assert_eq!(k(KeyCode::Char('b'), alt), Some(InputRequest::GoToPrevWord));
        assert_eq!(k(KeyCode::Char('f'), alt), Some(InputRequest::GoToNextWord));
        assert_eq!(
            k(KeyCode::Char('q'), none),
            Some(InputRequest::InsertChar('q'))
        );
        assert_eq!(k(KeyCode::Char('r'), ctrl), None, "ctrl-r still runs");
        assert_eq!(k(KeyCode::Char('b'), ctrl), None, "ctrl-b still browses");
        let picked = |code| request(&KeyEvent::new(code, none), false);
        assert_eq!(
            picked(KeyCode::Left),
            None,
            "arrows pick choices on a choice"
        );
        assert_eq!(k(KeyCode::Left, none), Some(InputRequest::GoToPrevChar));
    }
}
