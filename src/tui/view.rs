//! Drawing: pure functions of `&Model` into a ratatui `Frame`. Views never do IO, never block,
//! never mutate the model, and draw every piece of model output through `sanitize`. Per-frame
//! work is proportional to the visible cells, never to the number of results.
//!
//! Images are not drawn here: a view reports where the preview and any thumbnails go
//! (`ImageSlots`) and the runtime draws the decoded images into those areas inside the same
//! frame.

mod ab;
mod browse;
mod compare;
mod drill;
mod export;
mod format;
mod grid;
mod help;
mod help_layout;
mod hint;
mod hit;
mod live;
mod matrix;
mod notice;
mod picker;
mod probe;
mod prompt;
mod prompt_view;
mod proposals;
mod run;
mod scores;
mod selected;
mod start;
mod status;
mod versions;

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use crate::tui::model::{Model, Overlay, Screen};
use crate::tui::theme::Theme;

pub use format::{duration, fit};
pub use grid::shape as grid_shape;
pub use help_layout::max_scroll as help_max_scroll;
pub use hit::{Hit, hit};

/// Where the runtime should draw a preview image this frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSlot {
    /// The area inside the pane's border.
    pub area: Rect,
    /// The image that belongs there.
    pub path: PathBuf,
}

impl ImageSlot {
    /// The slot cut to the rows above `cover`, or `None` when too little is left (fewer than
    /// three rows) or `cover` is not below its top. Unchanged when they do not overlap.
    fn above(self, cover: Rect) -> Option<ImageSlot> {
        if !self.area.intersects(cover) {
            return Some(self);
        }
        let rows = cover.y.saturating_sub(self.area.y);
        (rows >= 3).then_some(ImageSlot {
            area: Rect {
                height: rows,
                ..self.area
            },
            path: self.path,
        })
    }
}

/// Where this frame's images go: the one preview (drill-down, browser, the run screen's
/// selected item) and small thumbnails (the run screen's items in flight).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageSlots {
    /// The preview, if any.
    pub preview: Option<ImageSlot>,
    /// Thumbnails, drawn from the cache as they become ready.
    pub thumbnails: Vec<ImageSlot>,
}

/// Draws the whole workbench; returns where the images go (never under a notice, the help or
/// a dialog).
pub fn render(frame: &mut Frame, model: &Model) -> ImageSlots {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return ImageSlots::default();
    }
    let mut thumbnails = Vec::new();
    frame.render_widget(Block::new().style(model.theme.text), area);
    let mut slot = match model.screen {
        Screen::Start => {
            start::render(frame, area, model);
            None
        }
        Screen::Browse => browse::render(frame, area, model),
        Screen::Run => {
            let slots = run::render(frame, area, model);
            thumbnails = slots.thumbnails;
            slots.preview
        }
        Screen::Drill => match model.drill.as_ref().filter(|d| d.grid) {
            Some(drill) => {
                thumbnails = grid::render(frame, area, model, drill);
                None
            }
            None => drill::render(frame, area, model),
        },
        Screen::Prompt => {
            prompt::render(frame, area, model);
            None
        }
    };
    // Overlays are drawn last and the image never over them: with sixel and iTerm2 the image
    // is one escape sequence the terminal paints over whatever is in its cells, so the slot
    // shrinks to the rows above a notice and is dropped under a dialog.
    if let Some(notices) = notice::render(frame, area, model) {
        slot = slot.and_then(|s| s.above(notices));
        thumbnails.retain(|t| !t.area.intersects(notices));
    }
    match model.overlay {
        Some(Overlay::Help) => {
            help::render(frame, area, model);
            slot = None;
        }
        Some(Overlay::ConfirmQuit) => {
            notice::confirm_quit(frame, area, model);
            slot = None;
        }
        Some(Overlay::CarryCorrections) => {
            notice::confirm_carry(frame, area, model);
            slot = None;
        }
        Some(Overlay::FullImage) => slot = full_image(frame, area, model),
        Some(Overlay::RerunScope) => {
            prompt::render_scope(frame, area, model);
            slot = None;
        }
        Some(Overlay::Export) => {
            export::render(frame, area, model);
            slot = None;
        }
        Some(Overlay::ComparePick | Overlay::Compare) => {
            compare::render(frame, area, model);
            slot = None;
        }
        Some(Overlay::Versions) => {
            versions::render(frame, area, model);
            slot = None;
        }
        Some(Overlay::Relabel) => {
            picker::render(frame, area, model);
            slot = None;
        }
        Some(Overlay::PromptView) => {
            prompt_view::render(frame, area, model);
            slot = None;
        }
        Some(Overlay::Probe) => {
            probe::render(frame, area, model);
            slot = None;
        }
        None => {}
    }
    if model.overlay.is_some() {
        thumbnails.clear();
    }
    ImageSlots {
        preview: slot,
        thumbnails,
    }
}

/// The run screen alone into `area` (for the benchmark and tests); returns where its images go.
pub fn render_run_screen(frame: &mut Frame, area: Rect, model: &Model) -> ImageSlots {
    run::render(frame, area, model)
}

fn full_image(frame: &mut Frame, area: Rect, model: &Model) -> Option<ImageSlot> {
    let path = model.preview.wanted.clone()?;
    let title = format!(
        " {} · any key returns ",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    );
    let inner = pane(frame, area, &title, &model.theme, true);
    frame.render_widget(ratatui::widgets::Clear, inner);
    image_placeholder(frame, inner, model);
    Some(ImageSlot { area: inner, path })
}

/// Draws a bordered pane with a title and returns its inner area.
pub(crate) fn pane(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    theme: &Theme,
    focused: bool,
) -> Rect {
    let border = if focused { theme.accent } else { theme.border };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(ratatui::text::Span::styled(
            fit(title, area.width.saturating_sub(2) as usize),
            theme.title,
        ));
    let inner = block.inner(area);
    frame.render_widget(ratatui::widgets::Clear, area);
    frame.render_widget(block.style(theme.text), area);
    inner
}

/// What the image pane shows until (or instead of) the picture.
pub(crate) fn image_placeholder(frame: &mut Frame, area: Rect, model: &Model) {
    let text = match (
        &model.preview.error,
        &model.preview.ready,
        &model.preview.wanted,
    ) {
        (Some(e), _, _) => crate::domain::sanitize::one_line(e),
        (None, Some(_), _) => String::new(),
        (None, None, Some(_)) => "loading preview…".to_owned(),
        (None, None, None) => "no image".to_owned(),
    };
    let style = if model.preview.error.is_some() {
        model.theme.error
    } else {
        model.theme.muted
    };
    frame.render_widget(
        Paragraph::new(text)
            .style(style)
            .wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
