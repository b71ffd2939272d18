//! Turns bytes the user typed during the start-up query round into crossterm events, with
//! crossterm's own key parser (as published by the `terminput` crate), so a key pressed while
//! the terminal was being asked reaches the workbench like any other. Pure.

use ratatui::crossterm::event::Event;

const ESC: u8 = 0x1b;

/// The events in `bytes`, in order. Undecodable bytes are skipped, as crossterm does.
pub(crate) fn events(bytes: &[u8]) -> Vec<Event> {
    let mut out = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        pending.push(b);
        let more = i + 1 < bytes.len();
        if pending == [ESC] && more {
            continue; // Esc starts a sequence when more follows, as in crossterm's reader
        }
        match terminput::Event::parse_from(&pending) {
            Ok(Some(event)) => {
                if let Ok(event) = terminput_crossterm::to_crossterm(event) {
                    out.push(event);
                }
                pending.clear();
            }
            Ok(None) => {}
            Err(_) => pending.clear(),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
        Event::Key(KeyEvent::new(code, modifiers))
    }

    #[test]
    fn keys_as_crossterm_reads_them() {
        let none = KeyModifiers::NONE;
        assert_eq!(
            events(b"?q\r\x1b[A\x1b\x03\x1bOB\xc3\xa9"),
            vec![
                key(KeyCode::Char('?'), none),
                key(KeyCode::Char('q'), none),
                key(KeyCode::Enter, none),
                key(KeyCode::Up, none),
                key(
                    KeyCode::Char('c'),
                    KeyModifiers::ALT | KeyModifiers::CONTROL
                ),
                key(KeyCode::Down, none),
                key(KeyCode::Char('é'), none),
            ]
        );
        assert_eq!(events(b"\x1b"), vec![key(KeyCode::Esc, none)]);
        // A fast Esc Esc comes out as one Alt-Esc; the workbench takes it as two Escapes.
        assert_eq!(
            events(b"\x1b\x1b"),
            vec![key(KeyCode::Esc, KeyModifiers::ALT)]
        );
        assert_eq!(events(b""), vec![]);
    }
}
