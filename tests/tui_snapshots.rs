//! Whole frames of the workbench under ratatui's `TestBackend`: insta text snapshots at fixed
//! sizes (the clock is injected through `Msg::Ticked`, so rates and ETAs are fixed), a few
//! cell-colour assertions (text snapshots drop colour), and a sweep of sizes from 1x1 to
//! 250x70 on every screen that must never panic.

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;

use squint::domain::result::{ErrorKind, ItemError};
use squint::engine::events::RunEvent;
use squint::tui::model::{Level, MatrixCursor, Model, ModelsStatus, Overlay, Screen};
use squint::tui::msg::{Choice, Choices, ModelChoice, Msg};
use squint::tui::theme::{Shade, Theme};
use squint::tui::update::update;
use squint::tui::view;

fn draw(model: &Model) -> Terminal<TestBackend> {
    let mut terminal =
        Terminal::new(TestBackend::new(model.size.0, model.size.1)).expect("test terminal");
    terminal
        .draw(|f| {
            view::render(f, model);
        })
        .expect("draw");
    terminal
}

fn screen_text(buf: &Buffer) -> String {
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn key(model: &mut Model, code: KeyCode) {
    update(
        model,
        Msg::KeyPressed(KeyEvent::new(code, KeyModifiers::NONE)),
    );
}

fn start_model(width: u16, height: u16) -> Model {
    let mut m = fixtures::model(width, height);
    squint::tui::update::init(&mut m);
    let choices = Choices {
        datasets: vec![
            Choice {
                label: "sample: digits".into(),
                value: "sample-data/digits".into(),
            },
            Choice {
                label: "recent: /home/me/pets".into(),
                value: "/home/me/pets".into(),
            },
        ],
        templates: vec![Choice {
            label: "bundled: digits".into(),
            value: "digits".into(),
        }],
        sessions: Vec::new(),
    };
    update(&mut m, Msg::ChoicesLoaded(choices));
    m
}

/// Finds the first cell whose symbol run equals `text` on row `y`; returns its x.
fn find(buf: &Buffer, y: u16, text: &str) -> Option<u16> {
    let width = buf.area.width;
    let row: Vec<String> = (0..width)
        .map(|x| buf[(x, y)].symbol().to_owned())
        .collect();
    let line = row.concat();
    let byte = line.find(text)?;
    // Convert the byte offset back to a column (all symbols here are one column wide).
    let mut acc = 0;
    for (x, s) in row.iter().enumerate() {
        if acc == byte {
            return Some(x as u16);
        }
        acc += s.len();
    }
    None
}

#[test]
fn start_screen() {
    let mut m = start_model(100, 30);
    update(
        &mut m,
        Msg::ModelsListed {
            host: "http://127.0.0.1:11434".into(),
            result: Err("connection refused".into()),
        },
    );
    insta::assert_snapshot!("start_unreachable", draw(&m).backend());
    update(
        &mut m,
        Msg::ModelsListed {
            host: "http://127.0.0.1:11434".into(),
            result: Ok(vec![
                ModelChoice {
                    name: "llava:7b".into(),
                    vision: Some(true),
                },
                ModelChoice {
                    name: "llama3".into(),
                    vision: Some(false),
                },
            ]),
        },
    );
    assert!(matches!(m.start.models, ModelsStatus::Listed(_)));
    insta::assert_snapshot!("start_models", draw(&m).backend());
}

#[test]
fn run_screen_mid_run() {
    let (m, _) = fixtures::running(120, 40, 10, 50, 137, 3, 60);
    insta::assert_snapshot!("run_mid", draw(&m).backend());
}

#[test]
fn run_screen_finished() {
    let (mut m, t0) = fixtures::running(120, 40, 10, 20, 200, 0, 80);
    update(&mut m, Msg::Run(RunEvent::Finished { interrupted: false }));
    update(&mut m, Msg::Ticked(t0 + Duration::from_secs(500)));
    insta::assert_snapshot!("run_finished", draw(&m).backend());
}

#[test]
fn drill_down_on_a_wrong_cell() {
    let (mut m, _) = fixtures::running(120, 40, 10, 20, 200, 0, 80);
    m.matrix.cursor = MatrixCursor { row: 2, col: 4 }; // true 1 → predicted 3
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Drill);
    key(&mut m, KeyCode::Char('j'));
    insta::assert_snapshot!("drill", draw(&m).backend());
}

/// A finished run of exactly `results` (labels `0`..`9`), the clock at 20 s; an image with an
/// empty truth is unlabeled (with only such images, the run screen shows proposals).
fn finished_with(
    width: u16,
    height: u16,
    results: Vec<squint::domain::result::ItemResult>,
) -> Model {
    let items: Vec<(String, String)> = results
        .iter()
        .map(|r| (r.image.clone(), r.truth.clone()))
        .collect();
    let (mut m, t0) = started_with(width, height, &items);
    for (index, result) in results.into_iter().enumerate() {
        update(
            &mut m,
            Msg::Run(RunEvent::ItemFinished {
                index,
                result,
                replayed: false,
            }),
        );
    }
    update(&mut m, Msg::Run(RunEvent::Finished { interrupted: false }));
    update(&mut m, Msg::Ticked(t0 + Duration::from_secs(20)));
    m
}

/// A started run over `items` (image, truth; labels `0`..`9`) with nothing finished yet.
fn started_with(
    width: u16,
    height: u16,
    items: &[(String, String)],
) -> (Model, std::time::Instant) {
    let mut m = fixtures::model(width, height);
    let labels = fixtures::labels(10);
    let dataset_items: Vec<squint::dataset::DatasetItem> = items
        .iter()
        .map(|(image, truth)| squint::dataset::DatasetItem::new(image, truth))
        .collect();
    let mut info = fixtures::prepared(&labels, 0);
    info.items =
        squint::dataset::RunItems::from_items(std::path::Path::new("/data"), dataset_items);
    info.class_counts.clear();
    for (_, truth) in items.iter().filter(|(_, t)| !t.is_empty()) {
        match info.class_counts.iter_mut().find(|(l, _)| l == truth) {
            Some((_, n)) => *n += 1,
            None => info.class_counts.push((truth.clone(), 1)),
        }
    }
    info.to_ask = items.len();
    let t0 = std::time::Instant::now();
    update(&mut m, Msg::Ticked(t0));
    update(
        &mut m,
        Msg::Prepared {
            generation: 0,
            result: Ok(info),
        },
    );
    m.screen = Screen::Run;
    update(
        &mut m,
        Msg::RunStarted(Ok(squint::tui::msg::StartedInfo {
            session_dir: std::path::PathBuf::from("/sessions/scans"),
            host: "http://127.0.0.1:11434".to_owned(),
            model: "llava".to_owned(),
            model_digest: None,
            corrections: None,
        })),
    );
    update(
        &mut m,
        Msg::Run(RunEvent::Started {
            total: items.len(),
            already_done: 0,
        }),
    );
    (m, t0)
}

/// An unlabeled folder's run: ten images with no truth, answered (one unparsed).
fn unlabeled_finished(width: u16, height: u16) -> Model {
    let labels = fixtures::labels(10);
    let results = (0..10)
        .map(|k| {
            let label = (k != 1).then(|| labels[(k * 3) % 10].clone());
            fixtures::result(&format!("scan{k:02}.png"), "", label.as_deref())
        })
        .collect();
    finished_with(width, height, results)
}

/// An unknown truth is `?` in the review's list and answer pane, as in the run screen's lists,
/// never blank.
#[test]
fn review_of_an_unlabeled_folder_shows_the_unknown_truth_as_a_question_mark() {
    let mut m = unlabeled_finished(80, 24);
    assert!(m.run.truth_unknown());
    key(&mut m, KeyCode::Char('R'));
    assert_eq!(m.screen, Screen::Drill);
    let terminal = draw(&m);
    let screen = screen_text(terminal.backend().buffer());
    assert!(screen.contains("true ?"), "the answer pane: {screen}");
    assert!(screen.contains("?→"), "the list: {screen}");
    insta::assert_snapshot!("review_unlabeled_80x24", terminal.backend());
    // The run screen's latest finished item, shown large: a proposal, not "wrong".
    let m = unlabeled_finished(160, 48);
    let screen = screen_text(draw(&m).backend().buffer());
    assert!(
        screen.contains("true ? → 7 (whole_word) proposal"),
        "{screen}"
    );
    assert!(!screen.contains("wrong"), "{screen}");
    // Items in flight, at both widths (one pane or two).
    let flat = [("scan00.png".to_owned(), String::new())];
    for (w, h) in [(80, 24), (160, 48)] {
        let (mut m, _) = started_with(w, h, &flat);
        update(
            &mut m,
            Msg::Run(RunEvent::ItemStarted {
                index: 0,
                image: "scan00.png".to_owned(),
                truth: String::new(),
            }),
        );
        let screen = screen_text(draw(&m).backend().buffer());
        assert!(screen.contains("scan00.png [?]"), "{w}x{h}: {screen}");
    }
}

/// Imported results (`squint import`: no attempt, not cached) have no latency: `–` in the live
/// list, the latest finished item and the drill-down's answer pane, never `0ms`; a cached
/// answer keeps its own.
#[test]
fn imported_results_show_an_unknown_latency() {
    let imported = |image: &str, truth: &str, label: &str| {
        let mut r = fixtures::result(image, truth, Some(label));
        r.parse = Some(squint::domain::parse::ParseStep::Imported);
        r.answer = label.to_owned();
        (r.attempts, r.latency_ms, r.eval_count, r.prompt_eval_count) = (0, 0, None, None);
        r
    };
    let mut cached = fixtures::result("1/c.png", "1", Some("1"));
    (cached.attempts, cached.cached, cached.latency_ms) = (0, true, 2);
    let results = vec![
        imported("1/a.png", "1", "1"),
        imported("2/b.png", "2", "3"),
        cached,
        imported("3/d.png", "3", "3"),
    ];
    for (w, h) in [(80, 24), (160, 48)] {
        let mut m = finished_with(w, h, results.clone());
        let screen = screen_text(draw(&m).backend().buffer());
        assert!(!screen.contains("imported 0ms"), "{w}x{h}: {screen}");
        assert!(
            screen.contains("imported –"),
            "{w}x{h}: the live list: {screen}"
        );
        assert!(screen.contains("2ms cached"), "{w}x{h}: {screen}");
        if w == 160 {
            assert!(
                screen.contains("right · –"),
                "the latest finished: {screen}"
            );
        }
        m.matrix.cursor = MatrixCursor { row: 2, col: 0 }; // every image of true 1
        key(&mut m, KeyCode::Enter);
        assert_eq!(m.screen, Screen::Drill);
        let screen = screen_text(draw(&m).backend().buffer());
        assert!(screen.contains("latency –"), "{w}x{h}: {screen}");
        assert!(!screen.contains("latency 0ms"), "{w}x{h}: {screen}");
    }
}

#[test]
fn start_screen_with_run_size_and_checks_at_both_sizes() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut m = start_model(w, h);
        update(
            &mut m,
            Msg::ModelsListed {
                host: "http://127.0.0.1:8080/v1".into(),
                result: Ok(vec![ModelChoice {
                    name: "my-vlm".into(),
                    vision: None,
                }]),
            },
        );
        let key_of = m.start.checked.clone();
        update(
            &mut m,
            Msg::RunChecked {
                key: key_of,
                result: Ok(vec![
                    "the system prompt's example answer \"3\" may pull answers toward 3".into(),
                ]),
            },
        );
        m.start.concurrency = "4".into();
        m.start.limit_per_class = "20".into();
        insta::assert_snapshot!(format!("start_{w}x{h}"), draw(&m).backend());
    }
}

#[test]
fn drill_down_sorted_and_searched_at_both_sizes() {
    for (w, h) in [(80, 24), (160, 48)] {
        let (mut m, _) = fixtures::running(w, h, 10, 20, 200, 0, 80);
        m.matrix.cursor = MatrixCursor { row: 2, col: 0 }; // every image of true 1
        key(&mut m, KeyCode::Enter);
        assert_eq!(m.screen, Screen::Drill);
        key(&mut m, KeyCode::Char('s'));
        key(&mut m, KeyCode::Char('s'));
        key(&mut m, KeyCode::Char('/'));
        for c in "img_001".chars() {
            key(&mut m, KeyCode::Char(c));
        }
        insta::assert_snapshot!(format!("drill_search_{w}x{h}"), draw(&m).backend());
    }
}

#[test]
fn help_overlay() {
    let (mut m, _) = fixtures::running(100, 30, 5, 10, 20, 1, 10);
    key(&mut m, KeyCode::Char('?'));
    assert_eq!(m.overlay, Some(Overlay::Help));
    insta::assert_snapshot!("help", draw(&m).backend());
}

/// The workbench on each screen that has its own keys, at `width`x`height`.
fn every_screen(width: u16, height: u16) -> Vec<Model> {
    let start = start_model(width, height);
    let mut browse = start_model(width, height);
    key(&mut browse, KeyCode::Enter);
    let generation = browse.run.generation;
    update(
        &mut browse,
        Msg::Prepared {
            generation,
            result: Ok(fixtures::prepared(&fixtures::labels(3), 4)),
        },
    );
    let running = || fixtures::running(width, height, 5, 10, 40, 0, 10).0;
    let run = running();
    let mut drill = running();
    drill.matrix.cursor = MatrixCursor { row: 1, col: 0 };
    key(&mut drill, KeyCode::Enter);
    let mut prompt = running();
    key(&mut prompt, KeyCode::Char('p'));
    let models = vec![start, browse, run, drill, prompt];
    let screens: Vec<Screen> = models.iter().map(|m| m.screen).collect();
    assert_eq!(
        screens,
        [
            Screen::Start,
            Screen::Browse,
            Screen::Run,
            Screen::Drill,
            Screen::Prompt
        ]
    );
    models
}

/// True when a line of `text` shows `keys` followed by `description`'s first word.
fn lists(text: &str, keys: &str, description: &str) -> bool {
    let word = description.split(' ').next().unwrap_or_default();
    text.lines().any(|line| {
        line.match_indices(keys)
            .any(|(i, _)| line[i + keys.len()..].trim_start().starts_with(word))
    })
}

/// True when the help's border says rows are hidden in `direction` (`↓ 6 more`).
fn cue(text: &str, direction: &str) -> bool {
    let cue = format!("{direction} ");
    text.match_indices(&cue).any(|(i, _)| {
        let rest = &text[i + cue.len()..];
        rest.starts_with(|c: char| c.is_ascii_digit()) && rest.contains(" more")
    })
}

/// Every key of the screen under the help can be read, at 80x24, at large sizes and on short
/// terminals (which stand in for a keymap that grows): all at once, in columns when the
/// terminal is wide, or by scrolling, with a "more" cue in the border while rows are hidden.
#[test]
fn help_holds_every_key_at_every_size() {
    for (w, h) in [(80, 24), (160, 48), (80, 14), (200, 16), (60, 30)] {
        for mut m in every_screen(w, h) {
            let entries = m.keymap.help(squint::tui::update::key_context(m.screen));
            match m.screen {
                Screen::Prompt => key(&mut m, KeyCode::F(1)),
                Screen::Start => {
                    // Past the typed dataset and template fields, to the backend choice.
                    key(&mut m, KeyCode::Down);
                    key(&mut m, KeyCode::Down);
                    key(&mut m, KeyCode::Char('?'));
                }
                _ => key(&mut m, KeyCode::Char('?')),
            }
            assert_eq!(m.overlay, Some(Overlay::Help), "{w}x{h} {:?}", m.screen);
            let mut seen = String::new();
            let mut pages = 0;
            loop {
                let text = screen_text(draw(&m).backend().buffer());
                assert!(text.contains("Keys · Esc closes"), "{text}");
                let before = m.help_scroll;
                key(&mut m, KeyCode::Down);
                let more = cue(&text, "↓");
                if m.help_scroll == before {
                    assert!(!more, "a cue for nothing at {w}x{h}:\n{text}");
                    seen += &text;
                    break;
                }
                assert!(more, "no cue while rows are hidden at {w}x{h}:\n{text}");
                seen += &text;
                pages += 1;
            }
            for entry in &entries {
                assert!(
                    lists(&seen, &entry.keys, entry.description),
                    "{w}x{h} {:?}: {} ({}) never shown",
                    m.screen,
                    entry.keys,
                    entry.description
                );
            }
            if (w, h) == (160, 48) {
                assert_eq!(pages, 0, "everything fits at 160x48 on {:?}", m.screen);
            }
            // End and Home jump, k and the cue come back.
            key(&mut m, KeyCode::End);
            let end = m.help_scroll;
            key(&mut m, KeyCode::Home);
            assert_eq!(m.help_scroll, 0);
            if end > 0 {
                key(&mut m, KeyCode::End);
                let text = screen_text(draw(&m).backend().buffer());
                assert!(cue(&text, "↑") && !cue(&text, "↓"), "{text}");
            }
        }
    }
}

/// A terminal as wide as two columns of keys but too short for one shows them side by side,
/// grouped under their screen's heading, without scrolling.
#[test]
fn help_uses_columns_when_wide_and_short() {
    let (mut m, _) = fixtures::running(200, 18, 5, 10, 40, 0, 10);
    key(&mut m, KeyCode::Char('?'));
    let text = screen_text(draw(&m).backend().buffer());
    assert!(
        text.contains("Run screen") && text.contains("Everywhere"),
        "{text}"
    );
    assert!(!cue(&text, "↓"), "{text}");
    let row = text
        .lines()
        .find(|l| l.contains("move up"))
        .expect("a row with move up");
    assert!(row.matches("  ").count() > 2, "{row}");
    insta::assert_snapshot!("help_columns_200x18", draw(&m).backend());
}

#[test]
fn help_at_80x24_scrolls() {
    let (mut m, _) = fixtures::running(80, 24, 5, 10, 40, 0, 10);
    key(&mut m, KeyCode::Char('?'));
    insta::assert_snapshot!("help_80x24", draw(&m).backend());
    key(&mut m, KeyCode::End);
    insta::assert_snapshot!("help_80x24_end", draw(&m).backend());
}

#[test]
fn error_notice() {
    let (mut m, _) = fixtures::running(100, 30, 5, 10, 20, 0, 10);
    update(
        &mut m,
        Msg::Run(RunEvent::Aborted {
            error: ItemError::new(
                ErrorKind::Unreachable,
                "server http://127.0.0.1:11434 unreachable after 3 retries: start it with `ollama serve`",
            ),
        }),
    );
    update(&mut m, Msg::Run(RunEvent::Finished { interrupted: true }));
    assert_eq!(m.notices.back().map(|n| n.level), Some(Level::Error));
    insta::assert_snapshot!("error_notice", draw(&m).backend());
}

#[test]
fn small_terminal_80x24() {
    let (m, _) = fixtures::running(80, 24, 10, 50, 123, 2, 40);
    insta::assert_snapshot!("run_80x24", draw(&m).backend());
}

#[test]
fn browse_screen() {
    let mut m = start_model(100, 30);
    key(&mut m, KeyCode::Enter);
    let info = fixtures::prepared(&fixtures::labels(4), 5);
    let generation = m.run.generation;
    update(
        &mut m,
        Msg::Prepared {
            generation,
            result: Ok(info),
        },
    );
    assert_eq!(m.screen, Screen::Browse);
    key(&mut m, KeyCode::Char('j'));
    insta::assert_snapshot!("browse", draw(&m).backend());
}

#[test]
fn many_classes_show_confused_pairs() {
    let (m, _) = fixtures::running(120, 40, 40, 10, 400, 0, 80);
    insta::assert_snapshot!("pairs", draw(&m).backend());
}

#[test]
fn light_theme_with_colours() {
    let (mut m, _) = fixtures::running(80, 24, 3, 10, 30, 0, 20);
    // `--theme auto` (the default) on a terminal that answered with a light background.
    let (light, warnings) = Theme::load_for(None, None, false, Shade::Light);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(light.name, "light");
    m.theme = light;
    let terminal = draw(&m);
    // The Debug form of a buffer lists every style run, so this snapshot keeps the colours.
    insta::assert_snapshot!("light_theme", format!("{:?}", terminal.backend().buffer()));
}

#[test]
fn heat_map_and_error_colours() {
    let (mut m, _) = fixtures::running(120, 40, 3, 20, 60, 0, 30);
    m.matrix.cursor = MatrixCursor { row: 3, col: 4 }; // away from the corner and row 0
    let terminal = draw(&m);
    let buf = terminal.backend().buffer();
    // Header row of the matrix is the first row inside the border (y = 1).
    let corner_x = find(buf, 1, "✗").expect("error count in the corner");
    assert_eq!(
        buf[(corner_x, 1)].fg,
        m.theme.error.fg.unwrap_or(Color::Reset)
    );
    // Row of true "0" (y = 2): the diagonal cell's background is the heat colour of its rate.
    let metrics = &m.run.tally.metrics;
    let rate = metrics.count("0", "0") as f64 / metrics.true_count("0") as f64;
    let want = m.theme.heat(rate).bg.expect("heat colour");
    let n = metrics.count("0", "0").to_string();
    let label_w = 4; // "0" padded to the minimum label width
    let x = (1..buf.area.width)
        .find(|&x| x > label_w && buf[(x, 2)].symbol() == &n[..1])
        .expect("diagonal count");
    assert_eq!(buf[(x, 2)].bg, want);
    // A zero cell has no heat background.
    let (zx, zy) = (2..6)
        .find_map(|y| find(buf, y, "·").map(|x| (x, y)))
        .expect("a zero cell");
    assert_eq!(
        buf[(zx, zy)].bg,
        buf[(0, zy)].bg,
        "zero cells keep the pane background"
    );
}

#[test]
fn model_output_is_sanitised_on_screen() {
    let (m, _) = fixtures::running(120, 40, 3, 10, 5, 2, 5);
    let terminal = draw(&m);
    let text = format!("{}", terminal.backend());
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("The digit shown"), "streamed text is visible");
}

#[test]
fn no_panic_at_any_size() {
    let sizes = [1u16, 2, 3, 5, 8, 13, 20, 24, 40, 70, 80, 120, 250];
    let mut models: Vec<Model> = Vec::new();
    models.push(start_model(80, 24));
    let (run, _) = fixtures::running(80, 24, 12, 10, 100, 2, 10);
    models.push(run);
    let (mut drill, _) = fixtures::running(80, 24, 5, 10, 40, 0, 10);
    drill.matrix.cursor = MatrixCursor { row: 1, col: 0 };
    key(&mut drill, KeyCode::Enter);
    models.push(drill);
    let (mut grid, _) = fixtures::running(80, 24, 5, 10, 40, 0, 10);
    grid.matrix.cursor = MatrixCursor { row: 1, col: 0 };
    key(&mut grid, KeyCode::Enter);
    key(&mut grid, KeyCode::Char('t'));
    key(&mut grid, KeyCode::Char('/'));
    models.push(grid);
    let (mut help, _) = fixtures::running(80, 24, 5, 10, 40, 0, 10);
    key(&mut help, KeyCode::Char('?'));
    models.push(help);
    let (mut full, _) = fixtures::running(80, 24, 5, 10, 40, 0, 10);
    key(&mut full, KeyCode::Enter);
    key(&mut full, KeyCode::Char('o'));
    models.push(full);
    let (mut quit, _) = fixtures::running(80, 24, 5, 10, 40, 1, 10);
    key(&mut quit, KeyCode::Char('q'));
    models.push(quit);
    let (mut pairs, _) = fixtures::running(80, 24, 60, 3, 150, 0, 10);
    pairs.notify(
        Level::Error,
        "a long error message that has to wrap somewhere in a narrow box",
    );
    models.push(pairs);
    let mut browse = start_model(80, 24);
    key(&mut browse, KeyCode::Enter);
    let generation = browse.run.generation;
    update(
        &mut browse,
        Msg::Prepared {
            generation,
            result: Ok(fixtures::prepared(&fixtures::labels(3), 4)),
        },
    );
    models.push(browse);
    for model in &mut models {
        for &w in &sizes {
            for &h in &sizes {
                if h > 70 {
                    continue;
                }
                update(
                    model,
                    Msg::Resized {
                        width: w,
                        height: h,
                    },
                );
                let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
                terminal
                    .draw(|f| {
                        view::render(f, model);
                    })
                    .unwrap_or_else(|e| panic!("{w}x{h} on {:?}: {e}", model.screen));
            }
        }
    }
}

/// Draws `model` as the runtime does: the view, then the preview image into the slot it
/// returns (half-blocks, decoded by the worker thread); draws again once the worker delivered.
fn draw_with_images(
    model: &Model,
    previews: &mut squint::tui::images::Previews,
) -> Terminal<TestBackend> {
    let mut terminal =
        Terminal::new(TestBackend::new(model.size.0, model.size.1)).expect("test terminal");
    let frame = |terminal: &mut Terminal<TestBackend>,
                 previews: &mut squint::tui::images::Previews| {
        terminal
            .draw(|f| {
                let slots = view::render(f, model);
                previews.draw_all(f, &slots);
            })
            .expect("draw");
    };
    frame(&mut terminal, previews);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    // Redraw after each finished image (the preview, then thumbnails) until the worker is
    // quiet; nothing new is asked when the images are already there: the wait times out.
    while runtime
        .block_on(async {
            tokio::time::timeout(Duration::from_millis(1500), previews.next_ready()).await
        })
        .is_ok_and(|m| m.is_some())
    {
        frame(&mut terminal, previews);
    }
    frame(&mut terminal, previews);
    terminal
}

/// A run with `in_flight` items streaming whose images exist under `dir` (the dataset root).
fn running_with_images(dir: &std::path::Path, w: u16, h: u16) -> Model {
    let (mut m, _) = fixtures::running(w, h, 10, 5, 20, 3, 30);
    for item in &m.run.prepared.as_ref().expect("prepared").items {
        let path = dir.join(&*item.rel);
        std::fs::create_dir_all(path.parent().expect("class folder")).expect("mkdir");
        let shade = item.rel.len() as u32 * 9;
        image::RgbImage::from_fn(28, 28, |x, y| {
            image::Rgb([(x * 9) as u8, (y * 9) as u8, (shade % 256) as u8])
        })
        .save(&path)
        .expect("test image");
    }
    m.run.dataset_root = dir.to_path_buf();
    m
}

#[test]
fn run_screen_shows_thumbnails_in_flight_and_the_latest_finished_large() {
    let dir = tempfile::tempdir().expect("temp dir");
    let answers = squint::tui::term_query::Answers::default();
    let mut previews = squint::tui::images::Previews::new(
        squint::tui::preview::ImageProtocolChoice::Halfblocks,
        &answers,
    );
    // 160x48: the matrix takes what it needs, the image pane the rest; each of the three
    // items in flight has its thumbnail beside its streaming answer.
    let m = running_with_images(dir.path(), 160, 48);
    let terminal = draw_with_images(&m, &mut previews);
    let buf = terminal.backend().buffer();
    let slots = {
        let mut t = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
        let mut slots = view::ImageSlots::default();
        t.draw(|f| slots = view::render(f, &m)).expect("draw");
        slots
    };
    let preview = slots.preview.expect("the latest finished is shown large");
    assert!(
        preview.area.width >= 20 && preview.area.height >= 6,
        "{preview:?}"
    );
    assert!(
        half_blocks_in(buf, preview.area) > 40,
        "the large image is drawn"
    );
    assert_eq!(
        slots.thumbnails.len(),
        3,
        "one thumbnail per item in flight"
    );
    for thumb in &slots.thumbnails {
        assert!(
            half_blocks_in(buf, thumb.area) > 4,
            "thumbnail {thumb:?} drawn"
        );
    }
    let screen = screen_text(buf);
    assert!(screen.contains("Latest · "), "{screen}");
    assert!(screen.contains("session /sessions/demo"), "{screen}");
    insta::assert_snapshot!("run_thumbnails_160x48", terminal.backend());

    // 80x24: no room for images: left out, the text panes as before.
    let m = running_with_images(dir.path(), 80, 24);
    let terminal = draw_with_images(&m, &mut previews);
    let buf = terminal.backend().buffer();
    assert_eq!(half_blocks_in(buf, buf.area), 0, "no image at 80x24");
    insta::assert_snapshot!("run_thumbnails_80x24", terminal.backend());

    // Tab, then two steps down: the selected item is shown large and highlighted.
    let mut m = running_with_images(dir.path(), 160, 48);
    key(&mut m, KeyCode::Tab);
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Down);
    let selected = m.live.selected.expect("a selection");
    let image = m.run.results[selected]
        .as_ref()
        .expect("finished")
        .image
        .clone();
    let terminal = draw_with_images(&m, &mut previews);
    let screen = screen_text(terminal.backend().buffer());
    assert!(screen.contains(&format!("Selected · {image}")), "{screen}");
    assert!(
        screen.contains(" pick · ") && screen.contains(" back "),
        "{screen}"
    );
}

/// A drill-down whose selected item has a real image on disk.
fn drill_with_image(dir: &std::path::Path) -> Model {
    let (mut m, _) = fixtures::running(120, 40, 10, 20, 200, 0, 80);
    m.matrix.cursor = MatrixCursor { row: 2, col: 4 };
    key(&mut m, KeyCode::Enter);
    let path = dir.join("digit.png");
    image::RgbImage::from_fn(56, 56, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 4) as u8, 200])
    })
    .save(&path)
    .expect("test image");
    m.preview.wanted = Some(path.clone());
    m.preview.ready = Some(path);
    m
}

fn half_blocks_in(buf: &Buffer, area: ratatui::layout::Rect) -> usize {
    area.positions()
        .filter(|&p| matches!(buf[p].symbol(), "▀" | "▄"))
        .count()
}

#[test]
fn overlays_are_drawn_over_images() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut m = drill_with_image(dir.path());
    let answers = squint::tui::term_query::Answers::default();
    let mut previews = squint::tui::images::Previews::new(
        squint::tui::preview::ImageProtocolChoice::Halfblocks,
        &answers,
    );
    // Without an overlay the image is there.
    let plain = draw_with_images(&m, &mut previews);
    let whole = plain.backend().buffer().area;
    assert!(
        half_blocks_in(plain.backend().buffer(), whole) > 50,
        "the image is drawn"
    );
    // The help: no image cell anywhere (it would cover the keys), the help text intact.
    key(&mut m, KeyCode::Char('?'));
    let help = draw_with_images(&m, &mut previews);
    let buf = help.backend().buffer();
    assert_eq!(half_blocks_in(buf, whole), 0, "no image under the help");
    insta::assert_snapshot!("help_over_image", help.backend());
    // A notice: the image keeps only the rows above it.
    key(&mut m, KeyCode::Esc);
    // Two long warnings make a notice box tall enough to reach into the image pane.
    for _ in 0..2 {
        m.notify(
            Level::Warn,
            "a warning that sits at the bottom right, over the image pane ".repeat(6),
        );
    }
    m.size = (120, 24);
    let noticed = draw_with_images(&m, &mut previews);
    let buf = noticed.backend().buffer();
    let notice_top = (0..24)
        .find(|&y| find(buf, y, "warning:").is_some())
        .expect("the notice")
        - 1;
    let below = ratatui::layout::Rect::new(0, notice_top, 120, 24 - notice_top);
    assert_eq!(
        half_blocks_in(buf, below),
        0,
        "no image cell in or under the notice"
    );
    assert!(find(buf, notice_top + 1, "a warning that sits").is_some());
    let above = ratatui::layout::Rect::new(0, 0, 120, notice_top);
    assert!(
        half_blocks_in(buf, above) > 0,
        "the image stays above the notice"
    );
}

#[test]
fn failed_items_say_failed_not_unparsed() {
    let (mut m, _) = fixtures::running(120, 40, 10, 20, 200, 0, 80);
    assert!(m.run.tally.errors() > 0, "the fixture has failed items");
    key(&mut m, KeyCode::Char('e'));
    assert_eq!(m.screen, Screen::Drill);
    let terminal = draw(&m);
    let buf = terminal.backend().buffer();
    let rows: Vec<String> = (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect())
        .collect();
    let screen = rows.join("\n");
    assert!(screen.contains("result failed (server)"), "{screen}");
    assert!(screen.contains("→failed"), "the list says failed: {screen}");
    assert!(!screen.contains("(unparsed)"), "{screen}");
}

/// Hints come from the keymap in use: a rebound key is shown as bound, an unbound action
/// offers no hint at all (no screen promises a dead key).
#[test]
fn hints_show_the_keys_of_the_keymap_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let user =
        "[matrix]\nrun = [\"g\"]\nback = []\n[start]\nrun = [\"f9\"]\n[global]\nhelp = [\"f1\"]\n";
    std::fs::write(dir.path().join("keymap.toml"), user).unwrap();
    let (keymap, warnings) = squint::tui::keymap::Keymap::load(Some(dir.path()));
    assert!(warnings.is_empty(), "{warnings:?}");

    let (mut m, _) = fixtures::running(160, 40, 5, 4, 20, 0, 10);
    m.keymap = keymap.clone();
    update(&mut m, Msg::Run(RunEvent::Finished { interrupted: false }));
    let text = draw(&m).backend().to_string();
    assert!(text.contains("run finished: g runs again"), "{text}");
    assert!(text.contains("F1 help"), "{text}");
    assert!(
        !text.contains("r runs") && !text.contains("? help"),
        "{text}"
    );

    update(
        &mut m,
        Msg::Run(RunEvent::Aborted {
            error: ItemError::new(ErrorKind::Unreachable, "server went away"),
        }),
    );
    let text = draw(&m).backend().to_string();
    assert!(text.contains("server went away"), "{text}");
    assert!(!text.contains("dismisses"), "Esc is unbound: {text}");

    let mut s = start_model(160, 30);
    s.keymap = keymap;
    let text = draw(&s).backend().to_string();
    assert!(text.contains("F9 run"), "{text}");
    assert!(!text.contains("ctrl-r run"), "{text}");
}

/// A password typed into the host field is on screen only while the field is edited.
#[test]
fn typed_credentials_in_the_host_are_masked_off_the_field() {
    let mut m = start_model(120, 30);
    m.start.host = "http://user:s3cret@gpu-box:11434/?token=abc".to_owned();
    let host = squint::tui::model::Field::ALL
        .iter()
        .position(|f| *f == squint::tui::model::Field::Host)
        .unwrap();
    m.start.focus = 0;
    let text = draw(&m).backend().to_string();
    assert!(text.contains("http://•••@gpu-box:11434/?•••"), "{text}");
    assert!(!text.contains("s3cret") && !text.contains("abc"), "{text}");
    m.start.focus = host;
    let text = draw(&m).backend().to_string();
    assert!(
        text.contains("s3cret"),
        "being edited, the text is shown: {text}"
    );
}

/// A finished run of 3 classes x 40 whose images exist under `dir`, with the "true 0" row
/// open as a grid of thumbnails. Each image is a bar at its own height, so tiles differ.
fn grid_with_images(dir: &std::path::Path, w: u16, h: u16) -> Model {
    let (mut m, _) = fixtures::running(w, h, 3, 40, 120, 0, 30);
    for (n, item) in m
        .run
        .prepared
        .as_ref()
        .expect("prepared")
        .items
        .iter()
        .enumerate()
    {
        let path = dir.join(&*item.rel);
        std::fs::create_dir_all(path.parent().expect("class folder")).expect("mkdir");
        let bar = (n % 24) as u32 + 2;
        image::GrayImage::from_fn(28, 28, |_, y| {
            image::Luma([if y.abs_diff(bar) < 3 { 255 } else { 0 }])
        })
        .save(&path)
        .expect("test image");
    }
    m.run.dataset_root = dir.to_path_buf();
    m.matrix.cursor = MatrixCursor { row: 1, col: 0 };
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Char('t'));
    assert_eq!(m.screen, Screen::Drill);
    assert!(m.drill.as_ref().is_some_and(|d| d.grid), "t shows the grid");
    m
}

/// The grid at 80x24 and 160x48 with half-blocks: as many tiles as fit, each with its image
/// and its predicted label, the cursor's tile reversed, the cursor's item in the strip below;
/// the help and notices stay on top of the thumbnails.
#[test]
fn grid_of_thumbnails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let answers = squint::tui::term_query::Answers::default();
    let mut previews = squint::tui::images::Previews::new(
        squint::tui::preview::ImageProtocolChoice::Halfblocks,
        &answers,
    );
    for (w, h, at_least) in [(80u16, 24u16, 10usize), (160, 48, 30)] {
        let mut m = grid_with_images(dir.path(), w, h);
        let entries = m.drill.as_ref().map_or(0, |d| d.entries.len());
        assert!(entries >= at_least, "{entries} items in the row");
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let mut slots = view::ImageSlots::default();
        t.draw(|f| slots = view::render(f, &m)).expect("draw");
        assert!(slots.preview.is_none(), "no large preview behind the grid");
        assert!(
            slots.thumbnails.len() >= at_least,
            "{w}x{h}: only {} tiles",
            slots.thumbnails.len()
        );
        let terminal = draw_with_images(&m, &mut previews);
        let buf = terminal.backend().buffer();
        for thumb in &slots.thumbnails {
            assert!(
                half_blocks_in(buf, thumb.area) > 8,
                "{w}x{h}: thumbnail {thumb:?} drawn"
            );
        }
        // The cursor's tile (the first) has its label in the selection's colours.
        let first = slots.thumbnails[0].area;
        let label = buf[(first.x, first.y + first.height)].clone();
        assert_eq!(m.theme.selection.bg, Some(label.bg), "{label:?}");
        let other = slots.thumbnails[1].area;
        let label = buf[(other.x, other.y + other.height)].clone();
        assert_ne!(m.theme.selection.bg, Some(label.bg), "{label:?}");
        let text = screen_text(buf);
        assert!(
            text.contains("t list") && text.contains("Enter opens"),
            "{text}"
        );
        insta::assert_snapshot!(format!("grid_{w}x{h}"), terminal.backend());

        // Overlays stay on top: no thumbnail under the help, none under a notice.
        key(&mut m, KeyCode::Char('?'));
        let help = draw_with_images(&m, &mut previews);
        assert_eq!(half_blocks_in(help.backend().buffer(), buf.area), 0);
        key(&mut m, KeyCode::Esc);
        m.notify(Level::Warn, "a warning over the grid ".repeat(8));
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let mut slots = view::ImageSlots::default();
        t.draw(|f| slots = view::render(f, &m)).expect("draw");
        let text = screen_text(t.backend().buffer());
        assert!(text.contains("a warning"), "{text}");
        // Image areas are left blank by the view: any text in one would be the notice's.
        for thumb in &slots.thumbnails {
            let drawn = thumb
                .area
                .positions()
                .any(|p| t.backend().buffer()[p].symbol() != " ");
            assert!(!drawn, "{w}x{h}: {thumb:?} is under the notice");
        }
        assert!(!slots.thumbnails.is_empty(), "the tiles above it stay");
    }
}

/// Moves in the grid: l/h by a tile, j/k by a row (as many tiles as fit across), PgDn by a
/// screenful, Enter opens the item as the list shows it and Esc comes back to the grid; the
/// corrections keys act on the tile under the cursor.
#[test]
fn grid_cursor_moves_by_tile_and_row_and_enter_opens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut m = grid_with_images(dir.path(), 80, 24);
    let (cols, rows) = view::grid_shape(&m);
    assert!(cols >= 4 && rows >= 2, "{cols}x{rows}");
    let selected = |m: &Model| m.drill.as_ref().map_or(usize::MAX, |d| d.selected);
    key(&mut m, KeyCode::Char('l'));
    key(&mut m, KeyCode::Right);
    assert_eq!(selected(&m), 2);
    key(&mut m, KeyCode::Char('h'));
    assert_eq!(selected(&m), 1);
    key(&mut m, KeyCode::Char('j'));
    assert_eq!(selected(&m), 1 + cols);
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Up);
    key(&mut m, KeyCode::Char('k'));
    assert_eq!(selected(&m), 1);
    key(&mut m, KeyCode::PageDown);
    assert_eq!(selected(&m), 1 + cols * rows);
    // The grid scrolled to keep the cursor's tile on screen.
    let text = screen_text(draw(&m).backend().buffer());
    let pos = format!("{}/", 2 + cols * rows);
    assert!(text.contains(&pos), "{text}");
    key(&mut m, KeyCode::Char('g'));
    key(&mut m, KeyCode::Char('l'));
    let item = m.drill.as_ref().and_then(|d| d.current());
    let path = m.preview.wanted.clone();
    key(&mut m, KeyCode::Enter);
    let drill = m.drill.as_ref().expect("still in the drill-down");
    assert!(!drill.grid, "Enter shows the list");
    assert_eq!(drill.current(), item, "the same item");
    assert_eq!(m.preview.wanted, path, "its image is the preview");
    let text = screen_text(draw(&m).backend().buffer());
    assert!(text.contains("Answer"), "{text}");
    key(&mut m, KeyCode::Esc);
    assert!(
        m.drill.as_ref().is_some_and(|d| d.grid),
        "Esc returns to the grid"
    );
    assert_eq!(m.drill.as_ref().and_then(|d| d.current()), item);
    // `d` marks the tile under the cursor doubtful (the runtime writes it).
    let image = item
        .and_then(|i| m.run.results[i].as_ref())
        .map(|r| r.image.clone());
    let effects = update(
        &mut m,
        Msg::KeyPressed(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::NONE)),
    );
    match effects.as_slice() {
        [squint::tui::msg::Effect::SaveCorrection { entry, .. }] => {
            assert_eq!(Some(&entry.image), image.as_ref());
            assert!(entry.doubtful);
        }
        other => panic!("{other:?}"),
    }
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.screen, Screen::Run, "Esc from the grid leaves the list");
}

/// With kitty or sixel the grid's thumbnails are real pictures at the terminal's pixel size
/// (a 28x28 digit scaled up to fill its tile, crisp), not half-blocks: with kitty each tile is
/// covered by the image's Unicode placeholders (one per cell the picture spans), with sixel
/// its first cell holds the picture's escape sequence.
#[test]
fn grid_thumbnails_are_sharp_with_kitty_and_sixel() {
    let dir = tempfile::tempdir().expect("temp dir");
    let answers = squint::tui::term_query::Answers {
        replies: squint::tui::term_query::Replies {
            cell_size: Some((10, 20)),
            ..Default::default()
        },
        ..Default::default()
    };
    for choice in [
        squint::tui::preview::ImageProtocolChoice::Kitty,
        squint::tui::preview::ImageProtocolChoice::Sixel,
    ] {
        let mut previews = squint::tui::images::Previews::new(choice, &answers);
        let m = grid_with_images(dir.path(), 160, 48);
        let mut t = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
        let mut slots = view::ImageSlots::default();
        t.draw(|f| slots = view::render(f, &m)).expect("draw");
        let terminal = draw_with_images(&m, &mut previews);
        let buf = terminal.backend().buffer();
        assert!(slots.thumbnails.len() >= 30);
        for thumb in &slots.thumbnails {
            let a = thumb.area;
            assert_eq!(half_blocks_in(buf, a), 0, "{choice:?}");
            if choice == squint::tui::preview::ImageProtocolChoice::Kitty {
                let placeholders = a
                    .positions()
                    .filter(|&p| buf[p].symbol().starts_with('\u{10eeee}'))
                    .count();
                let cells = usize::from(a.width * a.height);
                assert!(
                    placeholders * 10 >= cells * 9,
                    "{thumb:?}: {placeholders} of {cells} cells"
                );
            } else {
                // The sixel's raster attributes: the picture is the tile's size in pixels
                // (16x8 cells of 10x20), not a few dozen.
                let first = buf[(a.x, a.y)].symbol();
                let raster = format!(
                    "\"1;1;{};{}",
                    u32::from(a.width) * 10,
                    u32::from(a.height) * 20
                );
                assert!(
                    first.contains("\x1bP") && first.contains(&raster),
                    "{thumb:?} holds {first:?}"
                );
            }
        }
    }
}

/// The calibrated view (`K`) after a probe estimated the prompt's prior: the matrix and the
/// per-class scores follow the calibrated labels, the scores pane shows raw → calibrated, the
/// status line says `calibrated`. Labels 0, 1, 2; prior 0 0.3, 1 0.1, 2 0.6.
#[test]
fn calibrated_view_at_both_sizes() {
    for (w, h) in [(80, 24), (160, 48)] {
        let (mut m, t0) = fixtures::calibration_run(w, h, true);
        fixtures::probe_finished(&mut m, Some(fixtures::DEMO_PRIOR));
        key(&mut m, KeyCode::Char('K'));
        assert!(m.run.calibrated.is_some());
        update(&mut m, Msg::Ticked(t0 + Duration::from_secs(60)));
        let text = screen_text(draw(&m).backend().buffer());
        assert!(text.contains("calibrated"), "{text}");
        insta::assert_snapshot!(format!("calibrated_{w}x{h}"), draw(&m).backend());
    }
}
