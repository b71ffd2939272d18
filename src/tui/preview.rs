//! Image previews for the TUI, decoded and encoded off the UI thread.
//! A `PreviewWorker` owns one std thread: the UI `request`s (path, area) pairs, the newest
//! request wins (older pending ones are dropped, never decoded; results that were overtaken
//! while decoding go to the cache only), finished previews are kept in a small LRU cache, and
//! the UI picks them up with `take_ready` and draws them instantly with `render_preview`.
//! Must never block the UI thread on decoding, and never write to the terminal itself:
//! ratatui-image puts the protocol's escapes into the ratatui buffer.

mod worker;

use std::path::PathBuf;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Paragraph, Widget, Wrap};
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::Protocol;
use ratatui_image::{FontSize, Image};

pub(crate) use worker::CACHE_SIZE;
pub use worker::PreviewWorker;

use crate::tui::term_query::Answers;

/// The `--image-protocol` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ImageProtocolChoice {
    /// Ask the terminal; half-blocks if it does not answer.
    #[default]
    Auto,
    /// Kitty graphics (kitty, Ghostty), with Unicode placeholders.
    Kitty,
    /// Sixel (foot, xterm -ti 340, mlterm, WezTerm, tmux built with sixel).
    Sixel,
    /// iTerm2 inline images (iTerm2, WezTerm, VS Code, mintty).
    Iterm2,
    /// Coloured half-block characters: works in every colour terminal.
    Halfblocks,
    /// No images: a text placeholder.
    None,
}

/// Builds the image picker for `choice` from the start-up query round's answers
/// (`term_query::ask` with `images` for every choice but `Halfblocks` and `None`).
///
/// Decides as ratatui-image's `Picker::from_query_stdio` does: kitty if it answered, else
/// sixel if the device attributes list it, else what the environment hints (iTerm2-like
/// terminals, an outer terminal seen through tmux), else half-blocks; without a cell size (no
/// answer and no pixel size from the kernel) always half-blocks at an assumed 10×20 font. A
/// forced protocol only borrows the cell size. `Halfblocks` never touches the terminal; `None`
/// gives no picker.
pub fn make_picker(choice: ImageProtocolChoice, answers: &Answers) -> Option<Picker> {
    let forced = match choice {
        ImageProtocolChoice::None => return None,
        ImageProtocolChoice::Halfblocks => return Some(Picker::halfblocks()),
        ImageProtocolChoice::Auto => None,
        ImageProtocolChoice::Kitty => Some(ProtocolType::Kitty),
        ImageProtocolChoice::Sixel => Some(ProtocolType::Sixel),
        ImageProtocolChoice::Iterm2 => Some(ProtocolType::Iterm2),
    };
    let replies = &answers.replies;
    let detected = if replies.kitty {
        Some(ProtocolType::Kitty)
    } else if replies.sixel {
        Some(ProtocolType::Sixel)
    } else {
        None
    };
    let mut picker = match replies.cell_size.or_else(cell_size_from_kernel) {
        Some((w, h)) => {
            // The only public constructor that takes a measured font size; it also applies
            // ratatui-image's environment hints (iTerm2, tmux) for the protocol.
            #[allow(deprecated)]
            let mut picker = Picker::from_fontsize(FontSize::new(w, h));
            if let Some(protocol) = detected {
                picker.set_protocol_type(protocol);
            }
            picker
        }
        None => Picker::halfblocks(),
    };
    if let Some(protocol) = forced {
        picker.set_protocol_type(protocol);
    }
    tracing::info!(
        protocol = protocol_name(Some(&picker)),
        "image protocol chosen"
    );
    Some(picker)
}

/// The cell size in pixels from the kernel's window size, where the terminal reports it.
fn cell_size_from_kernel() -> Option<(u16, u16)> {
    let size = ratatui::crossterm::terminal::window_size().ok()?;
    if size.width == 0 || size.height == 0 || size.columns == 0 || size.rows == 0 {
        return None;
    }
    Some((size.width / size.columns, size.height / size.rows))
}

/// The protocol's name as the `--image-protocol` flag spells it ("none" without a picker).
pub fn protocol_name(picker: Option<&Picker>) -> &'static str {
    match picker.map(Picker::protocol_type) {
        None => "none",
        Some(ProtocolType::Halfblocks) => "halfblocks",
        Some(ProtocolType::Sixel) => "sixel",
        Some(ProtocolType::Kitty) => "kitty",
        Some(ProtocolType::Iterm2) => "iterm2",
    }
}

/// A finished preview: the encoded image for one area, or why there is none.
#[derive(Clone)]
pub struct Preview {
    /// The image file.
    pub path: PathBuf,
    /// The area (in cells) it was requested for.
    pub area: Rect,
    /// The encoded image, or the text to show instead ("cannot decode: ...", "images off").
    pub image: Result<Protocol, String>,
    /// The original image's width and height in pixels ((0, 0) if unknown).
    pub dims: (u32, u32),
}

impl std::fmt::Debug for Preview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preview")
            .field("path", &self.path)
            .field("area", &self.area)
            .field("image", &self.image.as_ref().map(|p| p.size()))
            .field("dims", &self.dims)
            .finish()
    }
}

/// Draws a preview centred in `area`, or a centred message in `theme_style`: "loading…"
/// without a preview, the error text (e.g. "cannot decode: ...", "images off") for a failed
/// one, and "resizing…" when the pane became smaller than the preview (request it again for
/// the new area). Pass only a preview whose `path` is the item on screen; while the newest
/// request is pending, passing `None` shows "loading…", passing the previous one keeps it up.
pub fn render_preview(area: Rect, buf: &mut Buffer, preview: Option<&Preview>, theme_style: Style) {
    let message = match preview.map(|p| &p.image) {
        None => "loading…",
        Some(Err(text)) => text.as_str(),
        Some(Ok(protocol)) => {
            let size = protocol.size();
            if protocol.needs_placeholder(area).is_some() {
                "resizing…"
            } else {
                let (w, h) = (size.width.min(area.width), size.height.min(area.height));
                let x = area.x + (area.width - w) / 2;
                let y = area.y + (area.height - h) / 2;
                Image::new(protocol)
                    .allow_clipping(true)
                    .render(Rect::new(x, y, w, h), buf);
                return;
            }
        }
    };
    if area.is_empty() {
        return;
    }
    buf.set_style(area, theme_style);
    let width = usize::from(area.width.max(1));
    let lines = u16::try_from(message.chars().count().div_ceil(width)).unwrap_or(area.height);
    let top = area.height.saturating_sub(lines) / 2;
    let text_area = Rect::new(area.x, area.y + top, area.width, area.height - top);
    Paragraph::new(message)
        .style(theme_style)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .render(text_area, buf);
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const AREA: Rect = Rect::new(0, 0, 20, 10);

    fn build(path: &Path, area: Rect) -> Preview {
        worker::build(Some(&Picker::halfblocks()), path, area)
    }

    #[test]
    fn picker_choices_and_names() {
        assert_eq!(protocol_name(None), "none");
        assert_eq!(protocol_name(Some(&Picker::halfblocks())), "halfblocks");
        let none = Answers::default();
        assert!(make_picker(ImageProtocolChoice::None, &none).is_none());
        let halfblocks = make_picker(ImageProtocolChoice::Halfblocks, &none);
        assert_eq!(protocol_name(halfblocks.as_ref()), "halfblocks");
        let names: Vec<String> = <ImageProtocolChoice as clap::ValueEnum>::value_variants()
            .iter()
            .filter_map(clap::ValueEnum::to_possible_value)
            .map(|v| v.get_name().to_owned())
            .collect();
        assert_eq!(
            names,
            ["auto", "kitty", "sixel", "iterm2", "halfblocks", "none"]
        );
    }

    #[test]
    fn the_picker_follows_the_answers() {
        use crate::tui::term_query::Replies;
        let answers = |kitty, sixel| Answers {
            answered: true,
            replies: Replies {
                kitty,
                sixel,
                cell_size: Some((9, 18)),
                background: None,
            },
            ..Answers::default()
        };
        let pick = |choice, a: &Answers| {
            let picker = make_picker(choice, a).unwrap();
            let font = picker.font_size();
            (protocol_name(Some(&picker)), (font.width, font.height))
        };
        let auto = ImageProtocolChoice::Auto;
        assert_eq!(pick(auto, &answers(true, true)), ("kitty", (9, 18)));
        assert_eq!(pick(auto, &answers(false, true)).0, "sixel");
        assert_eq!(
            pick(ImageProtocolChoice::Sixel, &answers(true, false)).0,
            "sixel"
        );
        assert_eq!(
            pick(ImageProtocolChoice::Halfblocks, &answers(true, true)).0,
            "halfblocks"
        );
    }

    #[test]
    fn render_draws_half_blocks_inside_the_area_or_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let striped = |name: &str, w: u32, h: u32| {
            let path = dir.path().join(name);
            image::RgbImage::from_fn(w, h, |_, y| image::Rgb([(y * 255 / h) as u8, 40, 90]))
                .save(&path)
                .unwrap();
            path
        };
        let area = Rect::new(2, 1, 20, 10);
        let block_cells = |preview: &Preview| {
            let mut buf = Buffer::empty(Rect::new(0, 0, 24, 12));
            render_preview(area, &mut buf, Some(preview), Style::new());
            (0..buf.content.len())
                .filter(|&i| matches!(buf.content[i].symbol(), "▀" | "▄"))
                .map(|i| buf.pos_of(i))
                .collect::<Vec<_>>()
        };
        // A big image fills the area (20x10 cells at the assumed 10x20 font)...
        let big = build(&striped("big.png", 400, 400), AREA);
        let cells = block_cells(&big);
        assert!(cells.len() >= 150, "{} half-block cells", cells.len());
        assert!(
            cells.iter().all(|&(x, y)| area.contains((x, y).into())),
            "{cells:?}"
        );
        // ...a small one (4x4 cells unscaled) is scaled up with its aspect kept: the 10-row
        // height is filled, and the tall image (half as wide) is centred horizontally.
        let small = build(&striped("small.png", 40, 80), AREA);
        let cells = block_cells(&small);
        let xs: Vec<u16> = cells.iter().map(|c| c.0).collect();
        let ys: Vec<u16> = cells.iter().map(|c| c.1).collect();
        assert!(cells.len() > 8 * 4, "scaled up: {} cells", cells.len());
        assert_eq!(
            (ys.iter().min(), ys.iter().max()),
            (Some(&1), Some(&10)),
            "{cells:?}"
        );
        let (left, right) = (
            xs.iter().min().copied().unwrap_or(0),
            xs.iter().max().copied().unwrap_or(0),
        );
        assert_eq!(
            right + 1 - left,
            10,
            "half the area's width: {left}..{right}"
        );
        assert!(
            (left - 2).abs_diff(21 - right) <= 1,
            "centred: {left}..{right}"
        );

        for (preview, want) in [
            (None, "loading…"),
            (
                Some(Preview {
                    image: Err("cannot decode: x".into()),
                    ..small
                }),
                "cannot decode: x",
            ),
        ] {
            let mut buf = Buffer::empty(Rect::new(0, 0, 24, 12));
            render_preview(area, &mut buf, preview.as_ref(), Style::new());
            let row: String = (0..24).map(|x| buf[(x, 5)].symbol().to_owned()).collect();
            assert!(row.contains(want), "{row:?}");
        }
    }
}
