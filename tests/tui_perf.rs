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

#[test]
fn run_screen_frame_with_images_stays_fast_while_results_stream() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use squint::engine::RunEvent;
    use squint::tui::msg::Msg;
    use squint::tui::update::update;

    let (mut model, _) = fixtures::running(250, 70, 100, 4, 0, 0, 0);
    let items = model.run.prepared.as_ref().unwrap().items.clone();
    let dir = tempfile::tempdir().unwrap();
    for item in &items {
        let path = dir.path().join(&*item.rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        image::GrayImage::from_fn(28, 28, |x, y| image::Luma([(x * y % 256) as u8]))
            .save(&path)
            .unwrap();
    }
    model.run.dataset_root = dir.path().to_path_buf();
    let answers = squint::tui::term_query::Answers::default();
    let mut previews = squint::tui::images::Previews::new(
        squint::tui::preview::ImageProtocolChoice::Halfblocks,
        &answers,
    );
    update(
        &mut model,
        Msg::KeyPressed(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
    );
    let mut terminal = Terminal::new(TestBackend::new(250, 70)).unwrap();
    let mut worst = std::time::Duration::ZERO;
    let mut thumbs = 0;
    for frame in 0..60 {
        // 200 results a second: about 7 per 33 ms frame, with 8 in flight.
        for k in 0..7 {
            let i = (frame * 7 + k) % items.len();
            let j = (i + 8) % items.len();
            let item = &items[i];
            update(
                &mut model,
                Msg::Run(RunEvent::ItemFinished {
                    index: i,
                    result: fixtures::result(&item.rel, &item.truth, Some(&item.truth)),
                    replayed: false,
                }),
            );
            update(
                &mut model,
                Msg::Run(RunEvent::ItemStarted {
                    index: j,
                    image: items[j].rel.to_string(),
                    truth: items[j].truth.to_string(),
                }),
            );
        }
        let start = Instant::now();
        update(
            &mut model,
            Msg::KeyPressed(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
        );
        terminal
            .draw(|f| {
                let slots = squint::tui::view::render(f, &model);
                thumbs += slots.thumbnails.len();
                previews.draw_all(f, &slots);
            })
            .unwrap();
        worst = worst.max(start.elapsed());
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    eprintln!("run screen with images, key to frame: worst {worst:?} (debug build)");
    assert!(thumbs > 0, "thumbnails were drawn");
    assert!(worst.as_millis() < 200, "{worst:?}");
}
