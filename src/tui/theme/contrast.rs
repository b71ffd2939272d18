//! WCAG 2.x colour arithmetic: relative luminance, contrast ratios, and the black-or-white text
//! colour that reads best on a given background. Its tests hold every built-in theme to the
//! contrast minimums, so a future colour change cannot make text unreadable.
//! Pure: no IO, no drawing.

use ratatui::style::Color;

/// Minimum contrast ratio for normal text (WCAG 2.x AA).
pub const NORMAL_TEXT: f64 = 4.5;
/// Minimum contrast ratio for muted text, borders and zero counts (WCAG AA large text and
/// non-text contrast).
pub const MUTED_TEXT: f64 = 3.0;

/// WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white).
pub fn luminance(r: u8, g: u8, b: u8) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// The WCAG contrast ratio (1 to 21) of two RGB colours; `None` unless both are `Color::Rgb`.
pub fn ratio(a: Color, b: Color) -> Option<f64> {
    let (Color::Rgb(r1, g1, b1), Color::Rgb(r2, g2, b2)) = (a, b) else {
        return None;
    };
    let (la, lb) = (luminance(r1, g1, b1), luminance(r2, g2, b2));
    Some((la.max(lb) + 0.05) / (la.min(lb) + 0.05))
}

/// Black or white, whichever has the higher WCAG contrast ratio against `bg` (at least 4.58:1
/// for any colour). `Color::Reset` for a colour that is not RGB.
pub fn best_text_on(bg: Color) -> Color {
    let Color::Rgb(r, g, b) = bg else {
        return Color::Reset;
    };
    let l = luminance(r, g, b);
    if (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) {
        Color::Rgb(0, 0, 0)
    } else {
        Color::Rgb(255, 255, 255)
    }
}

#[cfg(test)]
mod tests {
    use ratatui::style::Style;

    use super::super::shade::Shade;
    use super::super::{Theme, builtin};
    use super::*;

    #[test]
    fn known_ratios() {
        let black = Color::Rgb(0, 0, 0);
        let white = Color::Rgb(255, 255, 255);
        let close = |a: f64, b: f64| (a - b).abs() < 0.01;
        assert!(close(ratio(black, white).unwrap_or(0.0), 21.0));
        assert!(close(ratio(white, white).unwrap_or(0.0), 1.0));
        // #767676 on white is the classic "just passes AA" grey.
        let grey = Color::Rgb(0x76, 0x76, 0x76);
        assert!(close(ratio(grey, white).unwrap_or(0.0), 4.54));
        assert_eq!(ratio(Color::Red, white), None);
    }

    /// The background a theme's text is drawn on: its painted background, else the
    /// terminal background it states it is made for.
    fn ground(theme: &Theme) -> Color {
        match theme.text.bg {
            Some(bg @ Color::Rgb(..)) => bg,
            _ => theme.designed_for,
        }
    }

    fn check(name: &str, role: &str, fg: Option<Color>, bg: Color, min: f64) -> Option<String> {
        let fg = fg.unwrap_or(Color::Reset);
        match ratio(fg, bg) {
            Some(r) if r >= min => None,
            Some(r) => Some(format!(
                "{name}: {role} {fg:?} on {bg:?} has contrast {r:.2}, needs {min}"
            )),
            None => Some(format!(
                "{name}: {role} {fg:?} on {bg:?} is not an RGB colour"
            )),
        }
    }

    #[test]
    fn every_role_of_every_builtin_theme_is_readable_on_its_background() {
        let mut failures = Vec::new();
        for &name in Theme::builtin_names() {
            let theme = builtin(name);
            let bg = ground(&theme);
            // A theme that leaves the terminal's background must also work on the darkest
            // (lightest) terminal of its kind, not only on the one it states.
            let mut grounds = vec![bg];
            if theme.text.bg.is_none_or(|c| c == Color::Reset) {
                grounds.push(match theme.shade() {
                    Shade::Dark => Color::Rgb(0, 0, 0),
                    Shade::Light => Color::Rgb(255, 255, 255),
                });
            }
            for bg in grounds {
                let normal: [(&str, Style); 6] = [
                    ("text", theme.text),
                    ("accent", theme.accent),
                    ("ok", theme.ok),
                    ("warn", theme.warn),
                    ("error", theme.error),
                    ("title", theme.title),
                ];
                let muted: [(&str, Style); 3] = [
                    ("muted", theme.muted),
                    ("border", theme.border),
                    ("zero", theme.zero),
                ];
                for (role, style) in normal {
                    failures.extend(check(name, role, style.fg, bg, NORMAL_TEXT));
                }
                for (role, style) in muted {
                    failures.extend(check(name, role, style.fg, bg, MUTED_TEXT));
                }
            }
            let sel_bg = theme.selection.bg.unwrap_or(Color::Reset);
            failures.extend(check(
                name,
                "selection",
                theme.selection.fg,
                sel_bg,
                NORMAL_TEXT,
            ));
            // Every heat-map cell: the count's colour against the cell's own background.
            for step in 0..=100 {
                let cell = theme.heat(f64::from(step) / 100.0);
                let cell_bg = cell.bg.unwrap_or(Color::Reset);
                failures.extend(check(name, "heat cell", cell.fg, cell_bg, NORMAL_TEXT));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn each_theme_states_the_shade_it_is_made_for() {
        for (name, want) in [
            ("dark", Shade::Dark),
            ("light", Shade::Light),
            ("high-contrast-dark", Shade::Dark),
            ("high-contrast-light", Shade::Light),
            ("colorblind-dark", Shade::Dark),
            ("colorblind-light", Shade::Light),
        ] {
            assert_eq!(builtin(name).shade(), want, "{name}");
        }
    }

    #[test]
    fn best_text_reads_on_any_colour() {
        for v in (0..=255u8).step_by(5) {
            for bg in [
                Color::Rgb(v, v, v),
                Color::Rgb(v, 0, 255 - v),
                Color::Rgb(255, v, 0),
            ] {
                let r = ratio(best_text_on(bg), bg).unwrap_or(0.0);
                assert!(r >= NORMAL_TEXT, "{bg:?}: {r:.2}");
            }
        }
    }
}
