//! Key specs ("ctrl-c", "shift-down", "J", "pagedown", "f1"...) and their normalised form,
//! `KeyCombo`, which hides terminal differences (shift reported or not with uppercase letters,
//! shift-tab as BackTab). Must never know about actions or contexts.

use std::fmt;

use crossterm::event::{KeyCode, KeyModifiers};

/// A key with modifiers, normalised so that terminal differences do not matter: characters
/// carry their case instead of SHIFT (`J`, not shift-j), and shift-tab is `BackTab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCombo {
    /// The key.
    pub code: KeyCode,
    /// Only CONTROL, ALT and SHIFT are kept.
    pub modifiers: KeyModifiers,
}

impl KeyCombo {
    /// Normalises a key code and modifiers (see the type's docs).
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyCombo {
        let mut modifiers =
            modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) => {
                let shifted = modifiers.contains(KeyModifiers::SHIFT);
                modifiers.remove(KeyModifiers::SHIFT);
                match (shifted, c.to_uppercase().next()) {
                    (true, Some(upper)) if c.is_lowercase() => KeyCode::Char(upper),
                    _ => KeyCode::Char(c),
                }
            }
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::BackTab => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        KeyCombo { code, modifiers }
    }
}

impl fmt::Display for KeyCombo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (m, name) in [
            (KeyModifiers::CONTROL, "ctrl-"),
            (KeyModifiers::ALT, "alt-"),
            (KeyModifiers::SHIFT, "shift-"),
        ] {
            if self.modifiers.contains(m) {
                f.write_str(name)?;
            }
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            code => f.write_str(NAMED.iter().find(|n| n.1 == code).map_or("?", |n| n.2)),
        }
    }
}

/// (spec names, code, display name).
const NAMED: [(&[&str], KeyCode, &str); 16] = [
    (&["enter", "return"], KeyCode::Enter, "Enter"),
    (&["esc", "escape"], KeyCode::Esc, "Esc"),
    (&["tab"], KeyCode::Tab, "Tab"),
    (&["backtab"], KeyCode::BackTab, "shift-Tab"),
    (&["backspace"], KeyCode::Backspace, "Backspace"),
    (&["space"], KeyCode::Char(' '), "Space"),
    (&["up"], KeyCode::Up, "↑"),
    (&["down"], KeyCode::Down, "↓"),
    (&["left"], KeyCode::Left, "←"),
    (&["right"], KeyCode::Right, "→"),
    (&["home"], KeyCode::Home, "Home"),
    (&["end"], KeyCode::End, "End"),
    (&["pageup", "pgup"], KeyCode::PageUp, "PgUp"),
    (&["pagedown", "pgdn"], KeyCode::PageDown, "PgDn"),
    (&["insert", "ins"], KeyCode::Insert, "Ins"),
    (&["delete", "del"], KeyCode::Delete, "Del"),
];

/// Parses a key spec such as `"ctrl-c"`, `"shift-down"`, `"J"`, `"enter"`, `"f1"`, `"space"`,
/// `"-"` or `"alt--"`. An uppercase letter implies shift.
pub fn parse_key(spec: &str) -> Result<KeyCombo, String> {
    let (mods, key) = match spec.strip_suffix("--") {
        Some(rest) => (rest, "-"),
        None if spec == "-" => ("", "-"),
        None => spec.rsplit_once('-').unwrap_or(("", spec)),
    };
    let mut modifiers = KeyModifiers::NONE;
    for m in mods.split('-').filter(|m| !m.is_empty()) {
        modifiers |= match m.to_ascii_lowercase().as_str() {
            "ctrl" | "control" => KeyModifiers::CONTROL,
            "alt" | "meta" => KeyModifiers::ALT,
            "shift" => KeyModifiers::SHIFT,
            _ => {
                return Err(format!(
                    "unknown modifier {m:?} in {spec:?} (use ctrl, alt, shift)"
                ));
            }
        };
    }
    let mut chars = key.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => KeyCode::Char(c),
        _ => {
            let lower = key.to_ascii_lowercase();
            let function = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok());
            match (
                NAMED.iter().find(|n| n.0.contains(&lower.as_str())),
                function,
            ) {
                (Some(named), _) => named.1,
                (None, Some(n @ 1..=24)) => KeyCode::F(n),
                _ => return Err(format!("unknown key {spec:?}")),
            }
        }
    };
    Ok(KeyCombo::new(code, modifiers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_key_specs() {
        let (none, ctrl, alt, shift) = (
            KeyModifiers::NONE,
            KeyModifiers::CONTROL,
            KeyModifiers::ALT,
            KeyModifiers::SHIFT,
        );
        let cases = [
            ("q", KeyCode::Char('q'), none),
            ("?", KeyCode::Char('?'), none),
            ("J", KeyCode::Char('J'), none),
            ("shift-j", KeyCode::Char('J'), none),
            ("ctrl-c", KeyCode::Char('c'), ctrl),
            ("Ctrl-Alt-x", KeyCode::Char('x'), ctrl | alt),
            ("shift-down", KeyCode::Down, shift),
            ("enter", KeyCode::Enter, none),
            ("Return", KeyCode::Enter, none),
            ("esc", KeyCode::Esc, none),
            ("space", KeyCode::Char(' '), none),
            ("tab", KeyCode::Tab, none),
            ("backtab", KeyCode::BackTab, none),
            ("shift-tab", KeyCode::BackTab, none),
            ("pagedown", KeyCode::PageDown, none),
            ("pgup", KeyCode::PageUp, none),
            ("f1", KeyCode::F(1), none),
            ("F12", KeyCode::F(12), none),
            ("-", KeyCode::Char('-'), none),
            ("alt--", KeyCode::Char('-'), alt),
            ("backspace", KeyCode::Backspace, none),
        ];
        for (spec, code, modifiers) in cases {
            assert_eq!(parse_key(spec), Ok(KeyCombo { code, modifiers }), "{spec}");
        }
        for bad in ["", "ctlr-c", "pagedwn", "f0", "f25", "ctrl-", "hyper-x"] {
            assert!(parse_key(bad).is_err(), "{bad:?} should fail");
        }
    }
}
