//! State-machine tests: message sequences in, model and effects out. No tokio, no terminal.

use std::path::PathBuf;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::domain::corrections::{CorrectionEntry, Corrections, Verdict};
use crate::domain::result::{ErrorKind, ItemError};
use crate::engine::events::RunEvent;
use crate::tui::fixtures;
use crate::tui::model::{DrillFilter, MatrixCursor, ModelsStatus, Overlay, Screen};
use crate::tui::msg::{Choice, Choices, StartedInfo};

fn key(c: char) -> Msg {
    Msg::KeyPressed(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(code: KeyCode) -> Msg {
    Msg::KeyPressed(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A model opened on a dataset and template, its dataset being scanned (generation 1).
fn preparing_model() -> Model {
    let mut m = fixtures::model(120, 40);
    m.spec.dataset = Some(PathBuf::from("/data"));
    m.spec.template = Some("digits".into());
    let effects = init(&mut m);
    assert!(matches!(
        effects.as_slice(),
        [
            Effect::LoadChoices,
            Effect::PrepareRun { generation: 1, .. }
        ]
    ));
    m
}

/// The scan of generation 1 finished: 3 labels, 2 images each.
fn prepared() -> Msg {
    Msg::Prepared {
        generation: 1,
        result: Ok(fixtures::prepared(&fixtures::labels(3), 2)),
    }
}

fn ready_model() -> Model {
    let mut m = preparing_model();
    update(&mut m, prepared());
    m
}

#[test]
fn init_opens_the_start_screen_without_a_dataset() {
    let mut m = fixtures::model(80, 24);
    let effects = init(&mut m);
    assert_eq!(m.screen, Screen::Start);
    assert!(matches!(
        effects.as_slice(),
        [Effect::LoadChoices, Effect::ListModels { .. }]
    ));
    assert_eq!(m.start.models, ModelsStatus::Loading);
}

#[test]
fn dataset_and_template_open_the_run_screen_ready() {
    let m = ready_model();
    assert_eq!((m.screen, m.run.phase), (Screen::Run, RunPhase::Ready));
    assert_eq!(m.run.total, 6);
    assert_eq!(m.run.axis.cols, ["0", "1", "2", "(unparsed)"]);
}

#[test]
fn r_typed_while_the_dataset_is_scanned_starts_the_run_once_it_is_prepared() {
    let mut m = preparing_model();
    assert_eq!(m.run.phase, RunPhase::Preparing);
    assert!(update(&mut m, key('r')).is_empty(), "nothing to start yet");
    let effects = update(&mut m, prepared());
    assert!(
        matches!(effects.as_slice(), [Effect::StartRun { generation: 1, .. }]),
        "{effects:?}"
    );
    assert_eq!(m.run.phase, RunPhase::Connecting);
    // Left for the start screen before the scan ended: nothing starts.
    let mut m = preparing_model();
    let _ = update(&mut m, key('r'));
    let _ = update(&mut m, code(KeyCode::Esc));
    assert_eq!(m.screen, Screen::Start);
    let effects = update(&mut m, prepared());
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::StartRun { .. })),
        "{effects:?}"
    );
    assert_eq!(m.run.phase, RunPhase::Ready);
}

#[test]
fn stale_preparations_are_ignored() {
    let mut m = ready_model();
    let effects = update(
        &mut m,
        Msg::Prepared {
            generation: 0,
            result: Err("old".into()),
        },
    );
    assert!(effects.is_empty());
    assert_eq!(m.run.phase, RunPhase::Ready);
    assert!(m.notices.is_empty());
}

#[test]
fn a_whole_run_updates_counts_stream_and_phase() {
    let mut m = ready_model();
    let effects = update(&mut m, key('r'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::StartRun { generation: 1, .. }]
    ));
    assert_eq!(m.run.phase, RunPhase::Connecting);
    let started = StartedInfo {
        session_dir: "/s".into(),
        host: "h".into(),
        model: "llava".into(),
        model_digest: None,
        corrections: None,
    };
    update(&mut m, Msg::RunStarted(Ok(started)));
    assert_eq!(m.run.phase, RunPhase::Running);
    update(
        &mut m,
        Msg::Run(RunEvent::Started {
            total: 6,
            already_done: 0,
        }),
    );
    update(
        &mut m,
        Msg::Run(RunEvent::ItemStarted {
            index: 0,
            image: "0/a.png".into(),
            truth: "0".into(),
        }),
    );
    update(
        &mut m,
        Msg::Run(RunEvent::Token {
            index: 0,
            text: "It is ".into(),
        }),
    );
    update(
        &mut m,
        Msg::Run(RunEvent::Token {
            index: 0,
            text: "0".into(),
        }),
    );
    assert_eq!(m.run.in_flight[&0].text, "It is 0");
    update(
        &mut m,
        Msg::Run(RunEvent::Retrying {
            index: 0,
            attempt: 2,
            error: ItemError::new(ErrorKind::Timeout, "timeout"),
        }),
    );
    assert_eq!(
        (
            m.run.in_flight[&0].text.as_str(),
            m.run.in_flight[&0].attempt
        ),
        ("", 2)
    );
    let r = fixtures::result("0/a.png", "0", Some("0"));
    update(
        &mut m,
        Msg::Run(RunEvent::ItemFinished {
            index: 0,
            result: r,
            replayed: false,
        }),
    );
    let r = fixtures::result("1/a.png", "1", None);
    update(
        &mut m,
        Msg::Run(RunEvent::ItemFinished {
            index: 1,
            result: r,
            replayed: false,
        }),
    );
    let mut failed = fixtures::result("2/a.png", "2", None);
    failed.error = Some("boom".into());
    update(
        &mut m,
        Msg::Run(RunEvent::ItemFinished {
            index: 2,
            result: failed,
            replayed: false,
        }),
    );
    assert!(m.run.in_flight.is_empty());
    assert_eq!(
        (
            m.run.tally.done(),
            m.run.tally.errors(),
            m.run.tally.unparsed(),
            m.run.tally.correct()
        ),
        (3, 1, 1, 1)
    );
    assert_eq!(
        m.run
            .tally
            .metrics
            .count("1", crate::domain::parse::UNPARSED),
        1
    );
    assert_eq!(m.run.tally.metrics.total(), 2, "errors are not predictions");
    assert_eq!(m.run.tally.accuracy(), Some(0.5));
    assert_eq!(m.run.recent.iter().copied().collect::<Vec<_>>(), [0, 1, 2]);
    update(&mut m, Msg::Run(RunEvent::Finished { interrupted: false }));
    assert_eq!(m.run.phase, RunPhase::Finished { interrupted: false });
    // r asks which images to re-run (or starts anew when the run had no session).
    let effects = update(&mut m, key('r'));
    if m.run.session_dir.is_some() {
        assert!(effects.is_empty(), "{effects:?}");
        assert_eq!(m.overlay, Some(Overlay::RerunScope));
    } else {
        assert!(matches!(effects.as_slice(), [Effect::StartRun { .. }]));
    }
}

#[test]
fn space_pauses_and_resumes_with_paused_time_excluded() {
    let (mut m, t0) = fixtures::running(120, 40, 3, 10, 10, 0, 10);
    assert!(matches!(
        update(&mut m, key(' ')).as_slice(),
        [Effect::PauseRun]
    ));
    update(&mut m, Msg::Run(RunEvent::Paused));
    assert_eq!(m.run.phase, RunPhase::Paused);
    update(&mut m, Msg::Ticked(t0 + Duration::from_secs(30)));
    assert!(matches!(
        update(&mut m, key(' ')).as_slice(),
        [Effect::ResumeRun]
    ));
    update(&mut m, Msg::Run(RunEvent::Resumed));
    update(&mut m, Msg::Run(RunEvent::Resumed)); // duplicates are harmless
    assert_eq!(m.run.phase, RunPhase::Running);
    assert_eq!(
        m.run.timing.active(Some(t0 + Duration::from_secs(30))),
        Some(Duration::from_secs(10))
    );
    assert_eq!(
        m.run.timing.rate(Some(t0 + Duration::from_secs(30))),
        Some(1.0)
    );
    assert_eq!(
        m.run.eta(Some(t0 + Duration::from_secs(30))),
        Some(Duration::from_secs(20))
    );
    assert_eq!(m.run.timing.tokens_per_sec(), Some(40.0));
}

#[test]
fn quitting_asks_while_a_run_is_active() {
    let (mut m, _) = fixtures::running(120, 40, 3, 10, 5, 1, 5);
    assert!(update(&mut m, key('q')).is_empty());
    assert_eq!(m.overlay, Some(Overlay::ConfirmQuit));
    assert!(update(&mut m, key('n')).is_empty());
    assert_eq!((m.overlay, m.quitting), (None, false));
    update(&mut m, key('q'));
    let effects = update(&mut m, key('y'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::StopRun, Effect::Quit]
    ));
    assert!(m.quitting);
}

#[test]
fn quitting_when_idle_is_immediate_and_ctrl_c_always_is() {
    let mut m = ready_model();
    assert!(matches!(
        update(&mut m, key('q')).as_slice(),
        [Effect::Quit]
    ));
    assert_eq!(m.exit_code, 0, "q is a normal quit");
    let (mut m, _) = fixtures::running(120, 40, 3, 10, 5, 1, 5);
    let ctrl_c = Msg::KeyPressed(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(matches!(
        update(&mut m, ctrl_c.clone()).as_slice(),
        [Effect::StopRun, Effect::Quit]
    ));
    assert_eq!(m.exit_code, 130, "Ctrl-C exits 130");
    let mut idle = ready_model();
    update(&mut idle, ctrl_c);
    assert_eq!((idle.quitting, idle.exit_code), (true, 130));
    let (mut m, _) = fixtures::running(120, 40, 3, 10, 5, 1, 5);
    assert!(matches!(
        update(&mut m, Msg::SignalReceived).as_slice(),
        [Effect::StopRun, Effect::Quit]
    ));
}

#[test]
fn enter_opens_a_cell_and_esc_returns_to_the_same_cursor() {
    let (mut m, _) = fixtures::running(120, 40, 5, 20, 100, 0, 50);
    // From the first cell, move to true "1" (row 2), predicted "3" (col 4).
    for msg in [key('j'), key('l'), key('l'), key('l')] {
        update(&mut m, msg);
    }
    assert_eq!(m.matrix.cursor, MatrixCursor { row: 2, col: 4 });
    let effects = update(&mut m, code(KeyCode::Enter));
    assert_eq!(m.screen, Screen::Drill);
    let drill = m.drill.as_ref().expect("drill open");
    assert_eq!(
        drill.filter,
        DrillFilter::Cell {
            truth: "1".into(),
            predicted: "3".into()
        }
    );
    assert_eq!(
        drill.entries.len() as u64,
        m.run.tally.metrics.count("1", "3")
    );
    let first = m.run.results[drill.entries[0]]
        .as_ref()
        .expect("result")
        .image
        .clone();
    assert!(
        matches!(effects.as_slice(), [Effect::RequestPreview { path }] if path.ends_with(&first))
    );
    // The list is most-confident first.
    let confs: Vec<f64> = drill
        .entries
        .iter()
        .filter_map(|&i| m.run.results[i].as_ref()?.confidence)
        .collect();
    assert!(confs.windows(2).all(|w| w[0] >= w[1]), "{confs:?}");
    update(&mut m, code(KeyCode::Esc));
    // The row header: every image of true "1", paged with j.
    update(&mut m, key('h'));
    update(&mut m, key('h'));
    update(&mut m, key('h'));
    update(&mut m, key('h'));
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(
        m.drill.as_ref().map(|d| d.filter.clone()),
        Some(DrillFilter::Truth("1".into()))
    );
    let effects = update(&mut m, key('j'));
    assert_eq!(m.drill.as_ref().map(|d| d.selected), Some(1));
    assert!(matches!(
        effects.as_slice(),
        [Effect::RequestPreview { .. }]
    ));
    update(&mut m, key('o'));
    assert_eq!(m.overlay, Some(Overlay::FullImage));
    update(&mut m, key('x'));
    assert_eq!((m.overlay, m.screen), (None, Screen::Drill));
    update(&mut m, code(KeyCode::Esc));
    assert_eq!(m.screen, Screen::Run);
    assert_eq!(m.matrix.cursor, MatrixCursor { row: 2, col: 0 });
}

#[test]
fn headers_and_corner_open_rows_columns_and_errors() {
    let (mut m, _) = fixtures::running(120, 40, 5, 20, 100, 0, 50);
    let cases = [
        (
            MatrixCursor { row: 1, col: 0 },
            DrillFilter::Truth("0".into()),
        ),
        (
            MatrixCursor { row: 0, col: 6 },
            DrillFilter::Predicted("(unparsed)".into()),
        ),
        (MatrixCursor { row: 0, col: 0 }, DrillFilter::Errors),
    ];
    for (cursor, want) in cases {
        m.matrix.cursor = cursor;
        update(&mut m, code(KeyCode::Enter));
        assert_eq!(m.drill.as_ref().map(|d| d.filter.clone()), Some(want));
        update(&mut m, code(KeyCode::Esc));
    }
    update(&mut m, key('e'));
    assert_eq!(
        m.drill.as_ref().map(|d| d.filter.clone()),
        Some(DrillFilter::Errors)
    );
}

#[test]
fn an_empty_cell_gives_a_notice_not_a_screen() {
    let mut m = ready_model();
    m.matrix.cursor = MatrixCursor { row: 1, col: 1 };
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(m.screen, Screen::Run);
    assert_eq!(m.notices.len(), 1);
    update(&mut m, code(KeyCode::Esc));
    assert!(m.notices.is_empty(), "Esc dismisses notices");
}

#[test]
fn start_form_typing_completion_and_choices() {
    let mut m = fixtures::model(100, 30);
    init(&mut m);
    let choices = Choices {
        datasets: vec![Choice {
            label: "sample: digits".into(),
            value: "/bundled/digits".into(),
        }],
        templates: vec![Choice {
            label: "bundled: digits".into(),
            value: "digits".into(),
        }],
        sessions: Vec::new(),
    };
    update(&mut m, Msg::ChoicesLoaded(choices));
    assert_eq!(
        m.start.dataset.input, "/bundled/digits",
        "bundled sample preselected"
    );
    assert_eq!(
        (m.start.template.input.as_str(), m.start.template.chosen),
        ("", Some(0)),
        "no template given: the dataset's own template.toml"
    );
    for _ in 0.."/bundled/digits".len() {
        update(&mut m, code(KeyCode::Backspace));
    }
    for c in "da".chars() {
        update(&mut m, key(c));
    }
    assert_eq!(
        (m.start.dataset.input.as_str(), m.start.dataset.chosen),
        ("da", None)
    );
    let effects = update(&mut m, code(KeyCode::Tab));
    assert!(matches!(effects.as_slice(), [Effect::CompletePath { input }] if input == "da"));
    update(
        &mut m,
        Msg::PathCompleted {
            input: "da".into(),
            candidates: vec!["data/".into(), "dat.csv".into()],
        },
    );
    assert_eq!(m.start.dataset.input, "dat");
    assert_eq!(m.start.completions.len(), 2);
    update(
        &mut m,
        Msg::PathCompleted {
            input: "zz".into(),
            candidates: vec!["zzz/".into()],
        },
    );
    assert_eq!(
        m.start.dataset.input, "dat",
        "stale completions are ignored"
    );
    // Down to the template field; Right picks the next choice.
    update(&mut m, code(KeyCode::Down));
    update(&mut m, code(KeyCode::Right));
    assert_eq!(m.start.template.input, "digits");
    let effects = update(&mut m, code(KeyCode::Enter));
    assert!(matches!(effects.as_slice(), [Effect::PrepareRun { .. }]));
    assert_eq!(m.spec.dataset, Some(PathBuf::from("dat")));
}

#[test]
fn prepared_from_the_start_screen_opens_the_browser() {
    let mut m = fixtures::model(100, 30);
    init(&mut m);
    m.start.dataset.input = "/data".into();
    update(&mut m, code(KeyCode::Enter));
    let info = fixtures::prepared(&fixtures::labels(2), 3);
    let generation = m.run.generation;
    let effects = update(
        &mut m,
        Msg::Prepared {
            generation,
            result: Ok(info),
        },
    );
    assert_eq!(m.screen, Screen::Browse);
    assert!(
        matches!(effects.as_slice(), [Effect::RequestPreview { path }] if path.ends_with("0/img_0000.png"))
    );
    update(&mut m, key('G'));
    assert_eq!(m.browse.selected, 5);
    assert!(matches!(
        update(&mut m, key('r')).as_slice(),
        [Effect::StartRun { .. }]
    ));
    assert_eq!(m.screen, Screen::Run);
}

#[test]
fn an_unreachable_server_is_shown_and_the_form_still_works() {
    let mut m = fixtures::model(100, 30);
    init(&mut m);
    update(
        &mut m,
        Msg::ModelsListed {
            host: "http://x:1".into(),
            result: Err("connection refused".into()),
        },
    );
    assert!(
        matches!(&m.start.models, ModelsStatus::Unreachable(e) if e.contains("connection refused"))
    );
    update(
        &mut m,
        Msg::ModelsListed {
            host: "h".into(),
            result: Ok(vec![
                crate::tui::msg::ModelChoice {
                    name: "qwen".into(),
                    vision: Some(false),
                },
                crate::tui::msg::ModelChoice {
                    name: "llava".into(),
                    vision: Some(true),
                },
            ]),
        },
    );
    assert_eq!(
        m.start.model.input, "llava",
        "the first vision model is picked"
    );
}

#[test]
fn failures_become_error_notices_that_stay_until_dismissed() {
    let mut m = ready_model();
    let t0 = std::time::Instant::now();
    update(&mut m, Msg::Ticked(t0));
    update(&mut m, Msg::Run(RunEvent::Warning("slow server".into())));
    update(
        &mut m,
        Msg::RunStarted(Err("cannot reach http://127.0.0.1:11434\u{1b}[2J".into())),
    );
    assert_eq!(m.run.phase, RunPhase::Ready);
    assert!(
        m.notices.iter().all(|n| !n.text.contains('\u{1b}')),
        "notices are sanitised"
    );
    update(&mut m, Msg::Ticked(t0 + Duration::from_secs(60)));
    assert_eq!(m.notices.len(), 1);
    assert_eq!(m.notices[0].level, crate::tui::model::Level::Error);
}

#[test]
fn help_opens_scrolls_within_what_it_has_and_closes() {
    let mut m = ready_model();
    update(&mut m, key('?'));
    assert_eq!(m.overlay, Some(Overlay::Help));
    // At 120x40 the run screen's keys fit: nothing to scroll.
    update(&mut m, key('j'));
    assert_eq!(m.help_scroll, 0);
    update(
        &mut m,
        Msg::Resized {
            width: 80,
            height: 12,
        },
    );
    update(&mut m, key('j'));
    assert_eq!(m.help_scroll, 1);
    update(&mut m, key('G'));
    let end = m.help_scroll;
    assert!(end > 1);
    update(&mut m, key('j'));
    assert_eq!(m.help_scroll, end, "no scrolling past the last row");
    update(&mut m, key('g'));
    assert_eq!(m.help_scroll, 0);
    update(&mut m, code(KeyCode::Esc));
    assert_eq!(m.overlay, None);
}

#[test]
fn many_classes_switch_to_the_pairs_list() {
    let (mut m, t0) = fixtures::running(120, 40, 40, 5, 200, 0, 20);
    assert_eq!(m.matrix.mode, crate::tui::model::MatrixMode::Pairs);
    update(&mut m, Msg::Ticked(t0 + Duration::from_secs(21)));
    assert!(!m.run.pairs.is_empty());
    let (r, c, n) = m.run.pairs[0];
    assert!(m.run.pairs.iter().all(|p| p.2 <= n));
    update(&mut m, code(KeyCode::Enter));
    let want = DrillFilter::Cell {
        truth: m.run.axis.rows[r].clone(),
        predicted: m.run.axis.cols[c].clone(),
    };
    assert_eq!(m.drill.as_ref().map(|d| d.filter.clone()), Some(want));
    update(&mut m, code(KeyCode::Esc));
    update(&mut m, key('m'));
    assert_eq!(m.matrix.mode, crate::tui::model::MatrixMode::Full);
}

#[test]
fn streamed_text_is_capped() {
    let (mut m, _) = fixtures::running(80, 24, 3, 10, 0, 1, 1);
    let chunk = "x".repeat(1000);
    for _ in 0..10 {
        update(
            &mut m,
            Msg::Run(RunEvent::Token {
                index: 0,
                text: chunk.clone(),
            }),
        );
    }
    assert!(m.run.in_flight[&0].text.len() <= crate::tui::model::MAX_STREAM_CHARS);
}

/// A past session loaded for viewing, with its own settings (unlike the start form's).
fn past_session(finished: bool) -> Box<crate::tui::msg::LoadedSession> {
    let dir = PathBuf::from("/sessions/old");
    let mut spec = crate::setup::RunSpec {
        dataset: Some(PathBuf::from("/data/old-digits")),
        model: Some("llava:13b".into()),
        template_text: Some(("session:user:mine".into(), "prompt = \"x\"\n".into())),
        resume: Some(dir.clone()),
        ..Default::default()
    };
    spec.backend.host = Some("http://old-host:11434".into());
    Box::new(crate::tui::msg::LoadedSession {
        dir,
        labels: fixtures::labels(2),
        dataset_root: PathBuf::from("/data/old-digits"),
        template: "mine".into(),
        template_text: String::new(),
        model: "llava:13b".into(),
        model_digest: None,
        host: "http://old-host:11434".into(),
        results: vec![fixtures::result("0/a.png", "0", Some("0"))],
        total: 4,
        spec,
        finished,
        corrections: Default::default(),
    })
}

#[test]
fn r_on_a_past_session_prepares_that_session_with_its_own_settings() {
    for finished in [false, true] {
        let mut m = fixtures::model(120, 40);
        // The start form holds something else entirely.
        m.spec.dataset = Some(PathBuf::from("/data/other"));
        m.spec.template = Some("animals".into());
        m.spec.model = Some("bakllava".into());
        update(&mut m, Msg::SessionLoaded(Ok(past_session(finished))));
        assert_eq!(m.run.phase, RunPhase::Viewing);
        let effects = update(&mut m, key('r'));
        let [Effect::PrepareRun { spec, .. }] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        assert_eq!(spec.dataset, Some(PathBuf::from("/data/old-digits")));
        assert_eq!(spec.template, None, "the session's own text, not a name");
        assert_eq!(
            spec.template_text.as_ref().map(|t| t.0.as_str()),
            Some("session:user:mine")
        );
        assert_eq!(spec.model.as_deref(), Some("llava:13b"));
        assert_eq!(spec.backend.host.as_deref(), Some("http://old-host:11434"));
        // An unfinished session is continued; a finished one is re-run as a new session.
        let want = (!finished).then(|| PathBuf::from("/sessions/old"));
        assert_eq!(spec.resume, want, "finished: {finished}");
        // Once prepared, r starts exactly that.
        let generation = m.run.generation;
        update(
            &mut m,
            Msg::Prepared {
                generation,
                result: Ok(fixtures::prepared(&fixtures::labels(2), 1)),
            },
        );
        let effects = update(&mut m, key('r'));
        let [Effect::StartRun { spec, .. }] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        assert_eq!(spec.model.as_deref(), Some("llava:13b"));
        assert_eq!(spec.resume, want);
    }
}

#[test]
fn r_after_a_stopped_run_continues_that_session_and_after_a_finished_one_asks_the_scope() {
    let (mut m, _) = fixtures::running(120, 40, 3, 10, 5, 0, 5);
    update(&mut m, Msg::Run(RunEvent::Finished { interrupted: true }));
    let effects = update(&mut m, key('r'));
    let [Effect::StartRun { spec, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(spec.resume, Some(PathBuf::from("/sessions/demo")));

    let (mut m, _) = fixtures::running(120, 40, 3, 10, 5, 0, 5);
    update(&mut m, Msg::Run(RunEvent::Finished { interrupted: false }));
    assert!(update(&mut m, key('r')).is_empty());
    assert_eq!(m.overlay, Some(Overlay::RerunScope));
    // Esc: nothing runs.
    assert!(update(&mut m, mods(KeyCode::Esc, KeyModifiers::NONE)).is_empty());
    assert_eq!(
        (m.overlay, m.run.phase),
        (None, RunPhase::Finished { interrupted: false })
    );
    // w: the same settings ask the misclassified images again, linked to this session.
    update(&mut m, key('r'));
    let effects = update(&mut m, key('w'));
    let [Effect::PrepareRun { spec, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(spec.from, Some(PathBuf::from("/sessions/demo")));
    assert_eq!(spec.only, crate::domain::scope::RerunScope::Wrong);
    assert_eq!((spec.resume.clone(), spec.out.clone()), (None, None));
    assert!(m.run.auto_start, "the linked run starts once prepared");
}

#[test]
fn leaving_says_where_the_session_is_and_how_to_continue() {
    let ctrl_c = Msg::KeyPressed(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    let (mut m, _) = fixtures::running(120, 40, 3, 10, 5, 1, 5);
    update(&mut m, ctrl_c.clone());
    let bye = m.run.farewell().expect("a message");
    assert!(bye.contains("stopped at 5/30"), "{bye}");
    assert!(
        bye.contains("continue with: squint run --resume /sessions/demo"),
        "{bye}"
    );
    // A finished run only says where it is; no session, nothing to say.
    let (mut m, _) = fixtures::running(120, 40, 3, 10, 30, 0, 5);
    m.run.phase = RunPhase::Finished { interrupted: false };
    assert_eq!(
        m.run.farewell().as_deref(),
        Some("squint: session saved in /sessions/demo")
    );
    let mut idle = ready_model();
    update(&mut idle, ctrl_c);
    assert_eq!(idle.run.farewell(), None);
}

fn mods(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::KeyPressed(KeyEvent::new(code, modifiers))
}

/// A start form whose dataset field holds the picked bundled sample.
fn form_with_a_picked_dataset() -> Model {
    let mut m = fixtures::model(100, 30);
    init(&mut m);
    let choices = Choices {
        datasets: vec![Choice {
            label: "sample: digits".into(),
            value: "/bundled/digits".into(),
        }],
        templates: vec![Choice {
            label: "bundled: digits".into(),
            value: "digits".into(),
        }],
        sessions: Vec::new(),
    };
    update(&mut m, Msg::ChoicesLoaded(choices));
    assert_eq!(m.start.dataset.chosen, Some(0));
    m
}

#[test]
fn typing_into_a_picked_choice_replaces_it() {
    let mut m = form_with_a_picked_dataset();
    for c in "/tmp/x".chars() {
        update(&mut m, key(c));
    }
    assert_eq!(
        (m.start.dataset.input.as_str(), m.start.dataset.chosen),
        ("/tmp/x", None)
    );
}

#[test]
fn readline_keys_edit_text_fields() {
    let mut m = form_with_a_picked_dataset();
    let ctrl = KeyModifiers::CONTROL;
    let alt = KeyModifiers::ALT;
    let text = |m: &Model| m.start.dataset.input.clone();
    for c in "data/pets cats".chars() {
        update(&mut m, key(c));
    }
    update(&mut m, mods(KeyCode::Char('w'), ctrl));
    assert_eq!(text(&m), "data/pets ");
    update(&mut m, mods(KeyCode::Char('a'), ctrl));
    update(&mut m, key('~'));
    assert_eq!(text(&m), "~data/pets ");
    update(&mut m, mods(KeyCode::Char('e'), ctrl));
    update(&mut m, code(KeyCode::Backspace));
    update(&mut m, mods(KeyCode::Char('b'), alt));
    update(&mut m, key('X'));
    assert_eq!(
        text(&m),
        "~data/Xpets",
        "Alt-B to the word's start, then typed"
    );
    update(&mut m, code(KeyCode::Left));
    update(&mut m, code(KeyCode::Left));
    update(&mut m, key('s'));
    assert_eq!(text(&m), "~datas/Xpets", "Left moves in typed text");
    update(&mut m, code(KeyCode::Right));
    update(&mut m, mods(KeyCode::Char('f'), alt));
    update(&mut m, key('!'));
    assert_eq!(text(&m), "~datas/Xpets!");
    update(&mut m, mods(KeyCode::Char('u'), ctrl));
    assert_eq!(text(&m), "");
    // Pasted text lands at the cursor, line breaks dropped.
    update(&mut m, Msg::Pasted("/home/me/pets\n".into()));
    assert_eq!(text(&m), "/home/me/pets");
    // The host field edits the same way.
    for _ in 0..3 {
        update(&mut m, code(KeyCode::Down));
    }
    assert_eq!(m.start.field(), crate::tui::model::Field::Host);
    for c in "http://gpu:11434".chars() {
        update(&mut m, key(c));
    }
    update(&mut m, mods(KeyCode::Char('w'), ctrl));
    assert_eq!(m.start.host, "http://gpu:");
}

#[test]
fn tab_completes_the_template_path_too() {
    let mut m = form_with_a_picked_dataset();
    update(&mut m, code(KeyCode::Down));
    assert_eq!(m.start.field(), crate::tui::model::Field::Template);
    for c in "tem".chars() {
        update(&mut m, key(c));
    }
    let effects = update(&mut m, code(KeyCode::Tab));
    assert!(
        matches!(effects.as_slice(), [Effect::CompletePath { input }] if input == "tem"),
        "{effects:?}"
    );
    update(
        &mut m,
        Msg::PathCompleted {
            input: "tem".into(),
            candidates: vec!["templates/pets.toml".into()],
        },
    );
    assert_eq!(m.start.template.input, "templates/pets.toml");
    // The host field is not a path: Tab moves on.
    for _ in 0..2 {
        update(&mut m, code(KeyCode::Down));
    }
    let effects = update(&mut m, code(KeyCode::Tab));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::CompletePath { .. })),
        "{effects:?}"
    );
    assert_eq!(m.start.field(), crate::tui::model::Field::Model);
}

#[test]
fn x_opens_the_export_menu_and_enter_asks_for_the_chosen_report() {
    let mut m = ready_model();
    // Nothing to export before a session exists.
    assert!(update(&mut m, key('x')).is_empty());
    assert_eq!(m.overlay, None);
    assert!(
        m.notices
            .iter()
            .any(|n| n.text.contains("nothing to export yet"))
    );
    m.notices.clear();

    m.run.session_dir = Some(PathBuf::from("/s"));
    update(&mut m, key('x'));
    assert_eq!(m.overlay, Some(Overlay::Export));
    update(&mut m, key('j'));
    update(&mut m, key('j'));
    update(&mut m, key('k'));
    let effects = update(&mut m, code(KeyCode::Enter));
    assert_eq!(m.overlay, None);
    match effects.as_slice() {
        [Effect::ExportReport { dir, format, .. }] => {
            assert_eq!(dir, &PathBuf::from("/s"));
            assert_eq!(*format, crate::domain::export::ExportFormat::ALL[1]);
        }
        other => panic!("{other:?}"),
    }
    update(
        &mut m,
        Msg::ReportExported(Ok(PathBuf::from("/s/report.md"))),
    );
    let texts: Vec<&str> = m.notices.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(texts, ["report written to /s/report.md"]);

    update(&mut m, key('x'));
    update(&mut m, code(KeyCode::Esc));
    assert_eq!(m.overlay, None, "Esc closes the menu without writing");
    update(&mut m, Msg::ReportExported(Err("disk full".into())));
    assert!(
        m.notices
            .iter()
            .any(|n| n.level == Level::Error && n.text.contains("disk full"))
    );
}

#[test]
fn a_finished_run_reloads_the_recent_sessions() {
    let mut m = ready_model();
    let effects = update(&mut m, Msg::Run(RunEvent::Finished { interrupted: false }));
    assert!(matches!(effects.as_slice(), [Effect::LoadChoices]));
}

#[test]
fn configured_sets_the_image_protocol_and_posts_file_warnings() {
    let mut m = fixtures::model(80, 24);
    let effects = update(
        &mut m,
        Msg::Configured {
            image_protocol: "kitty".into(),
            warnings: vec!["keymap k.toml: [matrix] dwn: unknown action".into()],
        },
    );
    assert!(effects.is_empty());
    assert_eq!(m.image_protocol, "kitty");
    assert_eq!(m.notices.len(), 1);
    assert!(m.notices[0].text.contains("dwn"));
}

#[test]
fn the_browser_runs_with_its_own_binding_only() {
    let mut m = ready_model();
    m.screen = Screen::Browse;
    let (keymap, _) = {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keymap.toml"), "[browse]\nrun = []\n").unwrap();
        crate::tui::keymap::Keymap::load(Some(dir.path()))
    };
    m.keymap = keymap;
    assert!(
        update(&mut m, key('r')).is_empty(),
        "no fallback to the matrix's r"
    );
    assert_eq!(m.screen, Screen::Browse);
}

#[test]
fn a_missing_dataset_is_said_at_once_on_the_start_screen_and_esc_dismisses_it() {
    let mut m = fixtures::model(100, 30);
    m.spec.dataset = Some(PathBuf::from("/no/such/set"));
    init(&mut m);
    let generation = m.run.generation;
    update(
        &mut m,
        Msg::Prepared {
            generation,
            result: Err("dataset path /no/such/set does not exist".into()),
        },
    );
    assert_eq!(m.screen, Screen::Start);
    assert_eq!(m.notices.len(), 1);
    assert_eq!(m.notices[0].level, crate::tui::model::Level::Error);
    update(&mut m, code(KeyCode::Esc));
    assert!(
        m.notices.is_empty(),
        "Esc dismisses on the start screen too"
    );
    assert_eq!(m.screen, Screen::Start);
}

/// A past session with one wrong answer, drilled into its (0, 1) cell.
fn drilled_session() -> Model {
    let mut m = fixtures::model(120, 40);
    let mut session = past_session(true);
    session.results = vec![
        fixtures::result("0/a.png", "0", Some("0")),
        fixtures::result("0/b.png", "0", Some("1")),
        fixtures::result("1/c.png", "1", Some("1")),
    ];
    update(&mut m, Msg::SessionLoaded(Ok(session)));
    m.matrix.cursor = MatrixCursor { row: 1, col: 2 };
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(m.screen, Screen::Drill);
    m
}

/// Sends `msg`, then plays the runtime: the correction the effects ask for is written (with
/// a time).
fn save(m: &mut Model, msg: Msg) -> crate::domain::corrections::CorrectionEntry {
    let effects = update(m, msg);
    match effects.as_slice() {
        [Effect::SaveCorrection { dir, entry }] => {
            assert_eq!(dir, &PathBuf::from("/sessions/old"));
            let mut entry = entry.clone();
            entry.time = "2026-11-29T12:00:00Z".into();
            update(m, Msg::CorrectionSaved(Ok(entry.clone())));
            entry
        }
        other => panic!("expected one SaveCorrection, got {other:?}"),
    }
}

#[test]
fn corrections_in_the_drill_change_the_metrics_only_with_t() {
    let mut m = drilled_session();
    let entry = save(&mut m, key('a'));
    assert_eq!((entry.image.as_str(), entry.old.as_str()), ("0/b.png", "0"));
    assert_eq!(entry.new.as_deref(), Some("1"));
    assert_eq!(m.run.corrections.len(), 1);
    // Off by default: the dataset's labels.
    assert_eq!(m.run.tally.correct(), 2);
    // Esc dismisses the notice, then leaves the list.
    update(&mut m, code(KeyCode::Esc));
    update(&mut m, code(KeyCode::Esc));
    assert_eq!(m.screen, Screen::Run);
    update(&mut m, key('T'));
    assert!(m.run.corrections_on);
    assert_eq!((m.run.tally.correct(), m.run.tally.done()), (3, 3));
    // The (0, 1) cell is empty now; the true-1 row holds the relabelled image.
    m.matrix.cursor = MatrixCursor { row: 2, col: 0 };
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(m.drill.as_ref().map(|d| d.entries.len()), Some(2));
    // Doubtful: left out of the metrics and counted.
    save(&mut m, key('d'));
    assert_eq!(m.run.tally.done() + m.run.doubtful_left_out, 3);
    assert_eq!(m.run.doubtful_left_out, 1);
    // Undo twice: back to the dataset's labels, even with corrections on.
    let undo = save(&mut m, key('u'));
    assert!(undo.undo);
    save(&mut m, key('u'));
    assert!(m.run.corrections.is_empty());
    assert_eq!((m.run.tally.correct(), m.run.doubtful_left_out), (2, 0));
    assert!(update(&mut m, key('u')).is_empty(), "nothing left to undo");
}

#[test]
fn relabel_picker_filters_by_typing_and_refuses_nothing_it_lists() {
    let mut m = drilled_session();
    update(&mut m, key('L'));
    assert_eq!(m.overlay, Some(Overlay::Relabel));
    // `q` and `?` are typed into the filter, not quit or help.
    update(&mut m, key('q'));
    assert!(!m.quitting);
    assert!(m.picker.matching(&m.run.axis.rows).is_empty());
    update(&mut m, code(KeyCode::Backspace));
    update(&mut m, key('1'));
    assert_eq!(m.picker.matching(&m.run.axis.rows), [&"1".to_owned()]);
    let entry = save(&mut m, code(KeyCode::Enter));
    assert_eq!(m.overlay, None);
    assert_eq!(entry.new.as_deref(), Some("1"));
    // Esc cancels without a correction.
    update(&mut m, key('L'));
    assert!(update(&mut m, code(KeyCode::Esc)).is_empty());
    assert_eq!(m.overlay, None);
}

#[test]
fn rate_counts_only_asked_items_and_stopping_early_is_shown() {
    let mut m = ready_model();
    update(&mut m, key('r'));
    let started = StartedInfo {
        session_dir: "/s".into(),
        host: "h".into(),
        model: "llava".into(),
        model_digest: None,
        corrections: None,
    };
    update(&mut m, Msg::RunStarted(Ok(started)));
    let t0 = std::time::Instant::now();
    update(&mut m, Msg::Ticked(t0));
    update(
        &mut m,
        Msg::Run(RunEvent::Started {
            total: 6,
            already_done: 1,
        }),
    );
    let finish = |m: &mut Model, index: usize, cached: bool, replayed: bool| {
        let mut r = fixtures::result(&format!("0/{index}.png"), "0", Some("0"));
        r.cached = cached;
        update(
            m,
            Msg::Run(RunEvent::ItemFinished {
                index,
                result: r,
                replayed,
            }),
        );
    };
    finish(&mut m, 0, false, true);
    finish(&mut m, 1, true, false);
    finish(&mut m, 2, true, false);
    finish(&mut m, 3, false, false);
    update(&mut m, Msg::Ticked(t0 + Duration::from_secs(2)));
    assert_eq!(m.run.tally.done(), 4);
    assert_eq!(m.run.timing.fresh_done, 1, "only the asked item counts");
    assert_eq!(m.run.timing.rate(m.now), Some(0.5));
    assert_eq!(m.run.eta(m.now), Some(Duration::from_secs(4)));
    update(
        &mut m,
        Msg::Run(RunEvent::StoppedEarly {
            answered: 4,
            half_width: 0.2,
        }),
    );
    update(&mut m, Msg::Run(RunEvent::Finished { interrupted: false }));
    assert_eq!(m.run.phase, RunPhase::Finished { interrupted: false });
    assert_eq!(m.run.stopped_early, Some(0.2));
    assert!(m.notices.iter().any(|n| n.text.contains("Stopped early")));
}

#[test]
fn export_applies_the_corrections_while_t_has_them_on() {
    let mut m = drilled_session();
    update(&mut m, code(KeyCode::Esc));
    for on in [false, true] {
        if on {
            update(&mut m, key('T'));
        }
        update(&mut m, key('x'));
        let effects = update(&mut m, code(KeyCode::Enter));
        assert!(
            matches!(
                effects.as_slice(),
                [Effect::ExportReport { with_corrections, .. }] if *with_corrections == on
            ),
            "{effects:?}"
        );
    }
}

#[test]
fn tab_focuses_the_latest_finished_list_and_up_down_pick_an_item() {
    let (mut m, _) = fixtures::running(160, 48, 3, 10, 6, 1, 5);
    let newest = *m.run.recent.back().unwrap();
    assert_eq!(m.live.shown(&m.run), Some(newest), "follows the newest");
    update(&mut m, code(KeyCode::Tab));
    assert!(m.live.focused);
    let cursor = m.matrix.cursor;
    update(&mut m, code(KeyCode::Down)); // pins the newest
    assert_eq!(m.live.selected, Some(newest));
    update(&mut m, code(KeyCode::Down));
    update(&mut m, code(KeyCode::Down));
    let third = m.run.recent[m.run.recent.len() - 3];
    assert_eq!(m.live.selected, Some(third));
    assert_eq!(m.matrix.cursor, cursor, "the matrix cursor stays put");
    // A new result arrives: the selection stays on its item.
    update(
        &mut m,
        Msg::Run(RunEvent::ItemFinished {
            index: 6,
            result: fixtures::result("0/img_0002.png", "0", Some("0")),
            replayed: false,
        }),
    );
    assert_eq!(m.live.shown(&m.run), Some(third));
    assert_eq!(m.live.position(&m.run), Some(3));
    for _ in 0..10 {
        update(&mut m, code(KeyCode::Up));
    }
    assert_eq!(
        m.live.selected, None,
        "up past the top follows the newest again"
    );
    for _ in 0..100 {
        update(&mut m, code(KeyCode::Down));
    }
    assert_eq!(
        m.live.selected,
        m.run.recent.front().copied(),
        "stops at the oldest"
    );
    // Esc (no notice) or Tab hands the keys back to the matrix.
    m.notices.clear();
    update(&mut m, code(KeyCode::Esc));
    assert!(!m.live.focused);
    assert_eq!(m.live.selected, None);
    update(&mut m, code(KeyCode::BackTab));
    assert!(m.live.focused);
    update(&mut m, code(KeyCode::Tab));
    assert!(!m.live.focused);
    update(&mut m, code(KeyCode::Down));
    assert_eq!(
        m.matrix.cursor.row,
        cursor.row + 1,
        "arrows move the matrix again"
    );
}

#[test]
fn m_switches_the_matrix_and_the_pairs_list() {
    let (mut m, _) = fixtures::running(160, 48, 3, 10, 6, 0, 5);
    assert_eq!(m.matrix.mode, crate::tui::model::MatrixMode::Full);
    update(&mut m, key('m'));
    assert_eq!(m.matrix.mode, crate::tui::model::MatrixMode::Pairs);
    update(&mut m, key('m'));
    assert_eq!(m.matrix.mode, crate::tui::model::MatrixMode::Full);
}

#[test]
fn i_cycles_the_until_ci_target_of_the_next_run() {
    let mut m = ready_model();
    let mut seen = Vec::new();
    for _ in 0..5 {
        update(&mut m, key('i'));
        seen.push(m.run.spec.as_ref().and_then(|s| s.until_ci));
        assert_eq!(m.spec.until_ci, seen[seen.len() - 1]);
    }
    assert_eq!(seen, [Some(0.05), Some(0.03), Some(0.02), Some(0.01), None]);
    update(&mut m, key('i'));
    update(&mut m, key('i'));
    let effects = update(&mut m, key('r'));
    let [Effect::StartRun { spec, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(spec.until_ci, Some(0.03), "the next run stops at ±3 points");
}

#[test]
fn f_continues_the_session_asking_its_failed_items_again() {
    // Nothing to retry without a session or without failures.
    let mut m = ready_model();
    assert!(update(&mut m, key('f')).is_empty());
    let (mut m, _) = fixtures::running(160, 48, 10, 20, 200, 0, 80);
    assert!(m.run.tally.errors() > 0);
    update(&mut m, Msg::Run(RunEvent::Finished { interrupted: false }));
    let effects = update(&mut m, key('f'));
    let [Effect::PrepareRun { generation, spec }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(spec.resume, Some(PathBuf::from("/sessions/demo")));
    assert!(spec.retry_failed);
    // Prepared: it shows the session's results at once and starts by itself.
    let mut info = fixtures::prepared(&fixtures::labels(10), 20);
    info.journaled = vec![(0, fixtures::result("0/img_0000.png", "0", Some("0")))];
    let effects = update(
        &mut m,
        Msg::Prepared {
            generation: *generation,
            result: Ok(info),
        },
    );
    let [Effect::StartRun { spec, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(spec.retry_failed && spec.resume.is_some());
}

#[test]
fn a_session_to_continue_shows_its_results_before_any_key() {
    let mut m = fixtures::model(120, 40);
    m.spec.resume = Some(PathBuf::from("/sessions/half"));
    m.spec.dataset = Some(PathBuf::from("/data"));
    let effects = init(&mut m);
    let Some(Effect::PrepareRun { generation, .. }) = effects
        .iter()
        .find(|e| matches!(e, Effect::PrepareRun { .. }))
    else {
        panic!("{effects:?}")
    };
    let mut info = fixtures::prepared(&fixtures::labels(2), 3);
    info.journaled = vec![
        (0, fixtures::result("0/img_0000.png", "0", Some("0"))),
        (1, fixtures::result("1/img_0000.png", "1", Some("0"))),
    ];
    // The session's corrections come with it: the model was right about image 1.
    info.corrections = Corrections::from_log(&[CorrectionEntry::correct(
        "1/img_0000.png",
        "1",
        &Verdict::Label("0".into()),
        "t".into(),
    )]);
    update(
        &mut m,
        Msg::Prepared {
            generation: *generation,
            result: Ok(info),
        },
    );
    assert_eq!(m.run.phase, RunPhase::Ready);
    assert_eq!((m.run.tally.done(), m.run.total), (2, 6));
    assert_eq!(m.run.tally.accuracy(), Some(0.5));
    assert_eq!(m.run.session_dir, Some(PathBuf::from("/sessions/half")));
    assert_eq!(m.run.corrections.len(), 1);
    update(&mut m, key('T'));
    assert_eq!(m.run.tally.accuracy(), Some(1.0));
    // Continuing the run keeps them (and T's state) while the engine reports its start.
    update(
        &mut m,
        Msg::Run(RunEvent::Started {
            total: 6,
            already_done: 2,
        }),
    );
    assert!(m.run.corrections_on && m.run.corrections.len() == 1);
    // A past session opened from the start screen counts against the session's own total.
    update(&mut m, Msg::SessionLoaded(Ok(past_session(false))));
    assert_eq!((m.run.tally.done(), m.run.total), (1, 4));
    assert_eq!(
        m.run.farewell().as_deref(),
        Some("squint: session /sessions/old")
    );
}

#[test]
fn r_after_a_run_stopped_early_continues_that_session_asking_the_rest() {
    let (mut m, _) = fixtures::running(120, 40, 3, 10, 12, 0, 5);
    update(&mut m, key('i')); // ±5 points
    update(
        &mut m,
        Msg::Run(RunEvent::StoppedEarly {
            answered: 12,
            half_width: 0.04,
        }),
    );
    update(&mut m, Msg::Run(RunEvent::Finished { interrupted: false }));
    let effects = update(&mut m, key('r'));
    let [Effect::StartRun { spec, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(spec.resume, Some(PathBuf::from("/sessions/demo")));
    assert_eq!(spec.until_ci, None, "the reached target is not asked again");
}

#[test]
fn a_resumed_session_that_cannot_be_prepared_is_opened_read_only() {
    let mut m = fixtures::model(120, 40);
    m.spec.resume = Some(PathBuf::from("/sessions/imported"));
    let effects = init(&mut m);
    assert!(matches!(effects.last(), Some(Effect::PrepareRun { .. })));
    let effects = update(
        &mut m,
        Msg::Prepared {
            generation: 1,
            result: Err("the session records no prompt template".into()),
        },
    );
    assert!(
        matches!(effects.as_slice(), [Effect::OpenSession { dir }] if dir.ends_with("imported")),
        "{effects:?}"
    );
    assert_eq!(m.screen, Screen::Run, "stays on the run screen");
    let notice = m.notices.back().map(|n| (n.level, n.text.clone()));
    assert!(
        matches!(&notice, Some((Level::Info, t)) if t.contains("read-only") && t.contains("no prompt template")),
        "{notice:?}"
    );
    update(&mut m, Msg::SessionLoaded(Ok(past_session(true))));
    assert_eq!(m.run.phase, RunPhase::Viewing);
    assert_eq!(m.run.tally.done(), 1);
}

/// A prepared run offered `n` corrections of an earlier session (image `i` of class `i`
/// relabelled to the next class).
fn offered(m: &mut Model, n: usize) {
    let mut info = fixtures::prepared(&fixtures::labels(3), 2);
    info.carried = Some(crate::setup::CarriedCorrections {
        from: PathBuf::from("/sessions/earlier"),
        entries: (0..n)
            .map(|i| {
                CorrectionEntry::correct(
                    &format!("{i}/img_0000.png"),
                    &i.to_string(),
                    &Verdict::Label(((i + 1) % 3).to_string()),
                    String::new(),
                )
            })
            .collect(),
        applied: false,
        refused: 0,
    });
    let generation = m.run.generation;
    update(
        m,
        Msg::Prepared {
            generation,
            result: Ok(info),
        },
    );
}

#[test]
fn an_earlier_sessions_corrections_are_offered_and_used_only_when_accepted() {
    let mut m = ready_model();
    offered(&mut m, 2);
    assert_eq!(m.overlay, Some(Overlay::CarryCorrections));
    let screen = drawn(&m);
    assert!(
        screen.contains("Session earlier")
            && screen
                .contains("has 2 label corrections (2 relabelled, 0 doubtful) for this dataset.")
            && screen.contains("Enter: use them"),
        "{screen}"
    );
    // Declined: the run starts with the dataset's labels.
    update(&mut m, key('n'));
    assert_eq!(m.overlay, None);
    let effects = update(&mut m, key('r'));
    let [Effect::StartRun { spec, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(spec.corrections_from, None);

    // Accepted: the run takes them as its truth, and shows them on from its start.
    let mut m = ready_model();
    offered(&mut m, 2);
    update(&mut m, key('y'));
    let effects = update(&mut m, key('r'));
    let [Effect::StartRun { spec, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        spec.corrections_from,
        Some(PathBuf::from("/sessions/earlier"))
    );
    let carried = Corrections::from_log(&[CorrectionEntry::correct(
        "0/img_0000.png",
        "0",
        &Verdict::Label("1".into()),
        "t".into(),
    )]);
    update(
        &mut m,
        Msg::RunStarted(Ok(StartedInfo {
            session_dir: "/s".into(),
            host: "h".into(),
            model: "llava".into(),
            model_digest: None,
            corrections: Some(carried),
        })),
    );
    update(
        &mut m,
        Msg::Run(RunEvent::Started {
            total: 6,
            already_done: 0,
        }),
    );
    assert!(m.run.corrections_on && m.run.corrections.len() == 1);
    update(
        &mut m,
        Msg::Run(RunEvent::ItemFinished {
            index: 0,
            result: fixtures::result("0/img_0000.png", "0", Some("1")),
            replayed: false,
        }),
    );
    assert_eq!(m.run.tally.accuracy(), Some(1.0));
}

/// The model drawn at its size, as text.
fn drawn(m: &Model) -> String {
    let (w, h) = m.size;
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|frame| {
            crate::tui::view::render(frame, m);
        })
        .unwrap();
    let buffer = terminal.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buffer[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_fast_esc_esc_read_as_one_alt_esc_is_two_escapes_unless_alt_esc_is_bound() {
    let alt_esc = || mods(KeyCode::Esc, KeyModifiers::ALT);
    let image_over_a_cell = || {
        let (mut m, _) = fixtures::running(120, 40, 5, 20, 100, 0, 50);
        update(&mut m, code(KeyCode::Enter));
        update(&mut m, key('o'));
        assert_eq!(
            (m.overlay, m.screen),
            (Some(Overlay::FullImage), Screen::Drill)
        );
        m
    };
    // Esc Esc: the image closes, then the list goes back to the matrix.
    let mut m = image_over_a_cell();
    update(&mut m, alt_esc());
    assert_eq!((m.overlay, m.screen), (None, Screen::Run));
    // In one piece on the matrix: the second Esc has nothing to leave.
    update(&mut m, alt_esc());
    assert_eq!((m.overlay, m.screen), (None, Screen::Run));
    // A keymap that binds alt-esc gets exactly one press of it.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("keymap.toml"),
        "[image]\nback = [\"esc\", \"alt-esc\"]\n",
    )
    .expect("keymap written");
    let (keymap, warnings) = crate::tui::keymap::Keymap::load(Some(dir.path()));
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut m = image_over_a_cell();
    m.keymap = keymap;
    update(&mut m, alt_esc());
    assert_eq!((m.overlay, m.screen), (None, Screen::Drill));
}

#[test]
fn esc_dismisses_only_a_notice_that_is_on_screen() {
    // The drawing and the key agree: Esc is spent on a notice only while one is drawn.
    let shown = |m: &Model| drawn(m).contains("info: moved on");
    let mut m = drilled_session();
    let t0 = std::time::Instant::now();
    update(&mut m, Msg::Ticked(t0));
    m.notices.clear();
    let drill_again = |m: &mut Model| {
        m.matrix.cursor = MatrixCursor { row: 1, col: 2 };
        update(m, code(KeyCode::Enter));
        assert_eq!(m.screen, Screen::Drill);
    };

    // On screen: the first Esc dismisses it, the list stays.
    m.notify(Level::Info, "moved on");
    assert!(shown(&m));
    update(&mut m, code(KeyCode::Esc));
    assert_eq!((m.screen, m.notices.len()), (Screen::Drill, 0));

    // Expired (the clock passed it, though no tick has cleared it yet): not drawn, and Esc
    // leaves the list at once.
    m.notify(Level::Info, "moved on");
    m.now = Some(t0 + Duration::from_secs(NOTICE_SECS));
    assert!(!shown(&m));
    update(&mut m, code(KeyCode::Esc));
    assert_eq!(m.screen, Screen::Run);

    // Hidden (a terminal too small for notices): Esc does what it does on the screen.
    drill_again(&mut m);
    m.notify(Level::Error, "moved on");
    update(
        &mut m,
        Msg::Resized {
            width: 40,
            height: 3,
        },
    );
    assert!(!m.notices_shown());
    update(&mut m, code(KeyCode::Esc));
    assert_eq!(m.screen, Screen::Run);
    // The error waits for a terminal that shows it; then Esc dismisses it.
    update(
        &mut m,
        Msg::Resized {
            width: 120,
            height: 40,
        },
    );
    assert!(m.notices_shown());
    update(&mut m, code(KeyCode::Esc));
    assert!(m.notices.is_empty());
}

/// A past session opened read-only is keyed by its own model, template text and labels: `K`
/// asks for the estimate saved for exactly those (and the probe on it would save one).
#[test]
fn k_on_a_past_session_asks_for_the_estimate_of_its_own_model_and_prompt() {
    let mut m = fixtures::model(120, 40);
    let mut session = past_session(true);
    session.template_text = "name = \"mine\"\nprompt = \"x\"\n".into();
    session.results[0].label_probs = Some(crate::domain::label_probs::LabelProbs::new([(
        "0".to_owned(),
        0.9,
    )]));
    let want = crate::tui::model::PriorKey::new(
        "llava:13b",
        "name = \"mine\"\nprompt = \"x\"\n",
        &fixtures::labels(2),
    );
    update(&mut m, Msg::SessionLoaded(Ok(session)));
    assert_eq!(m.run.prompt_key.as_ref(), Some(&want));
    let effects = update(&mut m, key('K'));
    assert!(
        matches!(effects.as_slice(), [Effect::LoadPrior { key }] if *key == want),
        "{effects:?}"
    );
}
