//! Key hints built from the keymap, so a rebound key is shown as bound and an unbound action
//! is not offered at all. Formats text only: never decides what a key does.

use crate::tui::keymap::{Action, Context};
use crate::tui::model::Model;

/// `"{key} {text}"` with the first key bound to `action` in `context` (`r runs`), or `None`
/// when the action is unbound there.
pub(super) fn hint(model: &Model, context: Context, action: Action, text: &str) -> Option<String> {
    model
        .keymap
        .hint_key(context, action)
        .map(|key| format!("{key} {text}"))
}

/// `"{prev}/{next} {text}"` for a pair of opposite actions (`↑/↓ field`); the bound one alone
/// when only one is bound, `None` when neither is.
pub(super) fn pair(
    model: &Model,
    context: Context,
    [prev, next]: [Action; 2],
    text: &str,
) -> Option<String> {
    let keys: Vec<String> = [prev, next]
        .into_iter()
        .filter_map(|a| model.keymap.hint_key(context, a))
        .collect();
    (!keys.is_empty()).then(|| format!("{} {text}", keys.join("/")))
}

/// The bound hints joined by ` · ` (unbound ones left out).
pub(super) fn join(hints: impl IntoIterator<Item = Option<String>>) -> String {
    hints.into_iter().flatten().collect::<Vec<_>>().join(" · ")
}

/// `what` followed by `": {hint}"` when the action is bound (`run finished: r runs again`),
/// else `what` alone.
pub(super) fn phase(model: &Model, what: &str, action: Action, text: &str) -> String {
    match hint(model, Context::Matrix, action, text) {
        Some(h) => format!("{what}: {h}"),
        None => what.to_owned(),
    }
}

/// Like `hint`, with every key bound to the action (`Esc / x / q close`).
pub(super) fn all(model: &Model, context: Context, action: Action, text: &str) -> Option<String> {
    model
        .keymap
        .hint_keys(context, action)
        .map(|keys| format!("{keys} {text}"))
}
