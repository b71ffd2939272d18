//! `K` on the matrix: the calibrated view on or off. It calibrates the run on screen with the
//! probe's content-free estimate for the same model and prompt (never another's): the one the
//! probe made in this workbench, else the one saved under the data folder (read off the UI
//! thread), then recounts; without an estimate, or without label probabilities in the run, it
//! says what to do instead. Pure: no IO.

use std::sync::Arc;

use crate::domain::calibration::Prior;
use crate::session::SavedPrior;
use crate::tui::model::{CalibratedView, Level, Model, PRIORS_KEPT, PriorEstimate, PriorKey};
use crate::tui::msg::Effect;

/// What to do for an estimate, said when there is none to use.
const HOW: &str = "press P to estimate the prompt's prior; needs a server that gives logprobs \
                   (--logprobs for OpenAI-compatible servers)";

/// `K`: switches the calibrated view.
pub(super) fn toggle(model: &mut Model) -> Vec<Effect> {
    if model.run.calibrated.take().is_some() {
        model.run.recount();
        model.notify(Level::Info, "calibrated view off: the model's own labels");
        return Vec::new();
    }
    let Some(key) = model.run.prompt_key.clone() else {
        model.notify(Level::Info, "no run on screen to calibrate");
        return Vec::new();
    };
    let answered = model.run.results.iter().flatten().count();
    let with_probs = model
        .run
        .results
        .iter()
        .flatten()
        .filter(|r| r.label_probs.is_some())
        .count();
    if answered > 0 && with_probs == 0 {
        model.notify(
            Level::Warn,
            format!(
                "nothing to calibrate: none of the {answered} results has label probabilities \
                 (the server gave no logprobs, or the labels take more than one token); \
                 re-run with logprobs (--logprobs for OpenAI-compatible servers)"
            ),
        );
        return Vec::new();
    }
    match model.priors.iter().find(|p| p.key == key) {
        Some(estimate) => {
            let prior = estimate.prior.clone();
            turn_on(model, prior, "");
            Vec::new()
        }
        // Perhaps an earlier probe of this model and prompt saved one.
        None => vec![Effect::LoadPrior { key }],
    }
}

/// Calibrates the run on screen with `prior` and says so (`how` names a saved estimate).
fn turn_on(model: &mut Model, prior: Arc<Prior>, how: &str) {
    let run = &mut model.run;
    run.calibrated = Some(CalibratedView::new(prior, &run.axis.rows, run.total as u64));
    run.recount();
    let text = run.calibrated.as_ref().map(CalibratedView::summary);
    let (raw, calibrated) = accuracies(model);
    model.notify(
        Level::Info,
        format!(
            "calibrated view on{how}: {}{}",
            text.unwrap_or_default(),
            match (raw, calibrated) {
                (Some(raw), Some(cal)) =>
                    format!(" · accuracy {:.1}% → {:.1}%", raw * 100.0, cal * 100.0),
                _ => String::new(),
            }
        ),
    );
}

/// The estimate saved for `key` was read (`K` asked for it).
pub(super) fn loaded(
    model: &mut Model,
    key: PriorKey,
    result: Result<Option<SavedPrior>, String>,
) -> Vec<Effect> {
    let saved = match result {
        Ok(saved) => saved,
        Err(why) => {
            model.notify(Level::Warn, format!("{why}; {HOW}"));
            return Vec::new();
        }
    };
    let estimate = saved.and_then(|s| {
        let prior = Prior::new(&s.content_free)?;
        Some(PriorEstimate {
            key: key.clone(),
            prompt: s.prompt,
            content_free: s.content_free,
            prior: Arc::new(prior),
        })
    });
    let Some(estimate) = estimate else {
        let text = match model.priors.first() {
            Some(other) => format!(
                "the content-free estimate at hand is for another prompt or model ({} · {}): {HOW}",
                other.prompt, other.key.model
            ),
            None => format!("no content-free estimate for this prompt yet: {HOW}"),
        };
        model.notify(Level::Warn, text);
        return Vec::new();
    };
    let prior = estimate.prior.clone();
    keep(model, estimate);
    // Only for the run it was asked for, and only once.
    if model.run.prompt_key.as_ref() == Some(&key) && model.run.calibrated.is_none() {
        turn_on(model, prior, " (the estimate saved by an earlier probe)");
    }
    Vec::new()
}

/// Keeps `estimate` first, replacing an older one of the same model and prompt.
pub(super) fn keep(model: &mut Model, estimate: PriorEstimate) {
    model.priors.retain(|p| p.key != estimate.key);
    model.priors.insert(0, estimate);
    model.priors.truncate(PRIORS_KEPT);
}

/// The estimate a probe made was saved (or not: it still works until the workbench closes).
pub(super) fn saved(model: &mut Model, result: Result<std::path::PathBuf, String>) -> Vec<Effect> {
    if let Err(why) = result {
        model.notify(
            Level::Warn,
            format!(
                "the content-free estimate was not saved ({why}); K uses it until squint closes"
            ),
        );
    }
    Vec::new()
}

/// The raw and the calibrated accuracy while the view is on.
fn accuracies(model: &Model) -> (Option<f64>, Option<f64>) {
    match &model.run.calibrated {
        Some(view) => (view.raw.accuracy(), model.run.tally.accuracy()),
        None => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::tui::fixtures;
    use crate::tui::msg::Msg;
    use crate::tui::update::update;

    fn press(m: &mut Model, code: KeyCode) -> Vec<Effect> {
        update(m, Msg::KeyPressed(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    /// `K`, when it asks for a saved estimate: the answer `saved`.
    fn k_with_saved(m: &mut Model, saved: Result<Option<SavedPrior>, String>) {
        let effects = press(m, KeyCode::Char('K'));
        if let [Effect::LoadPrior { key }] = effects.as_slice() {
            assert_eq!(
                Some(key),
                m.run.prompt_key.as_ref(),
                "asked for this run's key"
            );
            update(
                m,
                Msg::PriorLoaded {
                    key: key.clone(),
                    result: saved,
                },
            );
        }
    }

    fn last_notice(m: &Model) -> String {
        m.notices.back().map(|n| n.text.clone()).unwrap_or_default()
    }

    fn run(with_probs: bool) -> Model {
        fixtures::calibration_run(120, 40, with_probs).0
    }

    /// `P` and the probe finishing with `content_free`: an estimate is saved for the next
    /// workbench (off the UI thread).
    fn probe(m: &mut Model, content_free: Option<&[(&str, f64)]>) {
        let effects = fixtures::probe_finished(m, content_free);
        match (content_free, effects.as_slice()) {
            (Some(_), [Effect::SavePrior { prior }]) => {
                let key = m.run.prompt_key.as_ref();
                assert_eq!(Some(&prior.prompt_digest), key.map(|k| &k.prompt_digest));
            }
            (None, []) => {}
            (_, other) => panic!("unexpected effects {other:?}"),
        }
    }

    const PRIOR: &[(&str, f64)] = fixtures::DEMO_PRIOR;

    #[test]
    fn k_calibrates_with_the_probes_prior_and_k_again_returns_to_raw() {
        let mut m = run(true);
        k_with_saved(&mut m, Ok(None));
        assert!(m.run.calibrated.is_none());
        assert!(
            last_notice(&m).contains("press P to estimate the prompt's prior; needs a server that gives logprobs (--logprobs for OpenAI-compatible servers)"),
            "{}",
            last_notice(&m)
        );
        probe(&mut m, Some(PRIOR));
        assert_eq!(m.run.tally.correct(), 3);
        press(&mut m, KeyCode::Char('K'));
        let view = m.run.calibrated.as_ref().expect("on");
        assert_eq!((view.calibrated, view.kept), (5, 1));
        assert_eq!(
            view.summary(),
            "calibrated 5 of 6; 1 without probabilities keep their label"
        );
        // Raw: 3 of 5 answered right; calibrated: 4 of 5.
        assert_eq!(view.raw.correct(), 3);
        assert_eq!(m.run.tally.correct(), 4);
        assert!(
            last_notice(&m).starts_with("calibrated view on: calibrated 5 of 6; 1 without probabilities keep their label · accuracy 60.0% → 80.0%"),
            "{}",
            last_notice(&m)
        );
        assert_eq!(m.run.tally.metrics.count("2", "1"), 1);
        // The drill-down of true 2 → predicted 1 holds the broken item.
        m.matrix.cursor = crate::tui::model::MatrixCursor { row: 3, col: 2 };
        press(&mut m, KeyCode::Enter);
        assert_eq!(m.drill.as_ref().map(|d| d.entries.clone()), Some(vec![5]));
        press(&mut m, KeyCode::Esc);
        press(&mut m, KeyCode::Esc);
        press(&mut m, KeyCode::Char('K'));
        assert!(m.run.calibrated.is_none());
        assert_eq!(m.run.tally.correct(), 3);
        assert_eq!(m.run.tally.metrics.count("2", "1"), 0);
    }

    #[test]
    fn corrections_change_the_truth_and_calibration_the_prediction() {
        let mut m = run(true);
        probe(&mut m, Some(PRIOR));
        press(&mut m, KeyCode::Char('K'));
        // Item 5 (true 2, calibrated 1) relabelled to 1: right when both are on.
        m.run
            .corrections
            .push(crate::domain::corrections::CorrectionEntry {
                image: "2/img_0005.png".into(),
                old: "2".into(),
                new: Some("1".into()),
                doubtful: false,
                undo: false,
                time: String::new(),
            });
        press(&mut m, KeyCode::Char('T'));
        assert!(m.run.corrections_on);
        let view = m.run.calibrated.as_ref().expect("still on");
        assert_eq!(
            m.run.tally.correct(),
            5,
            "calibrated labels against corrected truth"
        );
        assert_eq!(view.raw.correct(), 2, "raw labels against corrected truth");
        assert_eq!((view.calibrated, view.kept), (5, 1));
    }

    #[test]
    fn k_explains_why_it_cannot_calibrate() {
        // An estimate for another prompt never calibrates this run.
        let mut m = run(true);
        probe(&mut m, Some(PRIOR));
        m.run.prompt_key = Some(crate::tui::model::PriorKey::new("llava", "other", &[]));
        k_with_saved(&mut m, Ok(None));
        assert!(m.run.calibrated.is_none());
        assert!(
            last_notice(&m).contains("is for another prompt or model")
                && last_notice(&m).contains("press P"),
            "{}",
            last_notice(&m)
        );
        // A server without logprobs: the probe has no estimate.
        let mut m = run(true);
        probe(&mut m, None);
        k_with_saved(&mut m, Ok(None));
        assert!(m.run.calibrated.is_none());
        assert!(last_notice(&m).contains("press P"), "{}", last_notice(&m));
        // A run without label probabilities: nothing to calibrate.
        let mut m = run(false);
        probe(&mut m, Some(PRIOR));
        press(&mut m, KeyCode::Char('K'));
        assert!(m.run.calibrated.is_none());
        assert!(
            last_notice(&m)
                .starts_with("nothing to calibrate: none of the 6 results has label probabilities"),
            "{}",
            last_notice(&m)
        );
    }

    #[test]
    fn a_saved_estimate_calibrates_without_a_probe() {
        let mut m = run(true);
        let key = m.run.prompt_key.clone().expect("a prepared run has a key");
        let saved = SavedPrior {
            model: key.model.clone(),
            model_digest: key.digest.clone(),
            prompt_digest: key.prompt_digest.clone(),
            prompt: "digits".into(),
            content_free: PRIOR.iter().map(|(l, p)| ((*l).to_owned(), *p)).collect(),
            time: "2026-11-30T03:00:00Z".into(),
        };
        k_with_saved(&mut m, Ok(Some(saved)));
        assert_eq!(m.run.tally.correct(), 4, "calibrated");
        assert!(
            last_notice(&m).starts_with(
                "calibrated view on (the estimate saved by an earlier probe): calibrated 5 of 6"
            ),
            "{}",
            last_notice(&m)
        );
        // Kept: off and on again needs no second read.
        press(&mut m, KeyCode::Char('K'));
        assert!(press(&mut m, KeyCode::Char('K')).is_empty());
        assert!(m.run.calibrated.is_some());
        // A file that cannot be used is said, with what to do.
        let mut m = run(true);
        k_with_saved(
            &mut m,
            Err("priors/x.json is not a saved content-free estimate".into()),
        );
        assert!(m.run.calibrated.is_none());
        assert!(
            last_notice(&m).contains("estimate; press P"),
            "{}",
            last_notice(&m)
        );
    }

    /// `P` with the server reporting the model's `digest`, finishing with `PRIOR`; returns
    /// the estimate it saves.
    fn probe_on(m: &mut Model, digest: Option<&str>, skipped: &[&str]) -> SavedPrior {
        press(m, KeyCode::Char('P'));
        let id = m.probe.as_ref().map(|p| p.id).expect("a probe");
        let connected = crate::tui::msg::ProbeUpdate::Connected {
            model: "llava".into(),
            digest: digest.map(str::to_owned),
            host: "http://gpu2:11434".into(),
            skipped: skipped.iter().map(|s| (*s).to_owned()).collect(),
            total: 40,
            images: "10 each, 28x28".into(),
        };
        update(
            m,
            Msg::ProbeProgressed {
                id,
                update: connected,
            },
        );
        let probe = m.probe.as_ref().map(|p| (p.host.as_deref(), p.total));
        assert_eq!(probe, Some((Some("http://gpu2:11434"), 40)));
        let key = m.probe.as_ref().and_then(|p| p.key.clone());
        assert_eq!(key.and_then(|k| k.digest), digest.map(str::to_owned));
        let report = crate::domain::probe::ProbeReport {
            labels: Default::default(),
            per_image: Default::default(),
            unparsed: 0,
            answers: 40,
            errors: 0,
            content_free: Some(PRIOR.iter().map(|(l, p)| ((*l).to_owned(), *p)).collect()),
        };
        let finished = crate::tui::msg::ProbeUpdate::Finished(report);
        let effects = update(
            m,
            Msg::ProbeProgressed {
                id,
                update: finished,
            },
        );
        press(m, KeyCode::Esc);
        match effects.as_slice() {
            [Effect::SavePrior { prior }] => prior.clone(),
            other => panic!("unexpected effects {other:?}"),
        }
    }

    #[test]
    fn estimates_follow_the_models_digest_not_its_name() {
        const OLD: &str = "sha256:0123456789abcdef";
        const NEW: &str = "sha256:fedcba9876543210";
        let mut m = run(true);
        // The server named the run's weights when the run started.
        update(
            &mut m,
            Msg::RunStarted(Ok(crate::tui::msg::StartedInfo {
                session_dir: "/s".into(),
                host: "h".into(),
                model: "llava".into(),
                model_digest: Some(NEW.into()),
                corrections: None,
            })),
        );
        let key = m.run.prompt_key.clone().expect("a key");
        assert_eq!(key.digest.as_deref(), Some(NEW));
        // A probe of older weights under the same name saves and keeps its estimate under
        // their digest, and never calibrates this run.
        let saved = probe_on(&mut m, Some(OLD), &[]);
        assert_eq!(
            (saved.model.as_str(), saved.model_digest.as_deref()),
            ("llava", Some(OLD))
        );
        k_with_saved(&mut m, Ok(None));
        assert!(m.run.calibrated.is_none());
        assert!(
            last_notice(&m).contains("is for another prompt or model"),
            "{}",
            last_notice(&m)
        );
        // Nor does one of a server that reports no digest (keyed by the name only).
        let saved = probe_on(&mut m, None, &[]);
        assert_eq!(saved.model_digest, None);
        k_with_saved(&mut m, Ok(None));
        assert!(m.run.calibrated.is_none());
        // A probe of these weights (on whichever server answered) calibrates it, and says
        // which server it asked when it passed one over.
        let saved = probe_on(
            &mut m,
            Some(NEW),
            &["cannot reach the model server at http://gpu1:11434"],
        );
        assert_eq!(saved.model_digest.as_deref(), Some(NEW));
        assert_eq!(
            last_notice(&m),
            "probing on http://gpu2:11434; passed over: cannot reach the model server at http://gpu1:11434"
        );
        assert!(
            press(&mut m, KeyCode::Char('K')).is_empty(),
            "the probe's own"
        );
        assert!(m.run.calibrated.is_some());
    }

    #[test]
    fn a_view_chosen_before_the_server_named_the_weights_goes_off_when_it_does() {
        let mut m = run(true);
        let key = m.run.prompt_key.clone().expect("a key");
        assert_eq!(key.digest, None, "no server has named the weights yet");
        let by_name = SavedPrior {
            model: key.model.clone(),
            model_digest: None,
            prompt_digest: key.prompt_digest.clone(),
            prompt: "digits".into(),
            content_free: PRIOR.iter().map(|(l, p)| ((*l).to_owned(), *p)).collect(),
            time: "2026-11-30T03:00:00Z".into(),
        };
        k_with_saved(&mut m, Ok(Some(by_name)));
        assert_eq!(m.run.tally.correct(), 4, "calibrated");
        let started = |digest: Option<&str>| {
            Msg::RunStarted(Ok(crate::tui::msg::StartedInfo {
                session_dir: "/s".into(),
                host: "h".into(),
                model: "llava".into(),
                model_digest: digest.map(str::to_owned),
                corrections: None,
            }))
        };
        // A server without digests: the same model, the view stays.
        update(&mut m, started(None));
        assert!(m.run.calibrated.is_some());
        // One that names the weights: the estimate by name no longer applies.
        update(&mut m, started(Some("sha256:fedcba9876543210")));
        assert!(m.run.calibrated.is_none());
        assert_eq!(m.run.tally.correct(), 3, "the model's own labels");
        assert!(
            last_notice(&m)
                .starts_with("calibrated view off: the server named the model's weights"),
            "{}",
            last_notice(&m)
        );
        // A continued session's prepared run is keyed by the digest it recorded.
        let labels: Vec<String> = ["0", "1", "2"].map(String::from).to_vec();
        let mut info = fixtures::prepared(&labels, 2);
        info.model_digest = Some("sha256:0123456789abcdef".into());
        assert_eq!(
            PriorKey::of(&info).digest.as_deref(),
            Some("sha256:0123456789abcdef")
        );
    }
}
