//! Light or dark: the terminal background's shade, from a colour (the OSC 11 answer) or from
//! the `COLORFGBG` convention ("fg;bg" ANSI indexes, set by rxvt, Konsole and others).
//! Pure: the caller reads the terminal and the environment.

use super::contrast::luminance;

/// The shade of a terminal's background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shade {
    /// A dark background (also what an unknown terminal is assumed to have).
    #[default]
    Dark,
    /// A light background.
    Light,
}

impl Shade {
    /// The shade of a background colour: light when black text would contrast more with it
    /// than white text (WCAG relative luminance above about 0.18).
    pub fn of_rgb(r: u8, g: u8, b: u8) -> Shade {
        let l = luminance(r, g, b);
        if (l + 0.05) / 0.05 > 1.05 / (l + 0.05) {
            Shade::Light
        } else {
            Shade::Dark
        }
    }

    /// The shade `COLORFGBG` describes (`"15;0"`, `"0;default;15"`: the last field is the
    /// background's ANSI index; 7 and 9-15 are light). `None` when it does not say.
    pub fn from_colorfgbg(value: &str) -> Option<Shade> {
        let bg: u8 = value.rsplit(';').next()?.trim().parse().ok()?;
        match bg {
            7 | 9..=15 => Some(Shade::Light),
            0..=6 | 8 => Some(Shade::Dark),
            _ => None,
        }
    }

    /// The shade from what is known, in this order: the background colour the terminal
    /// answered, then `COLORFGBG`, else dark.
    pub fn detect(answered: Option<(u8, u8, u8)>, colorfgbg: Option<&str>) -> Shade {
        answered
            .map(|(r, g, b)| Shade::of_rgb(r, g, b))
            .or_else(|| colorfgbg.and_then(Shade::from_colorfgbg))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_shades() {
        for (rgb, want) in [
            ((255, 255, 255), Shade::Light),
            ((0, 0, 0), Shade::Dark),
            ((0xfd, 0xf6, 0xe3), Shade::Light), // Solarized light
            ((0x00, 0x2b, 0x36), Shade::Dark),  // Solarized dark
            ((0x2e, 0x34, 0x40), Shade::Dark),  // Nord
            ((0xee, 0xee, 0xee), Shade::Light),
            ((0x30, 0x0a, 0x24), Shade::Dark), // Ubuntu's aubergine
            ((0x80, 0x80, 0x80), Shade::Light),
            ((0x60, 0x60, 0x60), Shade::Dark),
        ] {
            assert_eq!(Shade::of_rgb(rgb.0, rgb.1, rgb.2), want, "{rgb:?}");
        }
    }

    #[test]
    fn colorfgbg_values() {
        for (value, want) in [
            ("15;0", Some(Shade::Dark)),
            ("0;15", Some(Shade::Light)),
            ("0;default;15", Some(Shade::Light)),
            ("7;8", Some(Shade::Dark)),
            ("0;7", Some(Shade::Light)),
            ("15;default", None),
            ("", None),
            ("12;300", None),
        ] {
            assert_eq!(Shade::from_colorfgbg(value), want, "{value:?}");
        }
    }

    #[test]
    fn the_answer_wins_over_colorfgbg_and_nothing_means_dark() {
        assert_eq!(
            Shade::detect(Some((255, 255, 255)), Some("15;0")),
            Shade::Light
        );
        assert_eq!(Shade::detect(None, Some("0;15")), Shade::Light);
        assert_eq!(Shade::detect(None, Some("junk")), Shade::Dark);
        assert_eq!(Shade::detect(None, None), Shade::Dark);
    }
}
