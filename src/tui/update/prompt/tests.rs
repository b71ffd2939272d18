//! The prompt editor as a state machine: open, type, paste, save, cancel, a bad template, the
//! re-run scope and the linked run it prepares. No terminal, no files.

use std::path::PathBuf;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::scope::RerunScope;
use crate::engine::events::RunEvent;
use crate::tui::fixtures;
use crate::tui::model::{Level, Model, Overlay, RunPhase, SavedPrompt, Screen};
use crate::tui::msg::{Effect, Msg, StartedInfo};
use crate::tui::update::{init, update};

fn press(m: &mut Model, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    update(m, Msg::KeyPressed(KeyEvent::new(code, modifiers)))
}

fn ch(m: &mut Model, c: char) -> Vec<Effect> {
    press(m, KeyCode::Char(c), KeyModifiers::NONE)
}

fn ctrl_s(m: &mut Model) -> Vec<Effect> {
    press(m, KeyCode::Char('s'), KeyModifiers::CONTROL)
}

fn session() -> PathBuf {
    PathBuf::from("/data/sessions/run-1")
}

/// A finished run over 3 classes, 2 images each: images 0 and 3 wrong, image 5 unparsed.
fn finished_model() -> Model {
    let mut m = fixtures::model(120, 40);
    m.spec.dataset = Some(PathBuf::from("/data"));
    m.spec.template = Some("digits".into());
    init(&mut m);
    let info = fixtures::prepared(&fixtures::labels(3), 2);
    let items = info.items.clone();
    update(
        &mut m,
        Msg::Prepared {
            generation: 1,
            result: Ok(info),
        },
    );
    ch(&mut m, 'r');
    update(
        &mut m,
        Msg::RunStarted(Ok(StartedInfo {
            session_dir: session(),
            host: "http://127.0.0.1:11434".into(),
            model: "llava".into(),
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
    for (i, item) in items.iter().enumerate() {
        let label = match i {
            0 | 3 => Some("2"),
            5 => None,
            _ => Some(&*item.truth),
        };
        let result = fixtures::result(&item.rel, &item.truth, label);
        update(
            &mut m,
            Msg::Run(RunEvent::ItemFinished {
                index: i,
                result,
                replayed: false,
            }),
        );
    }
    update(&mut m, Msg::Run(RunEvent::Finished { interrupted: false }));
    assert_eq!(m.run.phase, RunPhase::Finished { interrupted: false });
    m
}

fn editor_text(m: &Model) -> String {
    m.prompt
        .editor
        .as_ref()
        .map(|e| e.text())
        .unwrap_or_default()
}

#[test]
fn edit_save_and_rerun_only_the_wrong_ones_linked_to_the_run() {
    let mut m = finished_model();
    ch(&mut m, 'p');
    assert_eq!(m.screen, Screen::Prompt);
    assert!(editor_text(&m).contains("Which digit is shown?"));
    // Typed keys go into the text, `q` and `?` included.
    for c in "# q? edited\n".chars() {
        if c == '\n' {
            press(&mut m, KeyCode::Enter, KeyModifiers::NONE);
        } else {
            ch(&mut m, c);
        }
    }
    assert!(!m.quitting && m.overlay.is_none());
    assert!(editor_text(&m).starts_with("# q? edited\nname = \"digits\""));
    assert!(
        m.prompt
            .editor
            .as_ref()
            .is_some_and(|e| e.check.is_ok() && e.modified())
    );

    let effects = ctrl_s(&mut m);
    let [
        Effect::SavePrompt {
            dir,
            text,
            fingerprint,
        },
    ] = effects.as_slice()
    else {
        panic!("expected one SavePrompt, got {effects:?}");
    };
    assert_eq!(dir, &PathBuf::from("/data/prompts/digits"));
    assert!(text.starts_with("# q? edited\n"));
    assert_eq!(fingerprint.len(), 64);

    let path = PathBuf::from("/data/prompts/digits/v1-abc.toml");
    update(
        &mut m,
        Msg::PromptSaved(Ok(SavedPrompt {
            path: path.clone(),
            number: 1,
            new: true,
        })),
    );
    assert_eq!(
        (m.screen, m.overlay),
        (Screen::Run, Some(Overlay::RerunScope))
    );
    assert!(m.prompt.editor.is_none() && m.prompt.draft.is_none());
    assert!(
        m.notices
            .iter()
            .any(|n| n.text.contains("saved as prompt version v1"))
    );

    let effects = ch(&mut m, 'w');
    assert!(
        matches!(effects.as_slice(), [Effect::PrepareRun { .. }]),
        "{effects:?}"
    );
    assert_eq!(m.overlay, None);
    assert_eq!(
        m.spec.template.as_deref(),
        Some(path.to_string_lossy().as_ref())
    );
    assert_eq!(m.spec.from, Some(session()));
    assert_eq!(m.spec.only, RerunScope::Wrong);
    assert!(m.run.auto_start, "the linked run starts once prepared");
}

#[test]
fn a_template_that_does_not_parse_is_not_saved_and_nothing_is_lost() {
    let mut m = finished_model();
    ch(&mut m, 'p');
    update(&mut m, Msg::Pasted("prompt = \"unclosed\n".into()));
    let error = match &m.prompt.editor.as_ref().map(|e| e.check.clone()) {
        Some(Err(e)) => e.clone(),
        other => panic!("expected a parse error, got {other:?}"),
    };
    assert!(error.contains("line 1"), "{error}");
    assert!(ctrl_s(&mut m).is_empty(), "nothing is saved");
    assert!(
        m.notices
            .iter()
            .any(|n| n.level == Level::Error && n.text.starts_with("not saved:"))
    );
    // Esc keeps the broken text as a draft; p brings it back.
    press(&mut m, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(m.screen, Screen::Run);
    assert!(m.notices.iter().all(|n| !n.text.starts_with("not saved:")));
    assert!(
        m.prompt
            .draft
            .as_deref()
            .is_some_and(|d| d.starts_with("prompt = \"unclosed"))
    );
    ch(&mut m, 'p');
    assert!(editor_text(&m).starts_with("prompt = \"unclosed\n"));
}

#[test]
fn cancel_without_a_change_keeps_no_draft_and_a_failed_save_keeps_the_editor() {
    let mut m = finished_model();
    ch(&mut m, 'p');
    press(&mut m, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!((m.screen, m.prompt.draft.clone()), (Screen::Run, None));

    ch(&mut m, 'p');
    update(&mut m, Msg::Pasted("# note\n".into()));
    assert_eq!(ctrl_s(&mut m).len(), 1);
    update(
        &mut m,
        Msg::PromptSaved(Err("cannot write /data/prompts: read-only".into())),
    );
    assert_eq!(m.screen, Screen::Prompt);
    let editor = m.prompt.editor.as_ref().expect("still open");
    assert!(!editor.saving && editor.text().starts_with("# note\n"));
}

#[test]
fn scope_keys_pick_the_cell_or_just_activate_the_version() {
    let mut m = finished_model();
    let saved = SavedPrompt {
        path: PathBuf::from("/v2.toml"),
        number: 2,
        new: false,
    };
    // The cursor starts on the first cell (true 0, predicted 0); move right twice to 0 -> 2.
    press(&mut m, KeyCode::Right, KeyModifiers::NONE);
    press(&mut m, KeyCode::Right, KeyModifiers::NONE);
    update(&mut m, Msg::PromptSaved(Ok(saved.clone())));
    ch(&mut m, 'c');
    assert_eq!(m.spec.only, RerunScope::cell("0", "2"));
    assert_eq!(m.spec.from, Some(session()));

    update(&mut m, Msg::PromptSaved(Ok(saved)));
    let effects = press(&mut m, KeyCode::Esc, KeyModifiers::NONE);
    assert!(matches!(effects.as_slice(), [Effect::PrepareRun { .. }]));
    assert_eq!(m.spec.template.as_deref(), Some("/v2.toml"));
    assert_eq!(
        (m.spec.from.clone(), m.spec.only.clone()),
        (None, RerunScope::All)
    );
}

#[test]
fn v_shows_the_prompt_of_a_past_session_read_only() {
    let mut m = fixtures::model(120, 40);
    // Nothing prepared: nothing to show, and it says how to get there.
    ch(&mut m, 'v');
    assert_eq!(m.overlay, None);
    let spec = crate::setup::RunSpec {
        template_text: Some((
            "session:user:mine".into(),
            "name = \"mine\"\nprompt = \"Which one? Say \\\"1\\\".\"\n".into(),
        )),
        ..Default::default()
    };
    let session = crate::tui::msg::LoadedSession {
        dir: session(),
        labels: fixtures::labels(2),
        dataset_root: PathBuf::from("/data"),
        template: "mine".into(),
        template_text: String::new(),
        model: "llava".into(),
        model_digest: None,
        host: "http://h:11434".into(),
        results: vec![fixtures::result("0/a.png", "0", Some("0"))],
        total: 2,
        spec,
        finished: true,
        corrections: Default::default(),
    };
    update(&mut m, Msg::SessionLoaded(Ok(Box::new(session))));
    assert_eq!(m.run.phase, RunPhase::Viewing);
    ch(&mut m, 'v');
    assert_eq!(m.overlay, Some(Overlay::PromptView));
    let view = m.prompt.view.as_ref().unwrap();
    assert_eq!(view.title, "user:mine");
    let check = view.check.as_ref().unwrap();
    assert_eq!(check.rendered.prompt, "Which one? Say \"1\".");
    assert_eq!(check.labels, fixtures::labels(2));
    // Read-only: typed keys change nothing; j scrolls, Esc closes.
    ch(&mut m, 'x');
    ch(&mut m, 'j');
    assert_eq!(m.prompt.view.as_ref().unwrap().scroll, 1);
    assert!(m.prompt.editor.is_none());
    press(&mut m, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(m.overlay, None);
    assert!(m.prompt.view.is_none());
}
