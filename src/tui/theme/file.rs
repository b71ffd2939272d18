//! The theme file format: the raw TOML shape (every key optional), its resolution over a base
//! theme into `Style`s, and the errors that name the file and key.
//! Must never read files or the environment: it gets text and an origin name.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use super::shade::Shade;
use super::{DEFAULT, Theme, builtin, builtin_text};
use crate::domain::toml_line::describe;

/// Why a theme could not be used. Every message names the file (or built-in) it came from.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// The theme file could not be read.
    #[error("cannot read theme file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has an unknown key.
    #[error("theme {origin}: {message}")]
    Parse {
        /// The file or built-in name.
        origin: String,
        /// What the TOML parser said (it names the key and line).
        message: String,
    },
    /// A colour value could not be understood.
    #[error(
        "theme {origin}: key `{key}` has bad colour {value:?} (use \"#rrggbb\", an ANSI name such as \"lightblue\", 0-255, or \"reset\")"
    )]
    BadColor {
        /// The file or built-in name.
        origin: String,
        /// The dotted key, e.g. `colors.accent` or `matrix.gradient[2]`.
        key: String,
        /// The value found.
        value: String,
    },
    /// The matrix gradient is unusable.
    #[error("theme {origin}: key `matrix.gradient` {problem}")]
    BadGradient {
        /// The file or built-in name.
        origin: String,
        /// What is wrong with it.
        problem: String,
    },
    /// No built-in and no file of that name exists.
    #[error(
        "unknown theme {name:?}: not a built-in ({builtins}) and no file {searched}; give a name or a path to a .toml file"
    )]
    NotFound {
        /// The requested name.
        name: String,
        /// The built-in names.
        builtins: String,
        /// The user theme path that was tried, or "(no config dir)".
        searched: String,
    },
}

/// The raw file shape: every key optional so partial themes work.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    name: Option<String>,
    extends: Option<String>,
    designed_for: Option<String>,
    #[serde(default)]
    colors: BTreeMap<String, String>,
    #[serde(default)]
    matrix: RawMatrix,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatrix {
    gradient: Option<Vec<String>>,
    zero: Option<String>,
}

const COLOR_KEYS: [&str; 11] = [
    "text",
    "muted",
    "accent",
    "ok",
    "warn",
    "error",
    "selection_fg",
    "selection_bg",
    "border",
    "title",
    "background",
];

/// Parses a theme file over its `extends` built-in (default "dark").
pub(super) fn parse(text: &str, origin: &str) -> Result<Theme, ThemeError> {
    let raw: RawTheme = toml::from_str(text).map_err(|e| ThemeError::Parse {
        origin: origin.to_owned(),
        message: describe(text, &e),
    })?;
    // An adaptive name (`auto`, `high-contrast`, `colorblind`) extends its dark member.
    let base_name = builtin::for_shade(raw.extends.as_deref().unwrap_or(DEFAULT), Shade::Dark);
    let base = if base_name == origin {
        RawTheme::default() // a built-in is its own base
    } else {
        let base_text = builtin_text(base_name).ok_or_else(|| ThemeError::Parse {
            origin: origin.to_owned(),
            message: format!(
                "key `extends`: {base_name:?} is not a built-in theme ({})",
                builtin::all_names()
            ),
        })?;
        toml::from_str(base_text).unwrap_or_default()
    };
    resolve_raw(raw, base, origin)
}

fn resolve_raw(raw: RawTheme, base: RawTheme, origin: &str) -> Result<Theme, ThemeError> {
    if let Some(key) = raw
        .colors
        .keys()
        .find(|k| !COLOR_KEYS.contains(&k.as_str()))
    {
        return Err(ThemeError::Parse {
            origin: origin.to_owned(),
            message: format!(
                "unknown key `colors.{key}` (known: {})",
                COLOR_KEYS.join(", ")
            ),
        });
    }
    let color = |key: &str| -> Result<Color, ThemeError> {
        match raw.colors.get(key).or_else(|| base.colors.get(key)) {
            Some(value) => parse_color(value, origin, &format!("colors.{key}")),
            None => Ok(Color::Reset),
        }
    };
    let fg = |key: &str| color(key).map(|c| Style::new().fg(c));
    let background = color("background")?;
    let mut text = fg("text")?;
    if background != Color::Reset {
        text = text.bg(background);
    }
    let zero = match raw.matrix.zero.as_ref().or(base.matrix.zero.as_ref()) {
        Some(value) => Style::new().fg(parse_color(value, origin, "matrix.zero")?),
        None => Style::new(),
    };
    let stops = raw
        .matrix
        .gradient
        .or(base.matrix.gradient)
        .unwrap_or_default();
    if stops.is_empty() {
        return Err(ThemeError::BadGradient {
            origin: origin.to_owned(),
            problem: "is empty; give at least one \"#rrggbb\" colour".to_owned(),
        });
    }
    let gradient = stops
        .iter()
        .enumerate()
        .map(
            |(i, v)| match parse_color(v, origin, &format!("matrix.gradient[{i}]"))? {
                c @ Color::Rgb(..) => Ok(c),
                _ => Err(ThemeError::BadGradient {
                    origin: origin.to_owned(),
                    problem: format!("entry {i} ({v:?}) must be \"#rrggbb\" so it can be blended"),
                }),
            },
        )
        .collect::<Result<Vec<_>, _>>()?;
    let designed_for = match raw.designed_for.as_ref().or(base.designed_for.as_ref()) {
        Some(value) => match parse_color(value, origin, "designed_for")? {
            c @ Color::Rgb(..) => c,
            _ => {
                return Err(ThemeError::BadColor {
                    origin: origin.to_owned(),
                    key: "designed_for".to_owned(),
                    value: value.to_owned(),
                });
            }
        },
        None => Color::Reset,
    };
    Ok(Theme {
        name: raw.name.or(base.name).unwrap_or_else(|| origin.to_owned()),
        designed_for,
        text,
        muted: fg("muted")?,
        accent: fg("accent")?,
        ok: fg("ok")?,
        warn: fg("warn")?,
        error: fg("error")?,
        selection: Style::new()
            .fg(color("selection_fg")?)
            .bg(color("selection_bg")?)
            .add_modifier(Modifier::BOLD),
        border: fg("border")?,
        title: fg("title")?.add_modifier(Modifier::BOLD),
        zero,
        gradient,
        no_color: false,
    })
}

fn parse_color(value: &str, origin: &str, key: &str) -> Result<Color, ThemeError> {
    value
        .trim()
        .parse::<Color>()
        .map_err(|_| ThemeError::BadColor {
            origin: origin.to_owned(),
            key: key.to_owned(),
            value: value.to_owned(),
        })
}
