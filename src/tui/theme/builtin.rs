//! The built-in themes (embedded from `themes/*.toml`) and the adaptive names that pick one of
//! a dark/light pair by the terminal's background: `auto` (dark or light), `high-contrast` and
//! `colorblind`. Must never read files or the environment.

use super::shade::Shade;

/// The built-in themes, in the order shown to users: (name, embedded TOML).
const BUILTINS: [(&str, &str); 6] = [
    ("dark", include_str!("../../../themes/dark.toml")),
    ("light", include_str!("../../../themes/light.toml")),
    (
        "high-contrast-dark",
        include_str!("../../../themes/high-contrast-dark.toml"),
    ),
    (
        "high-contrast-light",
        include_str!("../../../themes/high-contrast-light.toml"),
    ),
    (
        "colorblind-dark",
        include_str!("../../../themes/colorblind-dark.toml"),
    ),
    (
        "colorblind-light",
        include_str!("../../../themes/colorblind-light.toml"),
    ),
];

/// Names of the built-in themes.
pub(super) const BUILTIN_NAMES: [&str; 6] = [
    "dark",
    "light",
    "high-contrast-dark",
    "high-contrast-light",
    "colorblind-dark",
    "colorblind-light",
];

/// Adaptive names: (name, theme on a dark terminal, theme on a light terminal).
const ADAPTIVE: [(&str, &str, &str); 3] = [
    ("auto", "dark", "light"),
    ("high-contrast", "high-contrast-dark", "high-contrast-light"),
    ("colorblind", "colorblind-dark", "colorblind-light"),
];

/// The default theme spec.
pub(super) const AUTO: &str = "auto";

/// The embedded TOML of a built-in theme.
pub(super) fn text(name: &str) -> Option<&'static str> {
    BUILTINS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// The built-in an adaptive name stands for on a terminal of this shade; any other name is
/// returned as it is.
pub(super) fn for_shade(name: &str, shade: Shade) -> &str {
    match ADAPTIVE.iter().find(|(n, _, _)| *n == name) {
        Some((_, dark, light)) => match shade {
            Shade::Dark => dark,
            Shade::Light => light,
        },
        None => name,
    }
}

/// Whether the name adapts to the terminal's background.
pub(super) fn is_adaptive(name: &str) -> bool {
    ADAPTIVE.iter().any(|(n, _, _)| *n == name)
}

/// Every name `--theme` accepts without a file, for messages.
pub(super) fn all_names() -> String {
    ADAPTIVE
        .iter()
        .map(|(n, _, _)| *n)
        .chain(BUILTIN_NAMES)
        .collect::<Vec<_>>()
        .join(", ")
}
