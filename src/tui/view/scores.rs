//! The classes pane beside the matrix: each class's predicted share against its true share
//! (so a skew toward one label shows within a few dozen images), per-class precision, recall,
//! F1 (recall with its 95% Wilson interval when wide enough) and support, then accuracy with
//! its interval, macro and weighted averages. Scrolls with the matrix rows.
//! Columns drop out as the pane narrows. O(visible rows) per frame.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use unicode_width::UnicodeWidthStr;

use crate::domain::metrics::Interval;
use crate::tui::model::{Model, scroll_offset};

use super::format::{left, pct, pct_ci, plus_minus, right, score};
use super::pane;

/// Which columns fit in `width`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    label: usize,
    prf: bool,
    /// The recall's 95% interval (`±0.06`) beside R.
    recall_ci: bool,
    support: bool,
    bar: usize,
}

impl Columns {
    fn fit(width: usize, widest_label: usize) -> Columns {
        let label = (widest_label + 1).clamp(6, 13);
        let base = label + 14; // label + pred% + true%
        let prf = width >= base + 18;
        let support = width >= base + 18 + 6;
        let recall_ci = width >= base + 18 + 6 + 6;
        let used = base
            + if prf { 18 } else { 0 }
            + if support { 6 } else { 0 }
            + if recall_ci { 6 } else { 0 };
        let bar = width.saturating_sub(used + 1);
        let bar = if bar >= 6 { bar.min(24) } else { 0 };
        Columns {
            label,
            prf,
            recall_ci,
            support,
            bar,
        }
    }
}

/// Draws the classes pane.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let title = if model.run.calibrated.is_some() {
        " Classes · calibrated · predicted vs true share · scores "
    } else {
        " Classes · predicted vs true share · scores "
    };
    let inner = pane(frame, area, title, &model.theme, false);
    if inner.width < 4 || inner.height == 0 {
        return;
    }
    let summary_h: u16 = if inner.height >= 8 { 3 } else { 0 };
    let table = Rect {
        height: inner.height - summary_h,
        ..inner
    };
    draw_table(frame.buffer_mut(), table, model);
    if summary_h > 0 {
        let at = Rect {
            y: inner.y + table.height,
            height: summary_h,
            ..inner
        };
        draw_summary(frame.buffer_mut(), at, model);
    }
}

fn draw_table(buf: &mut Buffer, area: Rect, model: &Model) {
    let theme = &model.theme;
    let run = &model.run;
    let metrics = &run.tally.metrics;
    let widest = run
        .axis
        .rows
        .iter()
        .map(|l| unicode_width::UnicodeWidthStr::width(l.as_str()))
        .max()
        .unwrap_or(1);
    let cols = Columns::fit(area.width as usize, widest);
    let w = area.width as usize;
    let recorded = run.tally.metrics.total().max(1) as f64;
    let mut header = format!(
        "{}{}{}",
        left("class", cols.label),
        right("pred", 7),
        right("true", 7)
    );
    if cols.prf {
        header += &format!("{}{}", right("P", 6), right("R", 6));
        if cols.recall_ci {
            header += &right("95%", 6);
        }
        header += &right("F1", 6);
    }
    if cols.support {
        header += &right("n", 6);
    }
    buf.set_stringn(area.x, area.y, left(&header, w), w, theme.muted);
    let rows = area.height.saturating_sub(1) as usize;
    let n = run.axis.rows.len();
    let off = scroll_offset(model.matrix.cursor.row.saturating_sub(1), rows, n);
    let max_share = run
        .axis
        .rows
        .iter()
        .skip(off)
        .take(rows)
        .map(|l| (metrics.predicted_count(l)).max(metrics.true_count(l)))
        .max()
        .unwrap_or(1)
        .max(1) as f64
        / recorded;
    for (i, label) in run.axis.rows.iter().enumerate().skip(off).take(rows) {
        let y = area.y + 1 + (i - off) as u16;
        let pred_share = metrics.predicted_count(label) as f64 / recorded;
        let true_share = metrics.true_count(label) as f64 / recorded;
        let skewed = run.tally.metrics.total() >= 20 && pred_share > 1.5 * true_share + 0.02;
        let label_style = if model.matrix.cursor.row == i + 1 {
            theme.accent
        } else {
            theme.title
        };
        let mut x = area.x;
        let mut put = |buf: &mut Buffer, s: &str, style| {
            if x < area.x + area.width {
                buf.set_stringn(x, y, s, (area.x + area.width - x) as usize, style);
            }
            x += s.chars().count() as u16;
        };
        put(buf, &left(label, cols.label), label_style);
        put(
            buf,
            &right(&pct(Some(pred_share)), 7),
            if skewed { theme.warn } else { theme.text },
        );
        put(buf, &right(&pct(Some(true_share)), 7), theme.muted);
        if cols.prf || cols.support {
            let s = metrics.scores(label);
            if cols.prf {
                put(buf, &right(&score(s.precision), 6), theme.text);
                put(buf, &right(&score(s.recall), 6), theme.text);
                if cols.recall_ci {
                    put(
                        buf,
                        &right(&plus_minus(metrics.recall_ci95(label)), 6),
                        theme.muted,
                    );
                }
                put(buf, &right(&score(s.f1), 6), theme.text);
            }
            if cols.support {
                put(buf, &right(&s.support.to_string(), 6), theme.muted);
            }
        }
        if cols.bar > 0 {
            put(buf, " ", theme.text);
            put(
                buf,
                &bar(pred_share / max_share, true_share / max_share, cols.bar),
                if skewed { theme.warn } else { theme.accent },
            );
        }
    }
}

/// A bar `width` wide filled to `fill` (0..=1) with a `│` marker at `mark`.
pub(super) fn bar(fill: f64, mark: f64, width: usize) -> String {
    let filled = ((fill.clamp(0.0, 1.0)) * width as f64).round() as usize;
    let marker = ((mark.clamp(0.0, 1.0)) * width as f64).round() as usize;
    (0..width)
        .map(|i| {
            if i + 1 == marker.max(1) && mark > 0.0 {
                '│'
            } else if i < filled {
                '█'
            } else {
                ' '
            }
        })
        .collect()
}

fn draw_summary(buf: &mut Buffer, area: Rect, model: &Model) {
    let theme = &model.theme;
    let metrics = &model.run.tally.metrics;
    let w = area.width as usize;
    let acc = model.run.tally.accuracy();
    let ci = metrics.accuracy_ci95();
    let line = |name: &str, s: crate::domain::metrics::ClassScores| {
        format!(
            "{} P {}  R {}  F1 {}",
            left(name, 9),
            score(s.precision),
            score(s.recall),
            score(s.f1)
        )
    };
    let lines = match &model.run.calibrated {
        Some(view) => {
            let raw = &view.raw.metrics;
            let (done, all) = (view.calibrated, view.calibrated + view.kept);
            [
                (
                    fitting(
                        format!("raw → calibrated ({done} of {all} calibrated)"),
                        format!("raw → calibrated {done}/{all}"),
                        w,
                    ),
                    theme.warn,
                ),
                (
                    side_by_side(["accuracy", "acc"], view.raw.accuracy(), acc, Percent, w),
                    theme.ok,
                ),
                (
                    side_by_side(
                        ["macro-F1", "mF1"],
                        (raw.total() > 0).then(|| raw.macro_avg().f1),
                        (metrics.total() > 0).then(|| metrics.macro_avg().f1),
                        Fraction,
                        w,
                    ),
                    theme.text,
                ),
            ]
        }
        None => [
            (accuracy_line(acc, ci, metrics.total(), w), theme.ok),
            (line("macro", metrics.macro_avg()), theme.text),
            (line("weighted", metrics.weighted_avg()), theme.text),
        ],
    };
    for (i, (text, style)) in lines.iter().enumerate().take(area.height as usize) {
        buf.set_stringn(area.x, area.y + i as u16, left(text, w), w, *style);
    }
}

/// How a side-by-side figure is written.
#[derive(Clone, Copy)]
enum Figure {
    /// `79.2%`, the difference in points (`+3.8`).
    Percent,
    /// `0.781`, the difference as a fraction (`+0.041`).
    Fraction,
}
use Figure::{Fraction, Percent};

/// `accuracy  79.2% → 83.0%  +3.8`: the raw figure, the calibrated one and the difference;
/// `acc 79.2→83.0% +3.8` when that does not fit in `width`.
fn side_by_side(
    [name, short]: [&str; 2],
    raw: Option<f64>,
    calibrated: Option<f64>,
    figure: Figure,
    width: usize,
) -> String {
    let one = |v: Option<f64>, unit: bool| match (v, figure) {
        (None, _) => "–".to_owned(),
        (Some(v), Percent) => format!("{:.1}{}", v * 100.0, if unit { "%" } else { "" }),
        (Some(v), Fraction) => format!("{v:.3}"),
    };
    let delta = match (raw, calibrated, figure) {
        (Some(r), Some(c), Percent) => format!("{:+.1}", (c - r) * 100.0),
        (Some(r), Some(c), Fraction) => format!("{:+.3}", c - r),
        _ => String::new(),
    };
    let full = format!(
        "{} {} → {}  {delta}",
        left(name, 9),
        one(raw, true),
        one(calibrated, true)
    );
    let compact = format!(
        "{short} {}→{} {delta}",
        one(raw, false),
        one(calibrated, true)
    );
    fitting(
        full.trim_end().to_owned(),
        compact.trim_end().to_owned(),
        width,
    )
}

/// `full` when it fits in `width`, else `compact`.
fn fitting(full: String, compact: String, width: usize) -> String {
    if full.width() <= width { full } else { compact }
}

/// `accuracy  79% ± 4`, then the interval's ends and the answers it rests on when they fit.
fn accuracy_line(acc: Option<f64>, ci: Option<Interval>, answered: u64, width: usize) -> String {
    let base = format!("{} {}", left("accuracy", 9), pct_ci(acc, ci));
    let Some(ci) = ci else { return base };
    let ends = format!("  95%: {:.0}–{:.0}%", ci.low * 100.0, ci.high * 100.0);
    let rests = format!(" of {answered}");
    match base.width() + ends.width() + rests.width() {
        n if n <= width => format!("{base}{ends}{rests}"),
        n if n - rests.width() <= width => format!("{base}{ends}"),
        _ => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_fills_and_marks() {
        assert_eq!(bar(0.5, 0.25, 8), "█│██    ");
        assert_eq!(bar(0.0, 0.0, 4), "    ");
        assert_eq!(bar(1.0, 1.0, 3), "██│");
    }

    #[test]
    fn accuracy_line_shows_what_fits() {
        let ci = crate::domain::metrics::wilson_interval(396, 500);
        let at = |w| accuracy_line(Some(0.792), ci, 500, w);
        assert_eq!(at(60), "accuracy  79% ± 4  95%: 75–83% of 500");
        assert_eq!(at(32), "accuracy  79% ± 4  95%: 75–83%");
        assert_eq!(at(20), "accuracy  79% ± 4");
        assert_eq!(accuracy_line(None, None, 0, 60), "accuracy  –");
    }

    #[test]
    fn raw_and_calibrated_side_by_side() {
        let acc = ["accuracy", "acc"];
        assert_eq!(
            side_by_side(acc, Some(0.792), Some(0.83), Percent, 40),
            "accuracy  79.2% → 83.0%  +3.8"
        );
        assert_eq!(
            side_by_side(acc, Some(0.792), Some(0.83), Percent, 24),
            "acc 79.2→83.0% +3.8"
        );
        assert_eq!(
            side_by_side(["macro-F1", "mF1"], Some(0.8), Some(0.75), Fraction, 40),
            "macro-F1  0.800 → 0.750  -0.050"
        );
        assert_eq!(
            side_by_side(acc, None, None, Percent, 40),
            "accuracy  – → –"
        );
    }

    #[test]
    fn columns_drop_out_as_the_pane_narrows() {
        assert!(!Columns::fit(20, 1).prf);
        assert!(Columns::fit(40, 1).prf);
        assert!(Columns::fit(44, 1).support);
        assert!(!Columns::fit(44, 1).recall_ci);
        assert!(Columns::fit(50, 1).recall_ci);
        assert_eq!(Columns::fit(44, 1).bar, 0);
        assert!(Columns::fit(60, 1).bar > 0);
        assert_eq!(Columns::fit(60, 30).label, 13);
    }
}
