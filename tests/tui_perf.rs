//! Frame-time check of the run screen with 100 classes and 100k results under `TestBackend`:
//! per-frame work must not grow with the number of results. Prints the measured figure; the
//! bound here is loose because tests run unoptimised (the release benchmark is the real one).

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use squint::tui::render_run_screen_for_bench;

#[test]
fn run_screen_frame_is_fast_with_100_classes_and_100k_results() {
    let (mut model, _) = fixtures::running(250, 70, 100, 1000, 100_000, 8, 600);
    model.matrix.mode = squint::tui::model::MatrixMode::Full; // the scrolling full matrix
    model.matrix.cursor = squint::tui::model::MatrixCursor { row: 60, col: 70 };
    assert_eq!(model.run.tally.done(), 100_000);
    let mut terminal = Terminal::new(TestBackend::new(250, 70)).expect("terminal");
    // Warm up, then time.
    terminal
        .draw(|f| render_run_screen_for_bench(f, &model))
        .expect("draw");
    let frames = 20;
    let start = Instant::now();
    for _ in 0..frames {
        terminal
            .draw(|f| render_run_screen_for_bench(f, &model))
            .expect("draw");
    }
    let per_frame = start.elapsed() / frames;
    eprintln!(
        "run screen, 100 classes, 100k results, 250x70: {per_frame:?} per frame (debug build)"
    );
    assert!(per_frame.as_millis() < 100, "{per_frame:?} per frame");
}
