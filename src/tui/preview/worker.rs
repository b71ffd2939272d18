//! The preview worker: one std thread that decodes, orients, shrinks and encodes images for
//! the terminal, newest request first, with an LRU cache of finished previews. Besides the one
//! preview the UI waits for, it takes a batch of thumbnails (the run screen's in-flight items):
//! each new batch replaces the pending one, and thumbnails are only made when no preview waits.
//! Must never block its caller on decoding, and never write to the terminal.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use image::{DynamicImage, ImageDecoder, ImageReader, metadata::Orientation};
use ratatui::layout::Rect;
use ratatui_image::Resize;
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::Protocol;

use super::Preview;

/// How many encoded previews are kept at most...
pub(crate) const CACHE_SIZE: usize = 64;
/// ...and roughly how many bytes they may take (a full-screen kitty or sixel image is
/// megabytes of escape text). The newest entry is always kept.
const CACHE_BYTES: usize = 160 << 20;

struct Request {
    path: PathBuf,
    area: Rect,
    /// The request's number, or `THUMBNAIL` for one of a batch.
    seq: u64,
}

/// The sequence number of a thumbnail request: never the newest preview.
const THUMBNAIL: u64 = u64::MAX;

#[derive(Default)]
struct State {
    pending: Option<Request>,
    ready: Option<Preview>,
    /// Thumbnails still to make, in the order asked (the newest batch only).
    thumbs: VecDeque<(PathBuf, Rect)>,
    /// Set when a thumbnail was cached since the UI last asked.
    thumbs_ready: bool,
    /// Most recently used first, with each entry's estimated size in bytes.
    cache: VecDeque<(Preview, usize)>,
    cache_bytes: usize,
    latest: u64,
    decoded: usize,
    shutdown: bool,
    #[cfg(test)]
    paused: bool,
}

impl State {
    fn idle(&self) -> bool {
        #[cfg(test)]
        if self.paused {
            return true;
        }
        self.pending.is_none() && self.thumbs.is_empty()
    }

    /// The next job: the preview the UI waits for first, then the thumbnails in order.
    fn next_job(&mut self) -> Option<Request> {
        if let Some(request) = self.pending.take() {
            return Some(request);
        }
        let (path, area) = self.thumbs.pop_front()?;
        Some(Request {
            path,
            area,
            seq: THUMBNAIL,
        })
    }

    /// Finds (and promotes) a cached preview of `path` at `area`'s size.
    fn lookup(&mut self, path: &Path, area: Rect) -> Option<Preview> {
        let size = area.as_size();
        let i = self
            .cache
            .iter()
            .position(|(p, _)| p.path == path && p.area.as_size() == size)?;
        let hit = self.cache.remove(i)?;
        self.cache.push_front(hit.clone());
        Some(Preview { area, ..hit.0 })
    }

    fn insert(&mut self, preview: Preview, cost: usize) {
        let size = preview.area.as_size();
        if let Some(i) = self
            .cache
            .iter()
            .position(|(p, _)| p.path == preview.path && p.area.as_size() == size)
        {
            self.cache_bytes -= self.cache.remove(i).map_or(0, |(_, c)| c);
        }
        self.cache.push_front((preview, cost));
        self.cache_bytes += cost;
        while self.cache.len() > CACHE_SIZE
            || (self.cache.len() > 1 && self.cache_bytes > CACHE_BYTES)
        {
            self.cache_bytes -= self.cache.pop_back().map_or(0, |(_, c)| c);
        }
    }
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    notify: Mutex<Box<dyn Fn() + Send>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn notify(&self) {
        (self.notify.lock().unwrap_or_else(PoisonError::into_inner))();
    }
}

/// Decodes and encodes previews on its own thread; newest request wins.
pub struct PreviewWorker {
    shared: Arc<Shared>,
}

impl PreviewWorker {
    /// Starts the worker thread. `notify` is called (from the worker thread) whenever a new
    /// preview is ready, to wake the UI for a redraw. Without a picker every preview is the
    /// text "images off".
    pub fn spawn(picker: Option<Picker>, notify: impl Fn() + Send + 'static) -> PreviewWorker {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            notify: Mutex::new(Box::new(notify)),
        });
        let worker = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("squint-preview".to_owned())
            .spawn(move || work(&worker, picker.as_ref()));
        if let Err(e) = spawned {
            tracing::error!("cannot start the preview thread: {e}");
        }
        PreviewWorker { shared }
    }

    /// Asks for a preview of `path` fitted into `area` (cells). Replaces any pending request.
    /// A cached preview becomes ready at once, without touching the worker.
    pub fn request(&self, path: PathBuf, area: Rect) {
        let mut state = self.shared.lock();
        state.latest += 1;
        if let Some(hit) = state.lookup(&path, area) {
            state.pending = None;
            state.ready = Some(hit);
            drop(state);
            self.shared.notify();
            return;
        }
        state.pending = Some(Request {
            path,
            area,
            seq: state.latest,
        });
        drop(state);
        self.shared.wake.notify_one();
    }

    /// Asks for thumbnails of these images at these sizes, replacing any batch not yet made;
    /// cached ones are skipped. Returns how many were queued.
    pub fn request_thumbnails(&self, wanted: &[(PathBuf, Rect)]) -> usize {
        let mut state = self.shared.lock();
        let missing: VecDeque<(PathBuf, Rect)> = wanted
            .iter()
            .filter(|(path, area)| {
                let size = area.as_size();
                !state
                    .cache
                    .iter()
                    .any(|(p, _)| p.path == *path && p.area.as_size() == size)
            })
            .cloned()
            .collect();
        let queued = missing.len();
        state.thumbs = missing;
        drop(state);
        if queued > 0 {
            self.shared.wake.notify_one();
        }
        queued
    }

    /// True (once) when a thumbnail was made since the last call. Never blocks.
    pub fn take_thumbnails_ready(&mut self) -> bool {
        std::mem::take(&mut self.shared.lock().thumbs_ready)
    }

    /// The newest finished preview, if one arrived since the last call. Never blocks.
    pub fn take_ready(&mut self) -> Option<Preview> {
        self.shared.lock().ready.take()
    }

    /// A cached preview of `path` at `area`'s size (position does not matter), if any.
    pub fn cached(&self, path: &Path, area: Rect) -> Option<Preview> {
        self.shared.lock().lookup(path, area)
    }

    #[cfg(test)]
    fn set_paused(&self, paused: bool) {
        self.shared.lock().paused = paused;
        self.shared.wake.notify_one();
    }

    #[cfg(test)]
    fn decoded(&self) -> usize {
        self.shared.lock().decoded
    }
}

impl Drop for PreviewWorker {
    fn drop(&mut self) {
        self.shared.lock().shutdown = true;
        self.shared.wake.notify_one();
    }
}

/// The worker loop: wait for a request, build it outside the lock, publish if still newest.
fn work(shared: &Shared, picker: Option<&Picker>) {
    loop {
        let request = {
            let mut state = shared.lock();
            while state.idle() && !state.shutdown {
                state = shared
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.shutdown {
                return;
            }
            match state.next_job() {
                Some(request) => request,
                None => continue,
            }
        };
        let preview = build(picker, &request.path, request.area);
        let cost = cost(picker, &preview);
        let mut state = shared.lock();
        state.decoded += 1;
        state.insert(preview.clone(), cost);
        let thumbnail = request.seq == THUMBNAIL;
        let newest = state.latest == request.seq;
        if newest {
            state.ready = Some(preview);
        } else if thumbnail {
            state.thumbs_ready = true;
        }
        drop(state);
        if newest || thumbnail {
            shared.notify();
        }
    }
}

/// Decodes, orients, shrinks and encodes one image for `area`.
pub(super) fn build(picker: Option<&Picker>, path: &Path, area: Rect) -> Preview {
    let (image, dims) = match picker {
        None => (
            Err("images off".to_owned()),
            image::image_dimensions(path).unwrap_or((0, 0)),
        ),
        Some(picker) => match decode(path) {
            Err(e) => (Err(e), (0, 0)),
            Ok(img) => {
                let dims = (img.width(), img.height());
                (encode(picker, img, area), dims)
            }
        },
    };
    Preview {
        path: path.to_owned(),
        area,
        image,
        dims,
    }
}

/// Rough memory taken by a preview: graphics protocols hold the image as base64 RGBA
/// (about 5.4 bytes per pixel), half-blocks hold a few dozen bytes per cell.
fn cost(picker: Option<&Picker>, preview: &Preview) -> usize {
    let (Some(picker), Ok(protocol)) = (picker, &preview.image) else {
        return 256;
    };
    let size = protocol.size();
    let cells = usize::from(size.width) * usize::from(size.height);
    match picker.protocol_type() {
        ProtocolType::Halfblocks => cells * 48,
        _ => {
            let font = picker.font_size();
            cells * usize::from(font.width) * usize::from(font.height) * 11 / 2
        }
    }
}

fn decode(path: &Path) -> Result<DynamicImage, String> {
    let open = || {
        ImageReader::open(path)
            .and_then(ImageReader::with_guessed_format)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    // The header first: a decompression bomb is refused before any pixel is decoded.
    let (width, height) = open()?
        .into_dimensions()
        .map_err(|e| format!("cannot decode: {e}"))?;
    crate::imaging::check_dimensions(width, height).map_err(|e| e.to_string())?;
    let mut reader = open()?;
    reader.limits(crate::imaging::decode_limits());
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| format!("cannot decode: {e}"))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| format!("cannot decode: {e}"))?;
    img.apply_orientation(orientation);
    Ok(img)
}

fn encode(picker: &Picker, img: DynamicImage, area: Rect) -> Result<Protocol, String> {
    if area.is_empty() {
        return Err("no room for the image".to_owned());
    }
    let font = picker.font_size();
    let (max_w, max_h) = (
        u32::from(area.width) * u32::from(font.width),
        u32::from(area.height) * u32::from(font.height),
    );
    // A fast box-filter shrink first: Resize::Fit's own filter is nearest-neighbour. Small
    // images (28x28 digits) are scaled up with crisp pixels so they fill the pane.
    let img = if img.width() > max_w || img.height() > max_h {
        img.thumbnail(max_w, max_h)
    } else {
        img.resize(max_w, max_h, image::imageops::FilterType::Nearest)
    };
    picker
        .new_protocol(img, area.as_size(), Resize::Fit(None))
        .map_err(|e| format!("cannot encode for the terminal: {e}"))
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    fn write_png(dir: &Path, name: &str, rgb: [u8; 3]) -> PathBuf {
        let path = dir.join(name);
        image::RgbImage::from_fn(40, 20, |x, _| {
            if x < 20 {
                image::Rgb(rgb)
            } else {
                image::Rgb([255 - rgb[0], 0, 0])
            }
        })
        .save(&path)
        .unwrap();
        path
    }

    /// A halfblocks worker plus a channel that receives one message per notify.
    fn worker() -> (PreviewWorker, mpsc::Receiver<()>) {
        let (tx, rx) = mpsc::channel();
        let worker = PreviewWorker::spawn(Some(Picker::halfblocks()), move || {
            let _ = tx.send(());
        });
        (worker, rx)
    }

    fn wait_ready(worker: &mut PreviewWorker, rx: &mpsc::Receiver<()>) -> Preview {
        rx.recv_timeout(Duration::from_secs(10))
            .expect("preview notify");
        worker.take_ready().expect("a ready preview after notify")
    }

    const AREA: Rect = Rect::new(0, 0, 20, 10);

    #[test]
    fn newest_request_wins_and_older_ones_are_never_decoded() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..4)
            .map(|i| write_png(dir.path(), &format!("{i}.png"), [i * 60, 10, 10]))
            .collect();
        let (mut worker, rx) = worker();
        worker.set_paused(true);
        for path in &paths {
            worker.request(path.clone(), AREA);
        }
        worker.set_paused(false);
        let preview = wait_ready(&mut worker, &rx);
        assert_eq!(preview.path, paths[3]);
        assert_eq!(preview.dims, (40, 20));
        assert!(preview.image.is_ok(), "{preview:?}");
        assert!(
            rx.recv_timeout(Duration::from_millis(200)).is_err(),
            "only one preview"
        );
        assert!(worker.take_ready().is_none());
        assert_eq!(worker.decoded(), 1);
        assert!(worker.cached(&paths[0], AREA).is_none());
    }

    #[test]
    fn overtaken_result_is_cached_but_not_published() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (
            write_png(dir.path(), "a.png", [0; 3]),
            write_png(dir.path(), "b.png", [9; 3]),
        );
        let (mut worker, rx) = worker();
        worker.request(a.clone(), AREA);
        let first = wait_ready(&mut worker, &rx);
        assert_eq!(first.path, a);
        // Simulate "b finished after a newer request": bump the sequence while b is pending.
        worker.set_paused(true);
        worker.request(b.clone(), AREA);
        worker.shared.lock().latest += 1;
        worker.set_paused(false);
        for _ in 0..100 {
            if worker.decoded() == 2 {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(worker.decoded(), 2);
        assert!(worker.take_ready().is_none());
        assert!(worker.cached(&b, AREA).is_some());
    }

    #[test]
    fn cache_hit_is_ready_without_decoding_again() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (
            write_png(dir.path(), "a.png", [0; 3]),
            write_png(dir.path(), "b.png", [9; 3]),
        );
        let (mut worker, rx) = worker();
        assert!(worker.cached(&a, AREA).is_none());
        worker.request(a.clone(), AREA);
        wait_ready(&mut worker, &rx);
        worker.request(b.clone(), AREA);
        wait_ready(&mut worker, &rx);
        let moved = Rect::new(7, 3, 20, 10);
        assert_eq!(worker.cached(&a, moved).map(|p| p.area), Some(moved));
        assert!(
            worker.cached(&a, Rect::new(0, 0, 30, 10)).is_none(),
            "size is part of the key"
        );
        worker.request(a.clone(), moved);
        assert_eq!(wait_ready(&mut worker, &rx).path, a);
        assert_eq!(worker.decoded(), 2);
    }

    #[test]
    fn thumbnails_are_made_after_the_preview_and_a_new_batch_replaces_the_old() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..5)
            .map(|i| write_png(dir.path(), &format!("{i}.png"), [i * 40, 10, 10]))
            .collect();
        let thumb = Rect::new(0, 0, 6, 3);
        let (mut worker, rx) = worker();
        worker.set_paused(true);
        let old: Vec<(PathBuf, Rect)> = paths[..3].iter().map(|p| (p.clone(), thumb)).collect();
        assert_eq!(worker.request_thumbnails(&old), 3);
        let new: Vec<(PathBuf, Rect)> = paths[3..].iter().map(|p| (p.clone(), thumb)).collect();
        assert_eq!(worker.request_thumbnails(&new), 2);
        worker.request(paths[0].clone(), AREA);
        worker.set_paused(false);
        // The preview the UI waits for comes first...
        assert_eq!(wait_ready(&mut worker, &rx).path, paths[0]);
        // ...then the newest batch; the replaced one is never made.
        for _ in 0..100 {
            if worker.decoded() == 3 {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(worker.decoded(), 3);
        assert!(worker.take_thumbnails_ready());
        assert!(!worker.take_thumbnails_ready(), "reported once");
        assert!(worker.cached(&paths[3], thumb).is_some());
        assert!(worker.cached(&paths[4], thumb).is_some());
        assert!(worker.cached(&paths[1], thumb).is_none());
        assert!(
            worker.take_ready().is_none(),
            "thumbnails are not the preview"
        );
        assert_eq!(
            worker.request_thumbnails(&new),
            0,
            "cached ones are skipped"
        );
    }

    #[test]
    fn cache_evicts_least_recently_used() {
        let mut state = State::default();
        let preview = |i: usize| Preview {
            path: PathBuf::from(format!("{i}.png")),
            area: AREA,
            image: Err(String::new()),
            dims: (0, 0),
        };
        for i in 0..CACHE_SIZE {
            state.insert(preview(i), 10);
        }
        assert!(state.lookup(Path::new("0.png"), AREA).is_some()); // promotes 0
        state.insert(preview(CACHE_SIZE), 10);
        assert_eq!(state.cache.len(), CACHE_SIZE);
        assert!(state.lookup(Path::new("0.png"), AREA).is_some());
        assert!(state.lookup(Path::new("1.png"), AREA).is_none());
        state.insert(preview(0), 10); // replacing an entry does not count it twice
        assert_eq!(
            (state.cache.len(), state.cache_bytes),
            (CACHE_SIZE, CACHE_SIZE * 10)
        );

        // The byte budget evicts too, but always keeps the newest entry.
        let mut state = State::default();
        for i in 0..3 {
            state.insert(preview(i), CACHE_BYTES / 2);
        }
        assert_eq!(state.cache.len(), 2);
        assert!(state.lookup(Path::new("0.png"), AREA).is_none());
        state.insert(preview(9), CACHE_BYTES * 3);
        assert_eq!(state.cache.len(), 1);
        assert_eq!(state.cache_bytes, CACHE_BYTES * 3);
    }

    #[test]
    fn cost_estimates_graphics_protocols_above_half_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let a = write_png(dir.path(), "a.png", [0; 3]);
        let mut picker = Picker::halfblocks();
        let half = cost(Some(&picker), &build(Some(&picker), &a, AREA));
        picker.set_protocol_type(ProtocolType::Kitty);
        let kitty = cost(Some(&picker), &build(Some(&picker), &a, AREA));
        assert!(half > 0 && kitty > 20 * half, "{half} {kitty}");
        assert_eq!(cost(None, &build(None, &a, AREA)), 256);
    }

    #[test]
    fn unreadable_and_corrupt_files_become_error_previews() {
        let dir = tempfile::tempdir().unwrap();
        let corrupt = dir.path().join("bad.png");
        std::fs::write(&corrupt, b"\x89PNG\r\n\x1a\nnot really a png").unwrap();
        let text = dir.path().join("notes.jpg");
        std::fs::write(&text, b"hello").unwrap();
        let cases = [
            (corrupt, "cannot decode"),
            (text, "cannot decode"),
            (dir.path().join("missing.png"), "cannot read"),
        ];
        let (mut worker, rx) = worker();
        for (path, want) in cases {
            worker.request(path.clone(), AREA);
            let preview = wait_ready(&mut worker, &rx);
            assert_eq!(preview.path, path);
            let err = preview.image.err().unwrap_or_default();
            assert!(err.starts_with(want), "{path:?}: {err}");
        }
    }

    #[test]
    fn without_picker_previews_say_images_off() {
        let dir = tempfile::tempdir().unwrap();
        let a = write_png(dir.path(), "a.png", [0; 3]);
        let (tx, rx) = mpsc::channel();
        let mut worker = PreviewWorker::spawn(None, move || {
            let _ = tx.send(());
        });
        worker.request(a, AREA);
        let preview = wait_ready(&mut worker, &rx);
        assert_eq!(preview.image.err().as_deref(), Some("images off"));
        assert_eq!(preview.dims, (40, 20));
    }
}
