//! The confusion matrix as an SVG heat map, like the original experiment's seaborn figure:
//! rows normalised (each cell coloured by its share of the true class), the count written in
//! each cell, a colour bar. Pure string building; labels are escaped, nothing is referenced
//! outside the SVG (no fonts, images or links).

use std::fmt::Write as _;

use super::build::Confusion;
use super::escape::html;

/// matplotlib's "Blues" (ColorBrewer, 9 classes), light to dark.
const BLUES: [(u8, u8, u8); 9] = [
    (0xf7, 0xfb, 0xff),
    (0xde, 0xeb, 0xf7),
    (0xc6, 0xdb, 0xef),
    (0x9e, 0xca, 0xe1),
    (0x6b, 0xae, 0xd6),
    (0x42, 0x92, 0xc6),
    (0x21, 0x71, 0xb5),
    (0x08, 0x51, 0x9c),
    (0x08, 0x30, 0x6b),
];
/// Longest label drawn in full; longer ones are cut with `…` (the whole one is in a tooltip).
const MAX_LABEL_CHARS: usize = 20;
/// Approximate width of one label character at 12 px.
const CHAR_W: usize = 7;

/// The heat map as an `<svg>` element; with `standalone`, an XML declaration comes first so the
/// text is a complete `.svg` file.
pub(crate) fn heatmap_svg(c: &Confusion, standalone: bool) -> String {
    let cols = c.labels.len();
    // The last row is `(unparsed)` as a truth, which never occurs.
    let rows = cols.saturating_sub(1);
    let cell = (560 / rows.max(cols).max(1)).clamp(14, 48);
    let short: Vec<String> = c.labels.iter().map(|l| shorten(l)).collect();
    let width_of =
        |labels: &[String]| labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) * CHAR_W;
    let row_label_w = width_of(&short[..rows]);
    let col_label_w = width_of(&short);
    let rotate = col_label_w > cell;
    let left = 28 + row_label_w + 8;
    let top = 36;
    let x_labels_h = if rotate { col_label_w * 3 / 4 + 12 } else { 20 };
    let grid_w = cols * cell;
    let grid_h = rows * cell;
    let bar_x = left + grid_w + 18;
    let width = bar_x + 14 + 44;
    let height = top + grid_h + x_labels_h + 30;

    let mut s = String::new();
    if standalone {
        s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    }
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" font-family=\"system-ui, sans-serif\" font-size=\"12\">"
    );
    s.push_str("<title>Confusion matrix, rows normalised, counts in cells</title>\n");
    let _ = writeln!(
        s,
        "<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n<text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">Confusion matrix (share of each true class)</text>",
        left + grid_w / 2
    );
    for (r, counts) in c.matrix.iter().take(rows).enumerate() {
        let total: u64 = counts.iter().sum();
        let y = top + r * cell;
        for (col, &n) in counts.iter().enumerate() {
            let rate = if total == 0 {
                0.0
            } else {
                n as f64 / total as f64
            };
            let (fill, ink) = colours(rate);
            let x = left + col * cell;
            let _ = write!(
                s,
                "<g><title>true {}, predicted {}: {n} of {total} ({:.1}%)</title><rect x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"{fill}\"/>",
                html(&c.labels[r]),
                html(&c.labels[col]),
                rate * 100.0
            );
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" dominant-baseline=\"central\" font-size=\"{}\" fill=\"{ink}\">{n}</text></g>",
                x + cell / 2,
                y + cell / 2,
                (cell * 2 / 5).clamp(7, 13)
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dominant-baseline=\"central\"><title>{}</title>{}</text>",
            left - 6,
            y + cell / 2,
            html(&c.labels[r]),
            html(&short[r])
        );
    }
    for (col, label) in short.iter().enumerate() {
        let x = left + col * cell + cell / 2;
        let y = top + grid_h + 14;
        let full = html(&c.labels[col]);
        if rotate {
            let _ = writeln!(
                s,
                "<text transform=\"translate({x},{}) rotate(-45)\" text-anchor=\"end\"><title>{full}</title>{}</text>",
                y - 4,
                html(label)
            );
        } else {
            let _ = writeln!(
                s,
                "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\"><title>{full}</title>{}</text>",
                html(label)
            );
        }
    }
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\">Predicted label</text>",
        left + grid_w / 2,
        height - 8
    );
    let _ = writeln!(
        s,
        "<text transform=\"translate(14,{}) rotate(-90)\" text-anchor=\"middle\" font-weight=\"bold\">True label</text>",
        top + grid_h / 2
    );
    colour_bar(&mut s, bar_x, top, grid_h);
    s.push_str("</svg>\n");
    s
}

/// A vertical bar from 1.0 (dark, top) to 0 (light, bottom) with five ticks.
fn colour_bar(s: &mut String, x: usize, top: usize, h: usize) {
    s.push_str("<defs><linearGradient id=\"squint-heat-bar\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">");
    for (i, (r, g, b)) in BLUES.iter().enumerate() {
        let _ = write!(
            s,
            "<stop offset=\"{:.3}\" stop-color=\"#{r:02x}{g:02x}{b:02x}\"/>",
            i as f64 / (BLUES.len() - 1) as f64
        );
    }
    s.push_str("</linearGradient></defs>\n");
    let _ = writeln!(
        s,
        "<rect x=\"{x}\" y=\"{top}\" width=\"14\" height=\"{h}\" fill=\"url(#squint-heat-bar)\" stroke=\"#999999\" stroke-width=\"0.5\"/>"
    );
    for tick in 0..=4 {
        let value = tick as f64 / 4.0;
        let y = top + h - (h * tick / 4);
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{y}\" dominant-baseline=\"central\" font-size=\"10\">{value:.2}</text>",
            x + 18
        );
    }
}

/// The fill for a row share in `[0, 1]`, and black or white ink, whichever reads on it
/// (seaborn's rule: dark ink when the relative luminance is above 0.408).
fn colours(rate: f64) -> (String, &'static str) {
    let (r, g, b) = blues(rate);
    let ink = if luminance(r, g, b) > 0.408 {
        "#000000"
    } else {
        "#ffffff"
    };
    (format!("#{r:02x}{g:02x}{b:02x}"), ink)
}

fn blues(rate: f64) -> (u8, u8, u8) {
    let pos = rate.clamp(0.0, 1.0) * (BLUES.len() - 1) as f64;
    let i = (pos.floor() as usize).min(BLUES.len() - 2);
    let t = pos - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    let (lo, hi) = (BLUES[i], BLUES[i + 1]);
    (mix(lo.0, hi.0), mix(lo.1, hi.1), mix(lo.2, hi.2))
}

/// WCAG relative luminance of an sRGB colour.
fn luminance(r: u8, g: u8, b: u8) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL_CHARS {
        return label.to_owned();
    }
    let mut cut: String = label.chars().take(MAX_LABEL_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confusion() -> Confusion {
        Confusion {
            labels: vec!["cat".into(), "dog".into(), "(unparsed)".into()],
            matrix: vec![vec![3, 1, 0], vec![0, 2, 2], vec![0, 0, 0]],
        }
    }

    #[test]
    fn cells_hold_counts_and_row_shares_pick_the_colour() {
        let svg = heatmap_svg(&confusion(), false);
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{svg}"
        );
        assert!(
            svg.contains("true cat, predicted dog: 1 of 4 (25.0%)"),
            "{svg}"
        );
        assert!(
            svg.contains("true dog, predicted (unparsed): 2 of 4 (50.0%)"),
            "{svg}"
        );
        // The (unparsed) truth row is never drawn: 2 rows of 3 cells.
        assert_eq!(
            svg.matches("<rect x=").count(),
            6 + 1,
            "cells and the colour bar"
        );
        assert!(!svg.contains("true (unparsed)"), "{svg}");
        let standalone = heatmap_svg(&confusion(), true);
        assert!(standalone.starts_with("<?xml version=\"1.0\""));
    }

    #[test]
    fn colour_scale_and_ink() {
        assert_eq!(colours(0.0), ("#f7fbff".to_owned(), "#000000"));
        assert_eq!(colours(1.0), ("#08306b".to_owned(), "#ffffff"));
        assert_eq!(blues(0.5), BLUES[4]);
        assert_eq!(colours(-3.0).0, "#f7fbff");
    }

    #[test]
    fn long_labels_are_cut_and_escaped() {
        let c = Confusion {
            labels: vec![
                "<script>alert(1)</script> very long label".into(),
                "b".into(),
                "(unparsed)".into(),
            ],
            matrix: vec![vec![1, 0, 0], vec![0, 1, 0], vec![0, 0, 0]],
        };
        let svg = heatmap_svg(&c, true);
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt; very long label"));
        assert!(svg.contains("…"));
        assert!(svg.contains("rotate(-45)"));
    }
}
