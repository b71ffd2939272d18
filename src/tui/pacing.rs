//! When the workbench draws and when it wakes up. Draw on change: at once after a key, paste
//! or resize (a key shows within one frame), otherwise at most once per [`FRAME`] while events
//! stream; wake for the clock only while something on screen moves with time (an active run's
//! elapsed time, rate and ETA once a second, a notice when it expires). An idle workbench
//! sleeps until the next input.
//!
//! Pure: takes the model and instants, never reads the clock, never draws, never changes the model.

use std::time::{Duration, Instant};

use crate::tui::model::{Level, Model, RunPhase};
use crate::tui::update::NOTICE_SECS;

/// Shortest time between two frames while events stream (about 30 per second).
pub const FRAME: Duration = Duration::from_millis(33);
/// How often an active run's clock-driven figures (elapsed, rate, ETA) are redrawn when no
/// event arrives.
pub const CLOCK: Duration = Duration::from_secs(1);

/// Whether a dirty model is drawn now: at once when a person is waiting for it (`urgent`: a
/// key, paste or resize was handled), else only once a frame has passed since the last draw.
pub fn draw_due(model: &Model, last_draw: Option<Instant>, urgent: bool, now: Instant) -> bool {
    model.dirty && (urgent || last_draw.is_none_or(|at| now >= at + FRAME))
}

/// The next instant the loop must wake without any input: the capped frame of a dirty model,
/// the next second of an active run, the expiry of the oldest notice. `None`: sleep until
/// something arrives.
pub fn next_wake(model: &Model, last_draw: Option<Instant>) -> Option<Instant> {
    let frame = model
        .dirty
        .then(|| last_draw.map(|at| at + FRAME))
        .flatten();
    [frame, clock_wake(model)].into_iter().flatten().min()
}

/// When the clock next changes what is on screen, judged from the last tick (`model.now`).
fn clock_wake(model: &Model) -> Option<Instant> {
    let now = model.now?;
    let run =
        matches!(model.run.phase, RunPhase::Running | RunPhase::Connecting).then(|| now + CLOCK);
    let notice = model
        .notices
        .iter()
        .filter(|n| n.level != Level::Error)
        .filter_map(|n| n.at)
        .map(|at| at + Duration::from_secs(NOTICE_SECS))
        .min();
    [run, notice].into_iter().flatten().min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;
    use crate::tui::msg::Msg;
    use crate::tui::update::update;

    fn drawn_at(t0: Instant) -> Model {
        let mut m = fixtures::model(80, 24);
        update(&mut m, Msg::Ticked(t0));
        update(&mut m, Msg::FrameDrawn);
        m
    }

    #[test]
    fn an_idle_workbench_never_wakes_and_never_draws() {
        let t0 = Instant::now();
        let m = drawn_at(t0);
        assert!(!m.dirty);
        assert_eq!(next_wake(&m, Some(t0)), None);
        assert!(!draw_due(&m, Some(t0), true, t0 + FRAME * 100));
    }

    #[test]
    fn a_key_draws_at_once_streamed_events_once_a_frame() {
        let t0 = Instant::now();
        let mut m = drawn_at(t0);
        update(
            &mut m,
            Msg::Resized {
                width: 80,
                height: 24,
            },
        );
        let soon = t0 + Duration::from_millis(1);
        assert!(
            draw_due(&m, Some(t0), true, soon),
            "a key waits for no frame"
        );
        assert!(!draw_due(&m, Some(t0), false, soon), "events are capped");
        assert!(draw_due(&m, Some(t0), false, t0 + FRAME));
        assert!(
            draw_due(&m, None, false, soon),
            "the first frame is never held back"
        );
        assert_eq!(next_wake(&m, Some(t0)), Some(t0 + FRAME));
    }

    #[test]
    fn an_active_run_wakes_once_a_second() {
        let t0 = Instant::now();
        let mut m = drawn_at(t0);
        for (phase, wakes) in [
            (RunPhase::Running, true),
            (RunPhase::Connecting, true),
            (RunPhase::Paused, false),
            (RunPhase::Finished { interrupted: false }, false),
        ] {
            m.run.phase = phase;
            let expected = wakes.then_some(t0 + CLOCK);
            assert_eq!(next_wake(&m, Some(t0)), expected, "{:?}", m.run.phase);
        }
    }

    #[test]
    fn a_notice_wakes_the_loop_when_it_expires_an_error_never() {
        let t0 = Instant::now();
        let mut m = drawn_at(t0);
        m.notify(Level::Error, "stays until dismissed");
        update(&mut m, Msg::FrameDrawn);
        assert_eq!(next_wake(&m, Some(t0)), None);
        m.notify(Level::Info, "goes away");
        update(&mut m, Msg::FrameDrawn);
        let expiry = t0 + Duration::from_secs(NOTICE_SECS);
        assert_eq!(next_wake(&m, Some(t0)), Some(expiry));
        update(&mut m, Msg::Ticked(expiry));
        assert!(m.dirty, "the expired notice is taken off the screen");
        assert_eq!(m.notices.len(), 1);
    }
}
