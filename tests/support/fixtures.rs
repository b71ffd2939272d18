//! Deterministic demo models for tests, snapshots and the benchmark: a prepared run with any
//! number of classes and results, fed through `update` exactly like a real run (so the
//! numbers on screen are the ones a run would produce). Never touches disk or the network.
//! Not part of the shipped library: the unit tests, the integration tests and the benchmark
//! each include this file with `#[path]`, and it reaches squint only through `squint::`.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use squint::dataset::{DatasetItem, RunItems};
use squint::domain::parse::ParseStep;
use squint::domain::result::{ErrorKind, ItemError, ItemResult};
use squint::engine::events::RunEvent;
use squint::setup::RunSpec;
use squint::tui::keymap::Keymap;
use squint::tui::model::Model;
use squint::tui::msg::{Msg, PreparedInfo, StartedInfo};
use squint::tui::theme::Theme;
use squint::tui::update::update;

/// A model on the default theme and keymap, with a fixed terminal size.
pub fn model(width: u16, height: u16) -> Model {
    let (theme, _) = Theme::load(None, None, false);
    let mut m = Model::new(RunSpec::default(), theme, Keymap::default_keymap());
    m.size = (width, height);
    m
}

/// Labels `0`, `1`, ... `n-1` (digits) or `class-000`... for more than ten.
pub fn labels(n: usize) -> Vec<String> {
    if n <= 10 {
        (0..n).map(|i| i.to_string()).collect()
    } else {
        (0..n).map(|i| format!("class-{i:03}")).collect()
    }
}

/// A prepared run over `per_class` images of each label.
pub fn prepared(labels: &[String], per_class: usize) -> PreparedInfo {
    let items = (0..per_class)
        .flat_map(|k| {
            labels
                .iter()
                .map(move |l| DatasetItem::new(&format!("{l}/img_{k:04}.png"), l))
        })
        .collect();
    let items = RunItems::from_items(Path::new("/data"), items);
    PreparedInfo {
        dataset_root: PathBuf::from("/data"),
        class_counts: labels.iter().map(|l| (l.clone(), per_class)).collect(),
        items,
        labels: labels.to_vec(),
        template: "digits".to_owned(),
        model: "llava".to_owned(),
        model_digest: None,
        warnings: Vec::new(),
        template_text: "name = \"digits\"\nprompt = \"Which digit is shown?\"\n".to_owned(),
        template_version: None,
        prompt_versions: Some(PathBuf::from("/data/prompts/digits")),
        parent: None,
        to_ask: per_class * labels.len(),
        parent_results: None,
        journaled: Vec::new(),
        corrections: Default::default(),
        carried: None,
    }
}

/// A finished result for `image` with the given truth and prediction (`None` = unparsed).
pub fn result(image: &str, truth: &str, label: Option<&str>) -> ItemResult {
    ItemResult {
        image: image.to_owned(),
        sha256: String::new(),
        truth: truth.to_owned(),
        answer: match label {
            Some(l) => format!("The digit in this image is {l}."),
            None => "I cannot tell what this is.".to_owned(),
        },
        label: label.map(str::to_owned),
        parse: Some(if label.is_some() {
            ParseStep::WholeWord
        } else {
            ParseStep::Unparsed
        }),
        confidence: None,
        latency_ms: 850,
        eval_count: Some(12),
        prompt_eval_count: Some(600),
        eval_duration_ns: Some(300_000_000),
        total_duration_ns: None,
        attempts: 1,
        cached: false,
        error: None,
        error_kind: None,
        label_probs: None,
    }
}

/// The prediction a skewed demo model makes for item `i` of true class `t` out of `n`:
/// mostly right, often "3" (the original experiment's skew), sometimes unparsed or failed.
/// Deterministic: a multiplicative hash of the index picks the case.
fn predict(i: usize, t: usize, n: usize) -> Option<Option<usize>> {
    let h = ((i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize; // 0..64
    match h {
        0..=1 => None,                      // request failed
        2..=4 => Some(None),                // unparsed
        5..=13 => Some(Some(3 % n)),        // skew toward "3"
        14..=17 => Some(Some((t + 1) % n)), // neighbour confusion
        _ => Some(Some(t)),                 // right
    }
}

/// A model on the run screen after `done` of `labels.len() * per_class` items finished, with
/// `in_flight` items streaming, the clock `secs` seconds after the start.
pub fn running(
    width: u16,
    height: u16,
    n_labels: usize,
    per_class: usize,
    done: usize,
    in_flight: usize,
    secs: u64,
) -> (Model, Instant) {
    let mut m = model(width, height);
    let labels = labels(n_labels);
    let info = prepared(&labels, per_class);
    let t0 = Instant::now();
    let items = info.items.clone();
    update(&mut m, Msg::Ticked(t0));
    update(
        &mut m,
        Msg::Prepared {
            generation: 0,
            result: Ok(info),
        },
    );
    m.screen = squint::tui::model::Screen::Run;
    update(
        &mut m,
        Msg::RunStarted(Ok(StartedInfo {
            session_dir: PathBuf::from("/sessions/demo"),
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
    for (i, item) in items.iter().enumerate().take(done) {
        let t = labels.iter().position(|l| **l == *item.truth).unwrap_or(0);
        let mut r = result(&item.rel, &item.truth, None);
        match predict(i, t, labels.len()) {
            None => {
                r.set_error(ItemError::new(
                    ErrorKind::Server,
                    "HTTP 500 from http://127.0.0.1:11434: model runner crashed",
                ));
                r.label = None;
                r.parse = None;
                r.answer.clear();
            }
            Some(p) => {
                r = result(&item.rel, &item.truth, p.map(|p| labels[p].as_str()));
                r.confidence = Some(((i * 37) % 100) as f64 / 100.0);
            }
        }
        update(
            &mut m,
            Msg::Run(RunEvent::ItemFinished {
                index: i,
                result: r,
                replayed: false,
            }),
        );
    }
    for (i, item) in items.iter().enumerate().skip(done).take(in_flight) {
        update(
            &mut m,
            Msg::Run(RunEvent::ItemStarted {
                index: i,
                image: item.rel.to_string(),
                truth: item.truth.to_string(),
            }),
        );
        update(
            &mut m,
            Msg::Run(RunEvent::Token {
                index: i,
                text: "The digit shown \u{1b}[31mis".to_owned(),
            }),
        );
    }
    update(&mut m, Msg::Ticked(t0 + Duration::from_secs(secs)));
    (m, t0)
}

/// The content-free prior of the calibration demo: labels 0 0.3, 1 0.1, 2 0.6.
pub const DEMO_PRIOR: &[(&str, f64)] = &[("0", 0.3), ("1", 0.1), ("2", 0.6)];

/// A finished run over labels 0, 1, 2 for the calibrated view: six results, five answered with
/// label probabilities (none when `with_probs` is false), one failed. With [`DEMO_PRIOR`]: item
/// 0 (true 0, said 2) and item 2 (true 1, said 2) are fixed, item 5 (true 2, said 2) is broken
/// to 1; raw 3 of 5 answered right, calibrated 4.
pub fn calibration_run(width: u16, height: u16, with_probs: bool) -> (Model, Instant) {
    type Row<'a> = (&'a str, Option<&'a str>, &'a [(&'a str, f64)]);
    let (mut m, t0) = running(width, height, 3, 2, 0, 0, 10);
    let rows: [Row; 6] = [
        ("0", Some("2"), &[("2", 0.5), ("0", 0.4), ("1", 0.1)]),
        ("0", Some("0"), &[("0", 0.7), ("2", 0.2), ("1", 0.1)]),
        ("1", Some("2"), &[("2", 0.5), ("1", 0.3), ("0", 0.2)]),
        ("1", Some("1"), &[("1", 0.9), ("2", 0.05), ("0", 0.05)]),
        ("2", None, &[]),
        ("2", Some("2"), &[("2", 0.4), ("0", 0.35), ("1", 0.25)]),
    ];
    for (i, (truth, label, probs)) in rows.into_iter().enumerate() {
        let mut r = result(&format!("{truth}/img_{i:04}.png"), truth, label);
        if label.is_none() {
            r.set_error(ItemError::new(ErrorKind::Timeout, "took too long"));
        } else if with_probs {
            let pairs = probs.iter().map(|(l, p)| ((*l).to_owned(), *p));
            r.label_probs = Some(squint::domain::label_probs::LabelProbs::new(pairs));
        }
        update(
            &mut m,
            Msg::Run(RunEvent::ItemFinished {
                index: i,
                result: r,
                replayed: false,
            }),
        );
    }
    update(&mut m, Msg::Run(RunEvent::Finished { interrupted: false }));
    (m, t0)
}

/// `P`, and the probe finishing with `content_free` (`None`: a server without logprobs); the
/// overlay closed again. Returns the effects of the finish.
pub fn probe_finished(
    m: &mut Model,
    content_free: Option<&[(&str, f64)]>,
) -> Vec<squint::tui::msg::Effect> {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let key = |c| Msg::KeyPressed(KeyEvent::new(c, KeyModifiers::NONE));
    update(m, key(KeyCode::Char('P')));
    let id = m.probe.as_ref().map(|p| p.id).unwrap_or_default();
    let report = squint::domain::probe::ProbeReport {
        labels: Default::default(),
        per_image: Default::default(),
        unparsed: 0,
        answers: 40,
        errors: 0,
        content_free: content_free.map(|c| c.iter().map(|(l, p)| ((*l).to_owned(), *p)).collect()),
    };
    let update_msg = squint::tui::msg::ProbeUpdate::Finished(report);
    let effects = update(
        m,
        Msg::ProbeProgressed {
            id,
            update: update_msg,
        },
    );
    update(m, key(KeyCode::Esc));
    effects
}
