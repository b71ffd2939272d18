//! Key bindings as data: the embedded `keymap.toml` plus an optional partial user file
//! `<config dir>/keymap.toml` that replaces keys per action. Resolves a crossterm `KeyEvent`
//! in a screen `Context` to an `Action`, and lists bindings for the generated help overlay.
//! A broken user file becomes warnings naming the file and key; never a crash.
//! Must never perform actions or draw: it only maps keys to names.

mod actions;
mod keys;

use std::collections::HashMap;
use std::path::Path;

use crossterm::event::{KeyEvent, KeyEventKind};

use strum::IntoEnumIterator;

pub use actions::{Action, Context};
pub use keys::{KeyCombo, parse_key};

const DEFAULT_TOML: &str = include_str!("keymap.toml");

/// One line of the help overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpEntry {
    /// The bound keys for display, e.g. `"j / ↓"`.
    pub keys: String,
    /// The action.
    pub action: Action,
    /// The action's one-line description.
    pub description: &'static str,
}

/// Resolved bindings per context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: HashMap<Context, HashMap<Action, Vec<KeyCombo>>>,
}

impl Keymap {
    /// The embedded default bindings.
    pub fn default_keymap() -> Keymap {
        let mut keymap = Keymap {
            bindings: HashMap::new(),
        };
        // The embedded file is checked by tests; it cannot produce warnings at run time.
        let warnings = keymap.apply(DEFAULT_TOML, "built-in keymap.toml");
        debug_assert!(warnings.is_empty(), "{warnings:?}");
        keymap
    }

    /// The defaults, patched by `<config_dir>/keymap.toml` if it exists. Every problem in the
    /// user file becomes a warning naming the file and key; bad entries keep their defaults.
    pub fn load(config_dir: Option<&Path>) -> (Keymap, Vec<String>) {
        let mut keymap = Keymap::default_keymap();
        let Some(path) = config_dir
            .map(|d| d.join("keymap.toml"))
            .filter(|p| p.exists())
        else {
            return (keymap, Vec::new());
        };
        let origin = path.display().to_string();
        let warnings = match std::fs::read_to_string(&path) {
            Ok(text) => keymap.apply(&text, &origin),
            Err(e) => vec![format!(
                "cannot read keymap {origin}: {e}; using the default keys"
            )],
        };
        (keymap, warnings)
    }

    /// Applies a (partial) keymap file over the current bindings, returning warnings.
    fn apply(&mut self, text: &str, origin: &str) -> Vec<String> {
        let table: toml::Table = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => {
                return vec![format!(
                    "keymap {origin}: {}; using the default keys",
                    crate::domain::toml_line::describe(text, &e)
                )];
            }
        };
        let mut warnings = Vec::new();
        for (section, value) in &table {
            let Some(context) = Context::iter().find(|c| c.section() == section) else {
                let known: Vec<&str> = Context::iter().map(Context::section).collect();
                warnings.push(format!(
                    "keymap {origin}: unknown section [{section}] (known: {})",
                    known.join(", ")
                ));
                continue;
            };
            let Some(entries) = value.as_table() else {
                warnings.push(format!(
                    "keymap {origin}: `{section}` must be a [{section}] table"
                ));
                continue;
            };
            for (name, keys) in entries {
                let here = format!("keymap {origin}: [{section}] {name}");
                let allowed = context.actions();
                match allowed.iter().find(|a| a.name() == name) {
                    None => {
                        let known: Vec<&str> = allowed.iter().map(|a| a.name()).collect();
                        warnings.push(format!(
                            "{here}: unknown action (known: {})",
                            known.join(", ")
                        ));
                    }
                    Some(&action) => match parse_keys(keys) {
                        Ok(combos) => {
                            self.bindings
                                .entry(context)
                                .or_default()
                                .insert(action, combos);
                        }
                        Err(e) => warnings.push(format!("{here}: {e}; keeping the default keys")),
                    },
                }
            }
        }
        warnings
    }

    /// The action bound to a key press in `context`, looking at the context's bindings first,
    /// then the global ones. Key releases are ignored; repeats count as presses. In
    /// `Context::Image` every key is `Back`, except a `force_quit` key. While a text field has
    /// focus the TUI should give printable keys (no ctrl/alt) to the field before asking here.
    pub fn action(&self, context: Context, key: &KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        let combo = KeyCombo::new(key.code, key.modifiers);
        let found = self.first(context, combo).or_else(|| match context {
            Context::Global => None,
            _ => self.first(Context::Global, combo),
        });
        match (context, found) {
            (Context::Image, Some(Action::ForceQuit)) => Some(Action::ForceQuit),
            (Context::Image, _) => Some(Action::Back),
            (_, found) => found,
        }
    }

    /// Whether `key` is bound to any action in `context` or globally, leaving aside the
    /// image view's "every key goes back" rule.
    pub fn binds(&self, context: Context, key: &KeyEvent) -> bool {
        let combo = KeyCombo::new(key.code, key.modifiers);
        self.first(context, combo)
            .or_else(|| self.first(Context::Global, combo))
            .is_some()
    }

    /// Whether `key` is bound to `action` in `context` (ignoring the global fallback). The
    /// start screen's path input asks `matches(Start, key, Complete)` before `action()`,
    /// because Tab is both `complete` and `next_field` there.
    pub fn matches(&self, context: Context, key: &KeyEvent, action: Action) -> bool {
        let combo = KeyCombo::new(key.code, key.modifiers);
        key.kind != KeyEventKind::Release
            && self
                .keys(context, action)
                .is_some_and(|keys| keys.contains(&combo))
    }

    /// The help lines for `context`: its actions, then the global ones, in file order.
    /// Unbound actions are left out.
    pub fn help(&self, context: Context) -> Vec<HelpEntry> {
        let globals = if context == Context::Global {
            &[][..]
        } else {
            Context::Global.actions()
        };
        let contexts = context.actions().iter().map(|&a| (context, a));
        contexts
            .chain(globals.iter().map(|&a| (Context::Global, a)))
            .filter_map(|(ctx, action)| {
                let keys = self.keys(ctx, action).filter(|k| !k.is_empty())?;
                let keys = if ctx == Context::Image && action == Action::Back {
                    "any key".to_owned()
                } else {
                    join_keys(keys)
                };
                Some(HelpEntry {
                    keys,
                    action,
                    description: action.description(),
                })
            })
            .collect()
    }

    /// The key a one-line hint shows for `action` in `context`: the first key of its binding
    /// (the context's own when it offers the action, else the global one), e.g. `r` or
    /// `ctrl-r`. `None` when the action is unbound there, so no hint promises a dead key.
    pub fn hint_key(&self, context: Context, action: Action) -> Option<String> {
        self.bound(context, action)
            .and_then(|keys| keys.first())
            .map(ToString::to_string)
    }

    /// Every key bound to `action` in `context` (or globally, as for `hint_key`), joined as
    /// the help shows them (`y / Enter`); `None` when unbound.
    pub fn hint_keys(&self, context: Context, action: Action) -> Option<String> {
        self.bound(context, action).map(join_keys)
    }

    /// The non-empty binding of `action` where `context` looks it up.
    fn bound(&self, context: Context, action: Action) -> Option<&[KeyCombo]> {
        let owner = if context.actions().contains(&action) {
            context
        } else {
            Context::Global
        };
        self.keys(owner, action).filter(|k| !k.is_empty())
    }

    fn keys(&self, context: Context, action: Action) -> Option<&[KeyCombo]> {
        self.bindings.get(&context)?.get(&action).map(Vec::as_slice)
    }

    /// The first action of `context`, in file order, bound to `combo`.
    fn first(&self, context: Context, combo: KeyCombo) -> Option<Action> {
        let bound = self.bindings.get(&context)?;
        context
            .actions()
            .iter()
            .copied()
            .find(|a| bound.get(a).is_some_and(|keys| keys.contains(&combo)))
    }
}

/// Keys as the help shows them: `j / ↓ / n`.
fn join_keys(keys: &[KeyCombo]) -> String {
    keys.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" / ")
}

/// A list of key specs (a single string is accepted too).
fn parse_keys(value: &toml::Value) -> Result<Vec<KeyCombo>, String> {
    match value {
        toml::Value::String(spec) => Ok(vec![parse_key(spec)?]),
        toml::Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .ok_or_else(|| format!("{item} is not a key string"))
            })
            .map(|spec| spec.and_then(parse_key))
            .collect(),
        other => Err(format!(
            "expected a list of keys like [\"j\", \"down\"], found {other}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyModifiers};

    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn ch(c: char) -> KeyEvent {
        press(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn user_keymap(text: &str) -> (Keymap, Vec<String>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keymap.toml"), text).unwrap();
        let (keymap, warnings) = Keymap::load(Some(dir.path()));
        (keymap, warnings, dir)
    }

    #[test]
    fn default_keymap_parses_without_warnings_and_binds_every_action() {
        let mut keymap = Keymap {
            bindings: HashMap::new(),
        };
        assert_eq!(keymap.apply(DEFAULT_TOML, "default"), Vec::<String>::new());
        for context in Context::iter() {
            for &action in context.actions() {
                let keys = keymap.keys(context, action);
                assert!(
                    keys.is_some_and(|k| !k.is_empty()),
                    "{context:?} {action:?} unbound"
                );
                assert!(!action.description().is_empty() && !action.name().is_empty());
            }
        }
        assert_eq!(Keymap::load(None), (keymap, vec![]));
    }

    #[test]
    fn resolves_context_first_then_global_robustly() {
        let keymap = Keymap::default_keymap();
        let (ctrl, shift) = (KeyModifiers::CONTROL, KeyModifiers::SHIFT);
        let cases = [
            (Context::Matrix, ch('j'), Some(Action::Down)),
            (Context::Matrix, ch('q'), Some(Action::Quit)),
            (Context::Help, ch('q'), Some(Action::Close)),
            (Context::Drill, ch('J'), Some(Action::ScrollAnswerDown)),
            (
                Context::Drill,
                press(KeyCode::Char('J'), shift),
                Some(Action::ScrollAnswerDown),
            ),
            (
                Context::Drill,
                press(KeyCode::Char('j'), shift),
                Some(Action::ScrollAnswerDown),
            ),
            (
                Context::Drill,
                press(KeyCode::Down, shift),
                Some(Action::ScrollAnswerDown),
            ),
            (
                Context::Drill,
                press(KeyCode::Char('d'), ctrl),
                Some(Action::PageDown),
            ),
            (
                Context::Matrix,
                press(KeyCode::Char('c'), ctrl),
                Some(Action::ForceQuit),
            ),
            (
                Context::Matrix,
                press(KeyCode::Tab, shift),
                Some(Action::FocusPrev),
            ),
            (
                Context::Matrix,
                press(KeyCode::BackTab, shift),
                Some(Action::FocusPrev),
            ),
            (Context::Matrix, ch(' '), Some(Action::Pause)),
            (Context::Global, ch('?'), Some(Action::Help)),
            (
                Context::Start,
                press(KeyCode::Tab, KeyModifiers::NONE),
                Some(Action::NextField),
            ),
            (Context::Confirm, ch('y'), Some(Action::Yes)),
            (Context::Matrix, ch('z'), None),
            (Context::Image, ch('z'), Some(Action::Back)),
            (Context::Image, ch('q'), Some(Action::Back)),
            (
                Context::Image,
                press(KeyCode::Char('c'), ctrl),
                Some(Action::ForceQuit),
            ),
        ];
        for (context, key, want) in cases {
            assert_eq!(keymap.action(context, &key), want, "{context:?} {key:?}");
        }
        let mut release = ch('j');
        release.kind = KeyEventKind::Release;
        assert_eq!(keymap.action(Context::Matrix, &release), None);
        let mut repeat = ch('j');
        repeat.kind = KeyEventKind::Repeat;
        assert_eq!(keymap.action(Context::Matrix, &repeat), Some(Action::Down));
        let tab = press(KeyCode::Tab, KeyModifiers::NONE);
        assert!(keymap.matches(Context::Start, &tab, Action::Complete));
        assert!(!keymap.matches(Context::Start, &ch('j'), Action::Complete));
    }

    #[test]
    fn user_override_replaces_one_action_and_keeps_the_rest() {
        let (keymap, warnings, _dir) =
            user_keymap("[matrix]\ndown = [\"s\"]\nrun = \"ctrl-r\"\n[global]\nhelp = []\n");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(keymap.action(Context::Matrix, &ch('s')), Some(Action::Down));
        assert_eq!(keymap.action(Context::Matrix, &ch('j')), None);
        assert_eq!(keymap.action(Context::Matrix, &ch('r')), None);
        let ctrl_r = press(KeyCode::Char('r'), KeyModifiers::CONTROL);
        assert_eq!(keymap.action(Context::Matrix, &ctrl_r), Some(Action::Run));
        assert_eq!(keymap.action(Context::Matrix, &ch('k')), Some(Action::Up));
        assert_eq!(keymap.action(Context::Drill, &ch('j')), Some(Action::Next));
        assert_eq!(keymap.action(Context::Matrix, &ch('?')), None);
        assert!(
            keymap
                .help(Context::Matrix)
                .iter()
                .all(|e| e.action != Action::Help)
        );
    }

    #[test]
    fn hint_keys_follow_rebinding_and_unbinding() {
        let keymap = Keymap::default_keymap();
        assert_eq!(
            keymap.hint_key(Context::Matrix, Action::Run).as_deref(),
            Some("r")
        );
        assert_eq!(
            keymap.hint_key(Context::Start, Action::Run).as_deref(),
            Some("ctrl-r")
        );
        assert_eq!(
            keymap.hint_key(Context::Drill, Action::Help).as_deref(),
            Some("?")
        );
        assert_eq!(keymap.hint_key(Context::Drill, Action::Run), None);
        assert_eq!(
            keymap.hint_keys(Context::Confirm, Action::Yes).as_deref(),
            Some("y / Enter")
        );
        let (keymap, warnings, _dir) = user_keymap("[matrix]\nrun = [\"g\", \"r\"]\npause = []\n");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            keymap.hint_key(Context::Matrix, Action::Run).as_deref(),
            Some("g")
        );
        assert_eq!(keymap.hint_key(Context::Matrix, Action::Pause), None);
        assert_eq!(keymap.hint_keys(Context::Matrix, Action::Pause), None);
    }

    #[test]
    fn bad_user_entries_warn_with_file_and_key_and_keep_defaults() {
        let cases = [
            ("[matrix]\ndwn = [\"s\"]\n", "[matrix] dwn"),
            ("[matrix]\ndown = [\"ctlr-s\"]\n", "[matrix] down"),
            ("[matrix]\ndown = [3]\n", "[matrix] down"),
            ("[matrix]\nnext = [\"n\"]\n", "[matrix] next"),
            ("[screen]\ndown = [\"s\"]\n", "[screen]"),
            ("[matrix\n", "keymap.toml"),
        ];
        for (text, key) in cases {
            let (keymap, warnings, _dir) = user_keymap(text);
            assert_eq!(warnings.len(), 1, "{text}: {warnings:?}");
            assert!(warnings[0].contains("keymap.toml"), "{}", warnings[0]);
            assert!(warnings[0].contains(key), "{key}: {}", warnings[0]);
            assert_eq!(keymap, Keymap::default_keymap(), "{text}");
        }
    }

    #[test]
    fn help_lists_every_action_of_a_context_then_globals_in_file_order() {
        let keymap = Keymap::default_keymap();
        for context in Context::iter() {
            let help = keymap.help(context);
            let listed: Vec<Action> = help.iter().map(|e| e.action).collect();
            let mut want = context.actions().to_vec();
            if context != Context::Global {
                want.extend(Context::Global.actions());
            }
            assert_eq!(listed, want, "{context:?}");
        }
        let drill = keymap.help(Context::Drill);
        assert_eq!(drill[0].keys, "j / ↓");
        assert_eq!(drill[0].description, "next item");
        assert_eq!(drill[2].keys, "PgDn / ctrl-d");
        assert_eq!(drill[6].keys, "J / shift-↓");
        assert_eq!(keymap.help(Context::Image)[0].keys, "any key");
    }
}
