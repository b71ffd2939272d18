//! The event loop: one task owns the model; `tokio::select!` over terminal events, messages
//! from effect tasks and the engine, finished previews and a ~30 fps tick. Every message goes
//! through `update`; the frame is drawn on the tick only when something changed (a dirty flag),
//! so streamed tokens never cause one draw each. Holds the IO-side objects the model must not:
//! the prepared run, the run handle and the preview worker.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend as TermBackend;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use crate::engine::{RunEvent, RunHandle};
use crate::tui::effects;
use crate::tui::images::Previews;
use crate::tui::model::Model;
use crate::tui::msg::{Effect, Msg};
use crate::tui::update::update;
use crate::tui::view;

/// Time between frames (about 30 per second).
pub const FRAME: Duration = Duration::from_millis(33);
/// Messages handled per loop turn before yielding to keys and the tick.
const BATCH: usize = 512;

/// IO-side state next to the model.
struct Io {
    tx: UnboundedSender<Msg>,
    /// Filled by the prepare task before it sends `Msg::Prepared`.
    prepared: effects::PreparedSlot,
    /// Filled by the start task before it sends `Msg::RunStarted`.
    handle: effects::HandleSlot,
    /// The task forwarding the current run's events (it records how the session ended).
    forwarder: Option<tokio::task::JoinHandle<()>>,
    previews: Previews,
}

impl Io {
    fn handle(&self) -> Option<RunHandle> {
        self.handle.lock().ok().and_then(|h| h.clone())
    }
}

/// Runs the workbench until it quits; returns the exit code. `typed_ahead` are keys pressed
/// during the start-up terminal query; they are handled before anything read later.
pub async fn run<B: TermBackend>(
    terminal: &mut Terminal<B>,
    mut model: Model,
    initial: Vec<Effect>,
    previews: Previews,
    typed_ahead: Vec<Event>,
) -> anyhow::Result<Exit> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut io = Io {
        tx: tx.clone(),
        prepared: Default::default(),
        handle: Default::default(),
        forwarder: None,
        previews,
    };
    spawn_signal_listener(tx);
    let mut events =
        futures_util::stream::iter(typed_ahead.into_iter().map(Ok)).chain(EventStream::new());
    let mut tick = tokio::time::interval(FRAME);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    if let Ok(size) = terminal.size() {
        dispatch(
            &mut model,
            &mut io,
            Msg::Resized {
                width: size.width,
                height: size.height,
            },
        );
    }
    dispatch(&mut model, &mut io, Msg::Ticked(Instant::now()));
    for effect in initial {
        execute(&mut model, &mut io, effect);
    }
    draw(terminal, &mut model, &mut io)?;
    while !model.quitting {
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    dispatch(&mut model, &mut io, Msg::KeyPressed(key));
                }
                Some(Ok(Event::Resize(width, height))) => {
                    dispatch(&mut model, &mut io, Msg::Resized { width, height });
                    terminal.autoresize().map_err(|e| anyhow::anyhow!("resizing the terminal failed: {e}"))?;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::error!("terminal input failed: {e}");
                    dispatch(&mut model, &mut io, Msg::SignalReceived);
                }
                None => dispatch(&mut model, &mut io, Msg::SignalReceived),
            },
            Some(msg) = rx.recv() => {
                dispatch(&mut model, &mut io, msg);
                drain(&mut rx, &mut model, &mut io);
            }
            Some(msg) = io.previews.next_ready() => dispatch(&mut model, &mut io, msg),
            _ = tick.tick() => {
                dispatch(&mut model, &mut io, Msg::Ticked(Instant::now()));
                if model.dirty {
                    draw(terminal, &mut model, &mut io)?;
                }
            }
        }
    }
    match io.handle() {
        Some(handle) => handle.stop(),
        // Still connecting: no session exists yet, so the start task is simply dropped.
        None => {
            if let Some(forwarder) = &io.forwarder {
                forwarder.abort();
            }
        }
    }
    // Let a stopped run record its end in session.json (bounded: quitting never hangs).
    if let Some(forwarder) = io.forwarder.take() {
        let _ = tokio::time::timeout(Duration::from_secs(3), forwarder).await;
    }
    Ok(Exit {
        code: model.exit_code,
        farewell: model.run.farewell(),
    })
}

/// How the workbench ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// The process exit code.
    pub code: i32,
    /// What to print once the screen is restored (the session and how to continue it).
    pub farewell: Option<String>,
}

/// Handles up to `BATCH` more queued messages without waiting.
fn drain(rx: &mut UnboundedReceiver<Msg>, model: &mut Model, io: &mut Io) {
    for _ in 0..BATCH {
        match rx.try_recv() {
            Ok(msg) => dispatch(model, io, msg),
            Err(_) => break,
        }
    }
}

/// Applies a message and runs its effects. Anything but a tick may change what is on screen,
/// so it marks the frame dirty; the tick still caps drawing at about 30 frames a second.
fn dispatch(model: &mut Model, io: &mut Io, msg: Msg) {
    let changes_screen = !matches!(msg, Msg::Ticked(_));
    for effect in update(model, msg) {
        execute(model, io, effect);
    }
    if changes_screen {
        model.dirty = true;
    }
}

fn draw<B: TermBackend>(
    terminal: &mut Terminal<B>,
    model: &mut Model,
    io: &mut Io,
) -> anyhow::Result<()> {
    let previews = &mut io.previews;
    terminal
        .draw(|frame| {
            if let Some(slot) = view::render(frame, model) {
                previews.draw(frame, &slot);
            }
        })
        .map_err(|e| anyhow::anyhow!("drawing the terminal failed: {e}"))?;
    model.dirty = false;
    Ok(())
}

/// Carries out one effect: spawns its task or acts on the IO-side state.
fn execute(model: &mut Model, io: &mut Io, effect: Effect) {
    let tx = io.tx.clone();
    match effect {
        Effect::LoadChoices => effects::load_choices(tx),
        Effect::CompletePath { input } => effects::complete_path(tx, input),
        Effect::ListModels { spec } => effects::list_models(tx, *spec),
        Effect::OpenSession { dir } => effects::open_session(tx, dir),
        Effect::PrepareRun { generation, spec } => {
            effects::prepare(tx, Arc::clone(&io.prepared), generation, *spec);
        }
        Effect::StartRun { generation, spec } => {
            match effects::prepared_for(&io.prepared, generation) {
                Some(prepared) => {
                    if let Some(old) = io.handle.lock().ok().and_then(|mut h| h.take()) {
                        old.stop();
                    }
                    io.forwarder = Some(effects::start_run(
                        tx,
                        Arc::clone(&io.handle),
                        *spec,
                        prepared,
                    ));
                }
                _ => {
                    let msg = Msg::RunStarted(Err(
                        "the dataset is still being prepared; press r again in a moment".into(),
                    ));
                    dispatch(model, io, msg);
                }
            }
        }
        Effect::PauseRun => {
            if let Some(h) = io.handle() {
                h.pause();
                dispatch(model, io, Msg::Run(RunEvent::Paused));
            }
        }
        Effect::ResumeRun => {
            if let Some(h) = io.handle() {
                h.resume();
                dispatch(model, io, Msg::Run(RunEvent::Resumed));
            }
        }
        Effect::StopRun => {
            if let Some(h) = io.handle() {
                h.stop();
            }
        }
        Effect::RequestPreview { path } => io.previews.request(path),
        Effect::Quit => model.quitting = true,
    }
}

/// Turns SIGINT, SIGTERM and SIGHUP into `Msg::SignalReceived` (the loop then quits and the
/// terminal guard restores the screen).
fn spawn_signal_listener(tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
                signal(SignalKind::hangup()),
            ) else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
                _ = hup.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
        }
        let _ = tx.send(Msg::SignalReceived);
    });
}
