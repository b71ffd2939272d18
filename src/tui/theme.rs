//! Colour themes: TOML files of semantic roles (text, muted, accent, ok, warn, error, selection,
//! border, title, matrix gradient...) resolved once into ratatui `Style`s.
//! Built-ins are embedded from `themes/*.toml`; user themes come from `<config dir>/themes/` or
//! a path and may be partial (missing keys take the `extends` theme's values, default "dark").
//! A broken theme becomes a warning naming the file and key, never a crash.
//! Must never draw anything or read the environment: `NO_COLOR` and the config dir are inputs.

mod builtin;
pub mod contrast;
mod file;
mod shade;

use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};

pub use file::ThemeError;
pub use shade::Shade;

use builtin::{AUTO, BUILTIN_NAMES};

/// The built-in a theme file extends when it names none.
const DEFAULT: &str = "dark";

/// A resolved theme: one `Style` per semantic role plus the matrix heat gradient.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The theme's name.
    pub name: String,
    /// Ordinary text (with the theme background, if it sets one).
    pub text: Style,
    /// Secondary text: hints, counts, paths.
    pub muted: Style,
    /// Highlights: focused items, keys in the help, the active pane.
    pub accent: Style,
    /// Success: correct predictions, finished runs.
    pub ok: Style,
    /// Warnings: unparsed answers, retries.
    pub warn: Style,
    /// Errors: failed items, server errors.
    pub error: Style,
    /// The selected row or cell.
    pub selection: Style,
    /// Pane borders.
    pub border: Style,
    /// Pane and dialog titles.
    pub title: Style,
    /// The text of a matrix cell whose count is 0.
    pub zero: Style,
    /// The terminal background the theme is made for (`designed_for`); its text roles keep
    /// the WCAG contrast minimums against it.
    pub designed_for: Color,
    gradient: Vec<Color>,
    no_color: bool,
}

impl Theme {
    /// Names of the built-in themes.
    pub fn builtin_names() -> &'static [&'static str] {
        &BUILTIN_NAMES
    }

    /// Loads a theme as `load_for` does on a dark terminal.
    pub fn load(
        spec: Option<&str>,
        config_dir: Option<&Path>,
        no_color: bool,
    ) -> (Theme, Vec<String>) {
        Theme::load_for(spec, config_dir, no_color, Shade::Dark)
    }

    /// Loads a theme by name or path for a terminal whose background has `shade`:
    /// a user theme name (`<config_dir>/themes/NAME.toml`, which wins over a built-in of the
    /// same name), a path (anything with a `/` or ending `.toml`), a built-in name, or an
    /// adaptive name (`auto`, the default, `high-contrast`, `colorblind`) that picks the dark
    /// or light built-in by `shade`. Any problem yields a warning and the default theme for
    /// the shade. `no_color` is true when `NO_COLOR` is set and non-empty.
    pub fn load_for(
        spec: Option<&str>,
        config_dir: Option<&Path>,
        no_color: bool,
        shade: Shade,
    ) -> (Theme, Vec<String>) {
        match resolve(spec.unwrap_or(AUTO), config_dir, shade) {
            Ok(mut theme) => {
                theme.apply_no_color(no_color);
                (theme, Vec::new())
            }
            Err(err) => {
                let fallback = builtin::for_shade(AUTO, shade);
                let mut theme = builtin(fallback);
                theme.apply_no_color(no_color);
                (theme, vec![format!("{err}; using the {fallback} theme")])
            }
        }
    }

    /// Whether this `--theme` value depends on the terminal's background (so it is worth
    /// asking the terminal): the default and the adaptive names, unless a user theme file of
    /// that name exists.
    pub fn adapts_to_background(spec: Option<&str>, config_dir: Option<&Path>) -> bool {
        let spec = spec.unwrap_or(AUTO);
        builtin::is_adaptive(spec) && user_file(spec, config_dir).is_none()
    }

    /// The shade of background the theme is made for.
    pub fn shade(&self) -> Shade {
        match self.designed_for {
            Color::Rgb(r, g, b) => Shade::of_rgb(r, g, b),
            _ => Shade::Dark,
        }
    }

    /// Parses a theme file. `origin` (a path or built-in name) is used in error messages.
    /// Missing keys take the values of the `extends` built-in (default "dark").
    pub fn from_toml(text: &str, origin: &str) -> Result<Theme, ThemeError> {
        file::parse(text, origin)
    }

    /// The matrix cell style for a row-normalised rate in 0..=1: background along the gradient,
    /// black or white text for contrast. With `no_color`: bold for rate >= 0.5, dim for 0.
    pub fn heat(&self, rate: f64) -> Style {
        if self.no_color {
            return if rate >= 0.5 {
                Style::new().add_modifier(Modifier::BOLD)
            } else if rate <= 0.0 || rate.is_nan() {
                Style::new().add_modifier(Modifier::DIM)
            } else {
                Style::new()
            };
        }
        let bg = self.heat_color(rate);
        Style::new().bg(bg).fg(contrast::best_text_on(bg))
    }

    /// The gradient colour for a rate in 0..=1 (clamped; NaN counts as 0), linear RGB
    /// interpolation between neighbouring stops. `Color::Reset` with `no_color`.
    pub fn heat_color(&self, rate: f64) -> Color {
        if self.no_color || self.gradient.is_empty() {
            return Color::Reset;
        }
        let rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        let last = self.gradient.len() - 1;
        let pos = rate * last as f64;
        let i = (pos.floor() as usize).min(last);
        let t = pos - i as f64;
        match (self.gradient[i], self.gradient.get(i + 1)) {
            (a, Some(&b)) if t > 0.0 => lerp(a, b, t),
            (a, _) => a,
        }
    }

    /// Strips every colour, keeping modifiers so roles stay distinguishable.
    fn apply_no_color(&mut self, no_color: bool) {
        if !no_color {
            return;
        }
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let dim = Style::new().add_modifier(Modifier::DIM);
        self.no_color = true;
        self.text = Style::new();
        self.muted = dim;
        self.accent = bold;
        self.ok = Style::new();
        self.warn = bold;
        self.error = bold.add_modifier(Modifier::UNDERLINED);
        self.selection = bold.add_modifier(Modifier::REVERSED);
        self.border = Style::new();
        self.title = bold;
        self.zero = dim;
    }
}

fn builtin_text(name: &str) -> Option<&'static str> {
    builtin::text(name)
}

/// A built-in theme. Built-ins are checked by tests; should one ever fail to parse, the
/// result is a colourless theme rather than a panic.
fn builtin(name: &str) -> Theme {
    builtin_text(name)
        .and_then(|text| Theme::from_toml(text, name).ok())
        .unwrap_or_else(colourless)
}

/// A theme of modifiers only; used only if the embedded files were broken.
fn colourless() -> Theme {
    let s = Style::new();
    let mut theme = Theme {
        name: DEFAULT.to_owned(),
        text: s,
        muted: s,
        accent: s,
        ok: s,
        warn: s,
        error: s,
        selection: s,
        border: s,
        title: s,
        zero: s,
        designed_for: Color::Reset,
        gradient: Vec::new(),
        no_color: false,
    };
    theme.apply_no_color(true);
    theme
}

/// The user's theme file for a spec: the spec itself when it looks like a path, else
/// `<config_dir>/themes/NAME.toml` when that file exists.
fn user_file(spec: &str, config_dir: Option<&Path>) -> Option<PathBuf> {
    let looks_like_path = spec.contains('/') || spec.contains('\\') || spec.ends_with(".toml");
    if looks_like_path {
        Some(PathBuf::from(spec))
    } else {
        config_dir
            .map(|dir| dir.join("themes").join(format!("{spec}.toml")))
            .filter(|p| p.is_file())
    }
}

fn resolve(spec: &str, config_dir: Option<&Path>, shade: Shade) -> Result<Theme, ThemeError> {
    if let Some(path) = user_file(spec, config_dir) {
        let text = std::fs::read_to_string(&path).map_err(|source| ThemeError::Read {
            path: path.clone(),
            source,
        })?;
        return Theme::from_toml(&text, &path.display().to_string());
    }
    let name = builtin::for_shade(spec, shade);
    match builtin_text(name) {
        Some(_) => Ok(builtin(name)),
        None => Err(ThemeError::NotFound {
            name: spec.to_owned(),
            builtins: builtin::all_names(),
            searched: config_dir.map_or_else(
                || "(no config dir)".to_owned(),
                |d| {
                    d.join("themes")
                        .join(format!("{spec}.toml"))
                        .display()
                        .to_string()
                },
            ),
        }),
    }
}

fn lerp(a: Color, b: Color, t: f64) -> Color {
    match (a, b) {
        (Color::Rgb(r1, g1, b1), Color::Rgb(r2, g2, b2)) => {
            let mix =
                |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
            Color::Rgb(mix(r1, r2), mix(g1, g2), mix(b1, b2))
        }
        _ => a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_theme(dir: &Path, name: &str, text: &str) {
        let themes = dir.join("themes");
        std::fs::create_dir_all(&themes).unwrap();
        std::fs::write(themes.join(format!("{name}.toml")), text).unwrap();
    }

    fn styles(t: &Theme) -> [Style; 10] {
        [
            t.text,
            t.muted,
            t.accent,
            t.ok,
            t.warn,
            t.error,
            t.selection,
            t.border,
            t.title,
            t.zero,
        ]
    }

    #[test]
    fn every_builtin_parses_loads_and_has_distinct_selection() {
        for &name in Theme::builtin_names() {
            let text = builtin_text(name).unwrap();
            let theme = Theme::from_toml(text, name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(theme.name, name);
            assert!(theme.gradient.len() >= 2, "{name}");
            assert_ne!(theme.selection, theme.text, "{name}");
            assert!(
                theme.selection.bg.is_some_and(|c| c != Color::Reset),
                "{name}"
            );
            let (loaded, warnings) = Theme::load(Some(name), None, false);
            assert_eq!((loaded, warnings), (theme, vec![]));
        }
        assert_eq!(Theme::load(None, None, false).0.name, "dark");
    }

    #[test]
    fn heat_endpoints_equal_gradient_ends_and_midpoints_blend() {
        let theme = builtin("dark");
        assert_eq!(theme.heat_color(0.0), Color::Rgb(0x1e, 0x24, 0x30));
        assert_eq!(theme.heat_color(1.0), Color::Rgb(0xe1, 0x55, 0x54));
        assert_eq!(theme.heat_color(-3.0), theme.heat_color(0.0));
        assert_eq!(theme.heat_color(f64::NAN), theme.heat_color(0.0));
        assert_eq!(theme.heat_color(7.0), theme.heat_color(1.0));
        assert_eq!(theme.heat_color(0.5), Color::Rgb(0x3b, 0x6e, 0xa5)); // exact middle stop
        let two = Theme::from_toml(
            "[matrix]\ngradient = [\"#000000\", \"#ff8040\"]",
            "two.toml",
        )
        .unwrap();
        assert_eq!(two.heat_color(0.5), Color::Rgb(128, 64, 32));
        assert_eq!(two.heat(1.0).bg, Some(Color::Rgb(255, 128, 64)));
    }

    #[test]
    fn heat_foreground_is_chosen_for_contrast() {
        let cases = [
            ("#000000", Color::Rgb(255, 255, 255)),
            ("#1e2430", Color::Rgb(255, 255, 255)),
            ("#ffffff", Color::Rgb(0, 0, 0)),
            ("#fde725", Color::Rgb(0, 0, 0)),
            ("#f4a259", Color::Rgb(0, 0, 0)),
            ("#0000ff", Color::Rgb(255, 255, 255)),
        ];
        for (hex, want) in cases {
            let theme =
                Theme::from_toml(&format!("[matrix]\ngradient = [\"{hex}\"]"), "t").unwrap();
            assert_eq!(theme.heat(0.3).fg, Some(want), "{hex}");
        }
    }

    #[test]
    fn partial_user_theme_keeps_dark_values_for_missing_keys() {
        let dir = tempfile::tempdir().unwrap();
        write_theme(
            dir.path(),
            "mine",
            "name = \"mine\"\n[colors]\naccent = \"red\"\n",
        );
        let (theme, warnings) = Theme::load(Some("mine"), Some(dir.path()), false);
        assert!(warnings.is_empty(), "{warnings:?}");
        let dark = builtin("dark");
        assert_eq!(theme.name, "mine");
        assert_eq!(theme.accent.fg, Some(Color::Red));
        assert_eq!((theme.text, theme.selection), (dark.text, dark.selection));
        assert_eq!(theme.heat_color(1.0), dark.heat_color(1.0));
        // `extends` picks another base; a path works as a spec too.
        let path = dir.path().join("l.toml");
        std::fs::write(&path, "extends = \"light\"\n[colors]\nok = \"#010203\"").unwrap();
        let (theme, warnings) = Theme::load(path.to_str(), None, false);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(theme.text, builtin("light").text);
        assert_eq!(theme.ok.fg, Some(Color::Rgb(1, 2, 3)));
    }

    #[test]
    fn bad_theme_files_warn_with_file_and_key_then_fall_back() {
        let cases = [
            ("[colors]\naccent = \"#12345z\"\n", "colors.accent"),
            ("[colors]\nacent = \"red\"\n", "colors.acent"),
            (
                "[matrix]\ngradient = [\"#000000\", \"blue\"]\n",
                "matrix.gradient",
            ),
            ("[matrix]\ngradient = []\n", "matrix.gradient"),
            ("[matrix]\nzero = \"nope\"\n", "matrix.zero"),
            ("extends = \"solarized\"\n", "extends"),
            ("[colors\n", "line 1"),
            ("name = 3\n", "`name = 3`"),
        ];
        for (text, key) in cases {
            let dir = tempfile::tempdir().unwrap();
            write_theme(dir.path(), "bad", text);
            let (theme, warnings) = Theme::load(Some("bad"), Some(dir.path()), false);
            assert_eq!(theme, builtin("dark"), "{text}");
            assert_eq!(warnings.len(), 1, "{text}");
            assert!(warnings[0].contains("bad.toml"), "{}", warnings[0]);
            assert!(warnings[0].contains(key), "{key}: {}", warnings[0]);
        }
        let (_, warnings) = Theme::load(Some("nosuch"), None, false);
        assert!(warnings[0].contains("nosuch") && warnings[0].contains("colorblind"));
    }

    #[test]
    fn adaptive_names_follow_the_terminal_background() {
        let load = |spec: Option<&str>, shade| {
            let (theme, warnings) = Theme::load_for(spec, None, false, shade);
            assert!(warnings.is_empty(), "{warnings:?}");
            theme.name
        };
        for (spec, dark, light) in [
            (None, "dark", "light"),
            (Some("auto"), "dark", "light"),
            (
                Some("high-contrast"),
                "high-contrast-dark",
                "high-contrast-light",
            ),
            (Some("colorblind"), "colorblind-dark", "colorblind-light"),
            (Some("dark"), "dark", "dark"),
            (Some("light"), "light", "light"),
        ] {
            assert_eq!(load(spec, Shade::Dark), dark, "{spec:?}");
            assert_eq!(load(spec, Shade::Light), light, "{spec:?}");
        }
        assert!(Theme::adapts_to_background(None, None));
        assert!(Theme::adapts_to_background(Some("high-contrast"), None));
        assert!(!Theme::adapts_to_background(Some("light"), None));
        assert!(!Theme::adapts_to_background(Some("x/mine.toml"), None));
        // A user theme called "auto" is the user's, not adaptive.
        let dir = tempfile::tempdir().unwrap();
        write_theme(dir.path(), "auto", "extends = \"light\"\n");
        assert!(!Theme::adapts_to_background(None, Some(dir.path())));
        let (mine, _) = Theme::load_for(None, Some(dir.path()), false, Shade::Dark);
        assert_eq!(mine.text, builtin("light").text);
        // A broken theme falls back to the default of the terminal's shade.
        let (fallback, warnings) = Theme::load_for(Some("nosuch"), None, false, Shade::Light);
        assert_eq!((fallback.name.as_str(), warnings.len()), ("light", 1));
    }

    #[test]
    fn high_contrast_paints_black_on_a_light_terminal_only_when_asked() {
        let black = Some(Color::Rgb(0, 0, 0));
        let (chosen, _) = Theme::load_for(Some("high-contrast"), None, false, Shade::Light);
        assert_ne!(chosen.text.bg, black);
        assert_eq!(chosen.text.bg, Some(Color::Rgb(255, 255, 255)));
        let (dark, _) = Theme::load_for(Some("high-contrast"), None, false, Shade::Dark);
        assert_eq!(dark.text.bg, black);
        let (asked, _) = Theme::load_for(Some("high-contrast-dark"), None, false, Shade::Light);
        assert_eq!(asked.text.bg, black);
        // No other built-in paints a background at all.
        for name in ["dark", "light", "colorblind-dark", "colorblind-light"] {
            assert_eq!(builtin(name).text.bg, None, "{name}");
        }
        // `extends` accepts an adaptive name and takes its dark member.
        let t = Theme::from_toml("extends = \"high-contrast\"\n", "mine.toml").unwrap();
        assert_eq!(t.text.bg, black);
    }

    #[test]
    fn no_color_leaves_only_modifiers() {
        for &name in Theme::builtin_names() {
            let (theme, _) = Theme::load(Some(name), None, true);
            for style in styles(&theme)
                .into_iter()
                .chain([0.0, 0.3, 0.7, 1.0].map(|r| theme.heat(r)))
            {
                assert_eq!((style.fg, style.bg), (None, None), "{name}: {style:?}");
            }
            assert!(theme.selection.add_modifier.contains(Modifier::REVERSED));
            assert_ne!(theme.selection, theme.text);
            assert_eq!(theme.heat(0.0), Style::new().add_modifier(Modifier::DIM));
            assert_eq!(theme.heat(0.3), Style::new());
            assert_eq!(theme.heat(0.5), Style::new().add_modifier(Modifier::BOLD));
            assert_eq!(theme.heat_color(1.0), Color::Reset);
        }
    }
}
