//! The runtime's side of image previews: wraps the `PreviewWorker`, asks it for the image a
//! view's `ImageSlot` wants at that slot's size, wakes the loop when one is ready, and draws
//! the current one; thumbnails (`ImageSlots::thumbnails`) are drawn from the worker's cache
//! and the missing ones asked for as one batch. The model only learns which path is ready (`Msg::PreviewReady`); the
//! encoded pixels stay here. Never decodes on the UI thread.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::tui::msg::Msg;
use crate::tui::preview::{
    ImageProtocolChoice, Preview, PreviewWorker, make_picker, protocol_name, render_preview,
};
use crate::tui::term_query::Answers;
use crate::tui::view::{ImageSlot, ImageSlots};

/// Previews for the loop: the worker, the newest finished preview, and a wake-up channel.
pub struct Previews {
    worker: PreviewWorker,
    wake: UnboundedReceiver<()>,
    current: Option<Preview>,
    /// The (path, size) last asked of the worker, to avoid asking twice.
    asked: Option<(PathBuf, u16, u16)>,
    /// The thumbnails last asked for (path and size), to ask once per change.
    asked_thumbnails: Vec<(PathBuf, Rect)>,
    protocol: &'static str,
}

impl Previews {
    /// Picks the image protocol from the start-up query round's answers and starts the worker.
    pub fn new(choice: ImageProtocolChoice, answers: &Answers) -> Previews {
        let picker = make_picker(choice, answers);
        let protocol = protocol_name(picker.as_ref());
        let (tx, wake) = unbounded_channel();
        let worker = PreviewWorker::spawn(picker, move || {
            let _ = tx.send(());
        });
        Previews {
            worker,
            wake,
            current: None,
            asked: None,
            asked_thumbnails: Vec::new(),
            protocol,
        }
    }

    /// The protocol's name, for the status line.
    pub fn protocol_name(&self) -> String {
        self.protocol.to_owned()
    }

    /// Notes that `path` is wanted; the worker is asked at draw time, when its area is known.
    pub fn request(&mut self, path: PathBuf) {
        if self.current.as_ref().is_some_and(|c| c.path != path) {
            self.current = None;
        }
    }

    /// Waits until the worker finished a preview; yields the message for `update`.
    pub async fn next_ready(&mut self) -> Option<Msg> {
        loop {
            self.wake.recv().await?;
            if let Some(preview) = self.worker.take_ready() {
                let msg = Msg::PreviewReady {
                    path: preview.path.clone(),
                    error: preview.image.as_ref().err().cloned(),
                };
                self.current = Some(preview);
                return Some(msg);
            }
            if self.worker.take_thumbnails_ready() {
                return Some(Msg::ThumbnailsReady);
            }
        }
    }

    /// Draws the frame's images: the preview into its slot, each thumbnail from the cache
    /// (the missing ones are asked for together, once per change, and show nothing meanwhile).
    pub fn draw_all(&mut self, frame: &mut Frame, slots: &ImageSlots) {
        if let Some(slot) = &slots.preview {
            self.draw(frame, slot);
        }
        let mut missing = Vec::new();
        for slot in &slots.thumbnails {
            match self.worker.cached(&slot.path, slot.area) {
                Some(hit) => draw_into(frame, slot.area, Some(&hit)),
                None => missing.push((
                    slot.path.clone(),
                    Rect {
                        x: 0,
                        y: 0,
                        ..slot.area
                    },
                )),
            }
        }
        if missing != self.asked_thumbnails {
            self.worker.request_thumbnails(&missing);
            self.asked_thumbnails = missing;
        }
    }

    /// Draws the wanted image into the slot, asking the worker when it is not ready at this
    /// size (a cached one is used at once).
    pub fn draw(&mut self, frame: &mut Frame, slot: &ImageSlot) {
        let fits = |p: &Preview| {
            p.path == slot.path
                && p.area.width == slot.area.width
                && p.area.height == slot.area.height
        };
        if !self.current.as_ref().is_some_and(fits) {
            if let Some(hit) = self.worker.cached(&slot.path, slot.area) {
                self.current = Some(hit);
            } else {
                let key = (slot.path.clone(), slot.area.width, slot.area.height);
                if self.asked.as_ref() != Some(&key) {
                    self.worker.request(slot.path.clone(), slot.area);
                    self.asked = Some(key);
                }
            }
        }
        let shown = self.current.as_ref().filter(|p| p.path == slot.path);
        draw_into(frame, slot.area, shown);
    }
}

fn draw_into(frame: &mut Frame, area: Rect, preview: Option<&Preview>) {
    let area = area.intersection(frame.area());
    if area.is_empty() {
        return;
    }
    render_preview(area, frame.buffer_mut(), preview, Style::default());
}
