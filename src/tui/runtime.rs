//! The event loop: executes effects and nothing else. One task owns the model and feeds every
//! input to `update`: terminal events and signals (an injected stream, so tests drive the whole
//! app with scripted keys), replies of effect tasks, the engine's events, finished previews and
//! the clock. Draws only when `update` marked the model dirty, as `pacing` says: at once after
//! a key, at most once a frame while events stream (streamed tokens never cause one draw each),
//! and an idle workbench sleeps until the next input. For `Effect::EditExternally` it lends the
//! terminal to the user's editor (inputs suspended, full screen left) and always takes it back.
//!
//! Never writes the `Model` (only `update` does) and never invents engine events: pause,
//! resume and the end of a run are reported by the engine itself. The heavy results of effects
//! (a prepared run, an engine handle) stay here, in runtime-owned slots keyed by the id their
//! message carries (the preparation's generation); messages carry only summaries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::time::sleep_until;

use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend as TermBackend;
use ratatui::crossterm::event::{Event, KeyEventKind};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use crate::engine::RunHandle;
use crate::setup::Prepared;
use crate::tui::effects::{self, Reply};
use crate::tui::external_editor;
use crate::tui::images::Previews;
use crate::tui::model::Model;
use crate::tui::msg::{Effect, Msg};
use crate::tui::pacing;
use crate::tui::update::update;
use crate::tui::view;

/// Messages handled per loop turn before yielding to keys and the clock.
const BATCH: usize = 512;
/// How long quitting waits for a stopped run to record its end.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// What reaches the workbench from outside: the terminal's events and the process's signals.
#[derive(Debug, Clone)]
pub enum Input {
    /// A terminal event (key, resize, ...).
    Terminal(Event),
    /// The terminal's input failed or ended (the workbench quits as on a signal).
    Lost(String),
    /// SIGINT, SIGTERM or SIGHUP arrived.
    Signal,
}

/// IO-side state next to the model: the replies channel and the heavy results by id.
struct Io {
    tx: UnboundedSender<Reply>,
    /// Prepared runs by generation (only the newest is kept).
    prepared: HashMap<u64, Arc<Prepared>>,
    /// The running engine's controls, once started.
    run: Option<RunHandle>,
    /// The task connecting and forwarding the current run's events.
    forwarder: Option<tokio::task::JoinHandle<()>>,
    previews: Previews,
    /// Text waiting for the external editor (`Effect::EditExternally`).
    external_edit: Option<String>,
    /// The running prompt-prior probe (`Effect::Probe`), aborted when its overlay closes.
    probe: Option<tokio::task::JoinHandle<()>>,
    /// Set by `Effect::Quit`.
    quit: bool,
}

/// Runs the workbench until it quits; returns the exit code. `inputs` are the terminal events
/// and signals (`crossterm`'s event stream in the binary, a scripted stream in tests).
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    mut model: Model,
    initial: Vec<Effect>,
    previews: Previews,
    mut inputs: S,
) -> anyhow::Result<Exit>
where
    B: TermBackend,
    S: Stream<Item = Input> + Handover + Unpin,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Reply>();
    let mut io = Io {
        tx,
        prepared: HashMap::new(),
        run: None,
        forwarder: None,
        previews,
        external_edit: None,
        probe: None,
        quit: false,
    };
    if let Ok(size) = terminal.size() {
        let msg = Msg::Resized {
            width: size.width,
            height: size.height,
        };
        dispatch(&mut model, &mut io, msg);
    }
    dispatch(&mut model, &mut io, Msg::Ticked(Instant::now()));
    for effect in initial {
        execute(&mut io, effect);
    }
    draw(terminal, &mut model, &mut io)?;
    let mut last_draw = Some(Instant::now());
    while !model.quitting && !io.quit {
        if let Some(text) = io.external_edit.take() {
            let msg = edit_externally(terminal, &mut inputs, text).await?;
            dispatch(&mut model, &mut io, msg);
            // The screen holds the editor's leftovers: draw at once.
            last_draw = Some(frame(terminal, &mut model, &mut io)?);
            continue;
        }
        let wake = pacing::next_wake(&model, last_draw);
        // A person is waiting for what a key, paste or resize changes: draw it at once.
        let mut urgent = false;
        tokio::select! {
            input = inputs.next() => {
                // Mouse motion can come in floods: it waits for the frame like engine events.
                urgent = !matches!(input, Some(Input::Terminal(Event::Mouse(_))));
                match input {
                    Some(Input::Terminal(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                        // The clock first: a notice that expired while the loop waited is off
                        // the screen, so this key is not spent dismissing it.
                        dispatch(&mut model, &mut io, Msg::Ticked(Instant::now()));
                        dispatch(&mut model, &mut io, Msg::KeyPressed(key));
                    }
                    Some(Input::Terminal(Event::Paste(text))) => {
                        dispatch(&mut model, &mut io, Msg::Pasted(text));
                    }
                    Some(Input::Terminal(Event::Mouse(event))) => {
                        dispatch(&mut model, &mut io, Msg::Mouse(event));
                    }
                    Some(Input::Terminal(Event::Resize(width, height))) => {
                        dispatch(&mut model, &mut io, Msg::Resized { width, height });
                        terminal.autoresize().map_err(|e| anyhow::anyhow!("resizing the terminal failed: {e}"))?;
                    }
                    Some(Input::Terminal(_)) => {}
                    Some(Input::Lost(error)) => {
                        tracing::error!("terminal input failed: {error}");
                        dispatch(&mut model, &mut io, Msg::SignalReceived);
                    }
                    Some(Input::Signal) | None => dispatch(&mut model, &mut io, Msg::SignalReceived),
                }
            },
            Some(reply) = rx.recv() => {
                receive(&mut model, &mut io, reply);
                drain(&mut rx, &mut model, &mut io);
            }
            Some(msg) = io.previews.next_ready() => dispatch(&mut model, &mut io, msg),
            () = sleep_until_some(wake) => dispatch(&mut model, &mut io, Msg::Ticked(Instant::now())),
        }
        if model.quitting || io.quit {
            break;
        }
        let now = Instant::now();
        if pacing::draw_due(&model, last_draw, urgent, now) {
            last_draw = Some(frame(terminal, &mut model, &mut io)?);
        }
    }
    shut_down(&mut io).await;
    Ok(Exit {
        code: model.exit_code,
        farewell: model.run.farewell(),
    })
}

/// Draws a frame at the current time (the clock moves first: rate, ETA, notice expiry); returns
/// that time.
fn frame<B: TermBackend>(
    terminal: &mut Terminal<B>,
    model: &mut Model,
    io: &mut Io,
) -> anyhow::Result<Instant> {
    let now = Instant::now();
    dispatch(model, io, Msg::Ticked(now));
    draw(terminal, model, io)?;
    Ok(now)
}

/// Sleeps until `at`; never wakes when there is nothing to wake for.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// How the workbench ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// The process exit code.
    pub code: i32,
    /// What to print once the screen is restored (the session and how to continue it).
    pub farewell: Option<String>,
}

/// Stops an active run and lets it record its end (bounded: quitting never hangs); a run
/// still connecting has no session yet, so its task is simply dropped.
async fn shut_down(io: &mut Io) {
    match &io.run {
        Some(handle) => handle.stop(),
        None => {
            if let Some(forwarder) = &io.forwarder {
                forwarder.abort();
            }
        }
    }
    if let Some(forwarder) = io.forwarder.take() {
        let _ = tokio::time::timeout(STOP_GRACE, forwarder).await;
    }
}

/// Handles up to `BATCH` more queued replies without waiting.
fn drain(rx: &mut UnboundedReceiver<Reply>, model: &mut Model, io: &mut Io) {
    for _ in 0..BATCH {
        match rx.try_recv() {
            Ok(reply) => receive(model, io, reply),
            Err(_) => break,
        }
    }
}

/// Keeps a reply's heavy part in the runtime's slots and hands its message to `update`.
fn receive(model: &mut Model, io: &mut Io, reply: Reply) {
    match reply {
        Reply::Msg(msg) => dispatch(model, io, msg),
        Reply::Prepared {
            generation,
            prepared,
            msg,
        } => {
            io.prepared.clear();
            io.prepared.insert(generation, prepared);
            dispatch(model, io, msg);
        }
        Reply::Started { handle, msg } => {
            if let Some(old) = io.run.replace(handle) {
                old.stop();
            }
            dispatch(model, io, msg);
        }
    }
}

/// Applies a message and runs its effects.
fn dispatch(model: &mut Model, io: &mut Io, msg: Msg) {
    for effect in update(model, msg) {
        execute(io, effect);
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
            let slots = view::render(frame, model);
            previews.draw_all(frame, &slots);
        })
        .map_err(|e| anyhow::anyhow!("drawing the terminal failed: {e}"))?;
    dispatch(model, io, Msg::FrameDrawn);
    Ok(())
}

/// Carries out one effect: spawns its task or acts on the IO-side state.
fn execute(io: &mut Io, effect: Effect) {
    let tx = io.tx.clone();
    match effect {
        Effect::LoadChoices => effects::load_choices(tx),
        Effect::CompletePath { input } => effects::complete_path(tx, input),
        Effect::ListModels { spec } => effects::list_models(tx, *spec),
        Effect::OpenSession { dir } => effects::open_session(tx, dir),
        Effect::PrepareRun { generation, spec } => effects::prepare(tx, generation, *spec),
        Effect::CheckRun { key, spec } => effects::check_run(tx, key, *spec),
        Effect::CopyToClipboard { text } => crate::tui::external::copy_to_clipboard(&text),
        Effect::OpenExternally { path } => crate::tui::external::open_externally(tx, path),
        Effect::StartRun { generation, spec } => match io.prepared.get(&generation) {
            Some(prepared) => {
                if let Some(old) = io.run.take() {
                    old.stop();
                }
                io.forwarder = Some(effects::start_run(tx, *spec, Arc::clone(prepared)));
            }
            None => effects::refuse_start(&tx, generation),
        },
        Effect::PauseRun => {
            if let Some(handle) = &io.run {
                handle.pause();
            }
        }
        Effect::ResumeRun => {
            if let Some(handle) = &io.run {
                handle.resume();
            }
        }
        Effect::StopRun => {
            if let Some(handle) = &io.run {
                handle.stop();
            }
        }
        Effect::RequestPreview { path } => io.previews.request(path),
        Effect::SavePrompt {
            dir,
            text,
            fingerprint,
        } => effects::save_prompt(tx, dir, text, fingerprint),
        Effect::ExportReport {
            dir,
            format,
            with_corrections,
        } => effects::export_report(tx, dir, format, with_corrections),
        Effect::EditExternally { text } => io.external_edit = Some(text),
        Effect::ListVersions { dir, datasets } => effects::list_versions(tx, dir, datasets),
        Effect::CompareSessions { a, b } => effects::compare_sessions(tx, a, b),
        Effect::SaveCorrection { dir, entry } => effects::save_correction(tx, dir, entry),
        Effect::LoadPrior { key } => effects::load_prior(tx, key),
        Effect::SavePrior { prior } => effects::save_prior(tx, prior),
        Effect::Probe { id, spec, n } => {
            if let Some(old) = io.probe.replace(effects::probe(tx, id, *spec, n)) {
                old.abort();
            }
        }
        Effect::StopProbe => {
            if let Some(probe) = io.probe.take() {
                probe.abort();
            }
        }
        Effect::Quit => io.quit = true,
    }
}

/// The binary's inputs: the keys typed ahead during the start-up terminal query, then
/// crossterm's terminal events, and SIGINT, SIGTERM or SIGHUP whenever they come.
pub fn terminal_inputs(typed_ahead: Vec<Event>) -> crate::tui::inputs::TerminalInputs {
    crate::tui::inputs::TerminalInputs::new(typed_ahead)
}

/// What the runtime needs from its inputs besides events: lending the terminal to another
/// program (the external editor) and taking it back.
pub trait Handover {
    /// Stops reading keys and leaves full-screen mode, so another program owns the terminal.
    fn suspend(&mut self) -> std::io::Result<()>;
    /// Takes the terminal back into full-screen mode with a cleared screen (keys are not read
    /// yet).
    fn resume(&mut self) -> std::io::Result<()>;
    /// Reads keys again.
    fn listen(&mut self);
}

/// Scripted inputs (tests): there is no real terminal to hand over, so nothing to do.
pub struct Scripted<S>(pub S);

impl<S: Stream<Item = Input> + Unpin> Stream for Scripted<S> {
    type Item = Input;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Input>> {
        self.0.poll_next_unpin(cx)
    }
}

impl<S> Handover for Scripted<S> {
    fn suspend(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    fn resume(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    fn listen(&mut self) {}
}

/// Runs the user's editor on `text` with the terminal handed over, and takes the terminal
/// back whatever the editor did; the next frame is drawn whole. Fails only when the terminal
/// cannot be taken back (the workbench then ends and its guard restores the terminal).
async fn edit_externally<B, S>(
    terminal: &mut Terminal<B>,
    inputs: &mut S,
    text: String,
) -> anyhow::Result<Msg>
where
    B: TermBackend,
    S: Handover,
{
    let editor = external_editor::editor_command();
    let suspended = inputs.suspend();
    let edited = match suspended {
        Ok(()) => {
            let command = editor.clone();
            tokio::task::spawn_blocking(move || external_editor::run(&command, &text))
                .await
                .unwrap_or_else(|e| external_editor::Edited {
                    text: None,
                    error: Some(format!("the editor `{editor}` could not be run: {e}")),
                })
        }
        Err(e) => external_editor::Edited {
            text: None,
            error: Some(format!(
                "could not hand the terminal to the editor `{editor}`: {e}"
            )),
        },
    };
    inputs
        .resume()
        .map_err(|e| anyhow::anyhow!("taking the terminal back from the editor failed: {e}"))?;
    // The screen was cleared on resume; a blank frame makes the next one draw every cell.
    // (`Terminal::clear` would ask the terminal for its cursor position, which can go
    // unanswered right after another program had the terminal.)
    terminal
        .draw(|_| {})
        .map_err(|e| anyhow::anyhow!("redrawing the terminal failed: {e}"))?;
    inputs.listen();
    Ok(Msg::ExternallyEdited(edited))
}
