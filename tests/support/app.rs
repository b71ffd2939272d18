//! The whole workbench under test, without a terminal: the real runtime, `update` and views,
//! drawing into ratatui's `TestBackend`, driven by a scripted key stream, talking to the fake
//! server (or any host) through the real engine. Reuse it for whole-app tests of a feature:
//!
//! ```ignore
//! let app = App::start(spec, 120, 40).await;      // spec.backend.host = fake server URL
//! app.wait_for("ready").await;                    // polls the drawn frames, 10 s at most
//! app.press("r");                                 // key names as in keymap.toml
//! let screen = app.wait_for("finished").await;    // the whole frame as text
//! assert_eq!(app.quit().await, 0);                // q, then the exit code
//! ```
//!
//! Each app gets fresh data and config folders through `SQUINT_DATA_DIR`/`SQUINT_CONFIG_DIR`.
//! Those are process-wide, so apps hold a lock for their lifetime: whole-app tests in one test
//! binary run one after another. Keep tests that read other environment variables out of a
//! binary that uses this. Use `#[tokio::test(flavor = "multi_thread")]`.
#![allow(dead_code, unreachable_pub)]

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::Stream;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Size};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use squint::setup::RunSpec;
use squint::tui::keymap::Keymap;
use squint::tui::model::Model;
use squint::tui::preview::ImageProtocolChoice;
use squint::tui::runtime::{self, Input};
use squint::tui::theme::Theme;
use squint::tui::{images, update};

/// How long `wait_for` waits before failing with the last frame.
pub const WAIT: Duration = Duration::from_secs(15);

/// Serialises apps in one process (their folders are set through the environment).
static ENV_LOCK: LazyLock<Arc<AsyncMutex<()>>> = LazyLock::new(|| Arc::new(AsyncMutex::new(())));

/// A running workbench.
pub struct App {
    keys: UnboundedSender<Input>,
    frame: Arc<Mutex<Buffer>>,
    frames: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<anyhow::Result<runtime::Exit>>,
    /// The data folder (`sessions/`, `cache/`, `logs/`) of this app.
    pub data: tempfile::TempDir,
    _lock: OwnedMutexGuard<()>,
}

impl App {
    /// Starts the workbench on `spec` (as the command line would give it) in a
    /// `width` x `height` terminal, with the default theme and keymap and half-block images.
    pub async fn start(spec: RunSpec, width: u16, height: u16) -> App {
        let data = tempfile::tempdir().expect("data dir");
        App::start_in(data, spec, width, height).await
    }

    /// Like [`App::start`], with `data` as the data folder (e.g. one a headless `squint run`
    /// already wrote sessions to).
    pub async fn start_in(data: tempfile::TempDir, spec: RunSpec, width: u16, height: u16) -> App {
        let lock = Arc::clone(&ENV_LOCK).lock_owned().await;
        // SAFETY: apps hold ENV_LOCK, so no other app of this process reads these meanwhile.
        unsafe {
            std::env::set_var("SQUINT_DATA_DIR", data.path());
            std::env::set_var("SQUINT_CONFIG_DIR", data.path().join("config"));
            std::env::remove_var("OLLAMA_HOST");
            std::env::remove_var("OPENAI_BASE_URL");
        }
        let (theme, _) = Theme::load(None, None, false);
        let mut model = Model::new(spec, theme, Keymap::default_keymap());
        model.size = (width, height);
        let initial = update::init(&mut model);
        let no_terminal = squint::tui::term_query::Answers::default();
        let previews = images::Previews::new(ImageProtocolChoice::Halfblocks, &no_terminal);
        let frame = Arc::new(Mutex::new(Buffer::empty(ratatui::layout::Rect::new(
            0, 0, width, height,
        ))));
        let frames = Arc::new(AtomicUsize::new(0));
        let backend = FrameTap {
            inner: TestBackend::new(width, height),
            frame: Arc::clone(&frame),
            frames: Arc::clone(&frames),
        };
        let (keys, rx) = unbounded_channel();
        let task = tokio::spawn(async move {
            let mut terminal = Terminal::new(backend)?;
            runtime::run(
                &mut terminal,
                model,
                initial,
                previews,
                runtime::Scripted(input_stream(rx)),
            )
            .await
        });
        App {
            keys,
            frame,
            frames,
            task,
            data,
            _lock: lock,
        }
    }

    /// Presses a key named as in `keymap.toml`: `"r"`, `"enter"`, `"esc"`, `"space"`,
    /// `"down"`, `"ctrl-r"`, `"backspace"`...
    pub fn press(&self, name: &str) {
        let key = parse_key(name);
        let _ = self.keys.send(Input::Terminal(Event::Key(key)));
    }

    /// Types `text` character by character.
    pub fn type_text(&self, text: &str) {
        for c in text.chars() {
            let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
            let _ = self.keys.send(Input::Terminal(Event::Key(key)));
        }
    }

    /// Sends SIGINT as the terminal would on Ctrl-C outside raw mode.
    pub fn signal(&self) {
        let _ = self.keys.send(Input::Signal);
    }

    /// The last frame drawn, one line per row, trailing spaces trimmed.
    pub fn screen(&self) -> String {
        let buffer = self.frame.lock().unwrap_or_else(PoisonError::into_inner);
        screen_text(&buffer)
    }

    /// How many frames the workbench has drawn (flushed to the terminal) so far.
    pub fn frames_drawn(&self) -> usize {
        self.frames.load(Ordering::SeqCst)
    }

    /// Waits until the drawn frame contains `needle`; returns that frame. Panics with the last
    /// frame after [`WAIT`].
    pub async fn wait_for(&self, needle: &str) -> String {
        self.wait_until(needle, |s| s.contains(needle)).await
    }

    /// Waits until the status line (the frame's last line) contains `needle`, e.g.
    /// `"· finished ·"`; returns the whole frame.
    pub async fn wait_for_status(&self, needle: &str) -> String {
        self.wait_until(needle, |s| status_line(s).contains(needle))
            .await
    }

    /// Waits until `check` accepts the drawn frame (`what` names it in the failure).
    pub async fn wait_until(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                !self.task.is_finished(),
                "the workbench exited while waiting for {what:?}; last frame:\n{screen}"
            );
            assert!(
                tokio::time::Instant::now() < deadline,
                "no frame with {what:?} within {WAIT:?}; last frame:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for the workbench to exit by itself (after keys that quit); returns the exit code.
    pub async fn exit_code(self) -> i32 {
        let App { task, keys, .. } = self;
        let joined = tokio::time::timeout(WAIT, task)
            .await
            .expect("the workbench did not exit in time");
        drop(keys);
        joined.expect("runtime task").expect("runtime result").code
    }

    /// Presses `q` (and confirms when a run is active); returns the exit code.
    pub async fn quit(self) -> i32 {
        self.press("q");
        tokio::time::sleep(Duration::from_millis(100)).await;
        if !self.task.is_finished() && self.screen().contains("stop and quit") {
            self.press("y");
        }
        self.exit_code().await
    }

    /// The session folders this app created, sorted.
    pub fn sessions(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.data.path().join("sessions"))
            .map(|entries| entries.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        dirs.sort();
        dirs
    }
}

/// Lines of `results.jsonl` in `session`.
pub fn journal_lines(session: &Path) -> usize {
    std::fs::read_to_string(session.join("results.jsonl"))
        .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count())
        .unwrap_or(0)
}

/// The last non-empty line of a frame (the run screen's status line).
pub fn status_line(screen: &str) -> &str {
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
}

/// A frame as text: one line per row, trailing spaces trimmed.
pub fn screen_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn parse_key(name: &str) -> KeyEvent {
    let combo = squint::tui::keymap::parse_key(name)
        .unwrap_or_else(|e| panic!("key {name:?} is not keymap syntax: {e}"));
    KeyEvent::new(combo.code, combo.modifiers)
}

fn input_stream(
    rx: tokio::sync::mpsc::UnboundedReceiver<Input>,
) -> impl Stream<Item = Input> + Unpin {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|input| (input, rx))
    }))
}

/// `TestBackend` that publishes every flushed frame for the test to read.
struct FrameTap {
    inner: TestBackend,
    frame: Arc<Mutex<Buffer>>,
    frames: Arc<AtomicUsize>,
}

impl FrameTap {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.frame.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Backend for FrameTap {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content).map_err(io::Error::other)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor().map_err(io::Error::other)
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor().map_err(io::Error::other)
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position().map_err(io::Error::other)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner
            .set_cursor_position(position)
            .map_err(io::Error::other)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear().map_err(io::Error::other)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner
            .clear_region(clear_type)
            .map_err(io::Error::other)
    }

    fn size(&self) -> io::Result<Size> {
        self.inner.size().map_err(io::Error::other)
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size().map_err(io::Error::other)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(io::Error::other)?;
        let buffer = self.inner.buffer().clone();
        *self.lock() = buffer;
        self.frames.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}
