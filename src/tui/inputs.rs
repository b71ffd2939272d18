//! The binary's inputs: the keys typed ahead during the start-up terminal query, then
//! crossterm's terminal events, and SIGINT, SIGTERM or SIGHUP whenever they come. The terminal
//! can be handed to another program (an external editor): key reading stops (crossterm's
//! reader is dropped, so it steals no keystroke from the editor) and full-screen mode is left,
//! then both come back. Never draws and never touches the model.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use ratatui::crossterm::cursor::Hide;
use ratatui::crossterm::event::{EnableBracketedPaste, Event, EventStream};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{Clear, ClearType, EnterAlternateScreen, enable_raw_mode};

use crate::tui::runtime::{Handover, Input};
use crate::tui::terminal;

/// Terminal events and signals, with the terminal lendable to another program.
pub struct TerminalInputs {
    typed: VecDeque<Event>,
    /// Crossterm's reader; `None` while the terminal is handed over.
    events: Option<EventStream>,
    /// The terminal's input ended or failed (said once; signals still come).
    ended: bool,
    signal: Pin<Box<dyn Future<Output = ()> + Send>>,
    signalled: bool,
}

impl TerminalInputs {
    /// Starts reading: `typed_ahead` first, then the terminal.
    pub fn new(typed_ahead: Vec<Event>) -> TerminalInputs {
        TerminalInputs {
            typed: typed_ahead.into(),
            events: Some(EventStream::new()),
            ended: false,
            signal: Box::pin(signal()),
            signalled: false,
        }
    }
}

impl Stream for TerminalInputs {
    type Item = Input;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Input>> {
        let this = &mut *self;
        if let Some(event) = this.typed.pop_front() {
            return Poll::Ready(Some(Input::Terminal(event)));
        }
        if !this.signalled && this.signal.as_mut().poll(cx).is_ready() {
            this.signalled = true;
            return Poll::Ready(Some(Input::Signal));
        }
        if this.ended {
            return Poll::Pending;
        }
        let Some(events) = &mut this.events else {
            // Handed over: the runtime polls again once the terminal is back.
            return Poll::Pending;
        };
        match events.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(event))) => Poll::Ready(Some(Input::Terminal(event))),
            Poll::Ready(Some(Err(e))) => {
                this.ended = true;
                Poll::Ready(Some(Input::Lost(e.to_string())))
            }
            Poll::Ready(None) => {
                this.ended = true;
                Poll::Ready(Some(Input::Lost("the terminal closed".to_owned())))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Handover for TerminalInputs {
    fn suspend(&mut self) -> io::Result<()> {
        // Dropping the reader stops its background poll of the terminal.
        self.events = None;
        terminal::restore();
        Ok(())
    }

    fn resume(&mut self) -> io::Result<()> {
        enable_raw_mode()?;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            Hide,
            Clear(ClearType::All)
        )?;
        Ok(())
    }

    fn listen(&mut self) {
        if self.events.is_none() {
            self.events = Some(EventStream::new());
        }
    }
}

/// Resolves on SIGINT, SIGTERM or SIGHUP (Ctrl-C elsewhere); never when none can be watched.
async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
        ) else {
            return std::future::pending().await;
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
            std::future::pending::<()>().await;
        }
    }
}
