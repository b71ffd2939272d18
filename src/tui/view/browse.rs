//! The dataset browser: classes with counts, the selected class's images, and a preview of the
//! selected image, before anything runs. Draws only the visible rows of each list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::domain::sanitize::one_line;
use crate::tui::keymap::{Action, Context};
use crate::tui::model::{Model, scroll_offset};

use super::format::{fit, left, right, truth_text};
use super::{ImageSlot, hint, image_placeholder, pane, status};

/// The classes, images and preview panes and the status line (shared with the mouse's hit
/// test).
pub(super) fn areas(area: Rect) -> [Rect; 4] {
    let [body, status_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    let classes_w = (body.width / 4).clamp(12.min(body.width), 30);
    let images_w = (body.width / 3).clamp(0, 48);
    let [classes, images, preview] = Layout::horizontal([
        Constraint::Length(classes_w),
        Constraint::Length(images_w),
        Constraint::Fill(1),
    ])
    .areas(body);
    [classes, images, preview, status_area]
}

/// Draws the browser; returns where the preview goes.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) -> Option<ImageSlot> {
    let info = model.run.prepared.as_ref()?;
    let theme = &model.theme;
    let [classes, images, preview, status_area] = areas(area);
    let b = &model.browse;
    let current_class = b
        .order
        .get(b.selected)
        .and_then(|&i| info.items.get(i))
        .map(|it| &*it.truth);
    // Classes.
    let title = format!(
        " {} classes · {} images ",
        info.class_counts.len(),
        info.items.len()
    );
    let inner = pane(frame, classes, &title, theme, false);
    let rows = inner.height as usize;
    let w = inner.width as usize;
    let at = info
        .class_counts
        .iter()
        .position(|(l, _)| Some(l.as_str()) == current_class)
        .unwrap_or(0);
    let off = scroll_offset(at, rows, info.class_counts.len());
    let lines: Vec<Line> = info
        .class_counts
        .iter()
        .skip(off)
        .take(rows)
        .map(|(label, n)| {
            let style = if Some(label.as_str()) == current_class {
                theme.accent
            } else {
                theme.text
            };
            let count = n.to_string();
            let text = format!(
                "{}{}",
                left(&one_line(label), w.saturating_sub(count.len() + 1)),
                right(&count, count.len() + 1)
            );
            Line::styled(fit(&text, w), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    // Images, grouped by class.
    let title = hint::join([
        Some(format!(
            " images {}/{}",
            (b.selected + 1).min(b.order.len()),
            b.order.len()
        )),
        hint::hint(model, Context::Browse, Action::FullImage, "full size"),
        hint::hint(model, Context::Browse, Action::Run, "runs"),
    ]) + " ";
    let inner = pane(frame, images, &title, theme, true);
    let inner = super::drill::search_line(frame, inner, model, &b.search);
    let rows = inner.height as usize;
    let off = scroll_offset(b.selected, rows, b.order.len());
    let lines: Vec<Line> = b
        .order
        .iter()
        .enumerate()
        .skip(off)
        .take(rows)
        .filter_map(|(pos, &i)| info.items.get(i).map(|it| (pos, it)))
        .map(|(pos, it)| {
            let style = if pos == b.selected {
                theme.selection
            } else {
                theme.text
            };
            let text = format!("{} {}", left(&truth_text(&it.truth), 6), one_line(&it.rel));
            Line::styled(fit(&text, inner.width as usize), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    // Preview.
    let slot = if preview.width >= 4 && preview.height >= 3 {
        let inner = pane(frame, preview, " preview ", theme, false);
        image_placeholder(frame, inner, model);
        model
            .preview
            .wanted
            .clone()
            .map(|path| ImageSlot { area: inner, path })
    } else {
        None
    };
    status::render(frame, status_area, model);
    slot
}
