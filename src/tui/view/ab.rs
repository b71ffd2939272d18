//! The live A/B line of a linked run (above the live pane): how many images were asked again,
//! fixed and broken so far, and the accuracy of the parent (A) and this run (B) on the images
//! re-asked so far and over the whole merged dataset, differences coloured by sign. The delta
//! matrix itself is the matrix pane's `Delta` mode. Draws only; reads `LiveAb`'s figures.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::domain::compare::{AccuracyPair, LiveAb};
use crate::tui::model::Model;
use crate::tui::theme::Theme;

use super::format::pct;

/// Narrower than this the line uses its short words.
const WIDE: u16 = 130;

/// Draws the line into `area` (one row); nothing without a linked run.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(ab) = &model.run.ab else {
        return;
    };
    let line = line(ab, &model.theme, area.width >= WIDE);
    frame.render_widget(Paragraph::new(line), area);
}

/// `A/B vs parent · re-asked 12/40 · fixed 3 broken 1 · on those A 50.0% B 75.0% (+25.0)
/// · whole dataset A 79.2% B 80.4% (+1.2)`; narrower than `WIDE`, short words and whole
/// percentages (`vs parent · 12/40 · ✓3 ✗1 · asked A 50% B 75% +25.0 · all A 79% B 80% +1.2`,
/// which fits 80 columns).
pub(super) fn line<'a>(ab: &LiveAb, theme: &Theme, wide: bool) -> Line<'a> {
    let asking = ab.to_ask();
    let sep = || Span::styled(" · ", theme.muted);
    let (head, asked, fixed, broken, those, whole) = if wide {
        (
            " A/B vs parent",
            "re-asked ",
            "fixed ",
            "broken ",
            "on those ",
            "whole dataset ",
        )
    } else {
        (" vs parent", "", "✓", "✗", "asked ", "all ")
    };
    let mut spans = vec![
        Span::styled(head, theme.title),
        sep(),
        Span::styled(
            if wide {
                format!("{asked}{}/{asking}", ab.asked())
            } else {
                format!("{}/{asking}", ab.asked())
            },
            theme.text,
        ),
        sep(),
        Span::styled(
            format!("{fixed}{}", ab.fixed()),
            count_style(ab.fixed(), theme.ok, theme),
        ),
        Span::raw(" "),
        Span::styled(
            format!("{broken}{}", ab.broken()),
            count_style(ab.broken(), theme.error, theme),
        ),
    ];
    for (name, pair) in [(those, ab.asked_accuracy()), (whole, ab.whole_accuracy())] {
        spans.push(sep());
        spans.extend(accuracy(name, pair, theme, wide));
    }
    Line::from(spans)
}

fn count_style(n: u64, style: Style, theme: &Theme) -> Style {
    if n == 0 { theme.muted } else { style }
}

/// `on those A 50.0% B 75.0% (+25.0)` (narrow: `asked A 50% B 75% +25.0`); `A – B –` before
/// anything is known.
fn accuracy<'a>(name: &str, pair: AccuracyPair, theme: &Theme, wide: bool) -> Vec<Span<'a>> {
    let shown = |x: Option<f64>| {
        if wide {
            pct(x)
        } else {
            x.filter(|v| v.is_finite())
                .map_or_else(|| "–".to_owned(), |v| format!("{:.0}%", v * 100.0))
        }
    };
    let mut spans = vec![
        Span::styled(name.to_owned(), theme.muted),
        Span::styled(
            format!("A {} B {}", shown(pair.a), shown(pair.b)),
            theme.text,
        ),
    ];
    if let Some(d) = pair.delta() {
        let points = d * 100.0;
        let style = if points > 0.0 {
            theme.ok
        } else if points < 0.0 {
            theme.error
        } else {
            theme.muted
        };
        let text = if wide {
            format!(" ({points:+.1})")
        } else {
            format!(" {points:+.1}")
        };
        spans.push(Span::styled(text, style));
    }
    spans
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;
    use crate::domain::result::ItemResult;

    fn result(image: &str, truth: &str, label: &str) -> ItemResult {
        ItemResult::answered(image, truth, label)
    }

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn the_line_says_the_verdict_and_fits_80_columns_when_narrow() {
        let (theme, _) = Theme::load(None, None, false);
        // 1000 images, the parent right on 167 of them; 250 asked again so far.
        let parent: HashMap<String, ItemResult> = (0..1000)
            .map(|i| {
                let label = if i % 6 == 0 { "a" } else { "b" };
                (i.to_string(), result(&i.to_string(), "a", label))
            })
            .collect();
        let labels = ["a".to_owned(), "b".to_owned()];
        let mut ab = LiveAb::new(Arc::new(parent), &labels, 1000);
        for i in 0..250 {
            ab.record(&result(
                &i.to_string(),
                "a",
                if i % 3 == 0 { "a" } else { "b" },
            ));
        }
        let wide = text(&line(&ab, &theme, true));
        assert!(
            wide.contains(
                "re-asked 250/1000 · fixed 42 broken 0 · on those A 16.8% B 33.6% (+16.8)"
            ),
            "{wide}"
        );
        let narrow = text(&line(&ab, &theme, false));
        assert!(
            narrow.contains("250/1000 · ✓42 ✗0 · asked A 17% B 34% +16.8"),
            "{narrow}"
        );
        assert!(narrow.chars().count() <= 80, "{narrow}");
    }
}
