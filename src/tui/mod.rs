//! The terminal workbench: start screen, dataset browser, live run with confusion matrix, and
//! drill-down with image previews. Built as a state machine: `update(model, msg) -> effects`
//! is the only place state changes, `view` draws `&Model`, `runtime` owns the loop and the IO.
//! Never prints to stdout/stderr while the screen is up: logs go to a file.

pub mod keymap;
pub mod preview;
pub mod theme;

pub(crate) mod effects;
pub(crate) mod external;
pub mod external_editor;
#[cfg(test)]
#[path = "../../tests/support/fixtures.rs"]
pub(crate) mod fixtures;
pub mod images;
pub mod inputs;
pub mod model;
pub mod msg;
pub mod pacing;
pub mod runtime;
pub mod term_query;
pub(crate) mod terminal;
pub mod update;
pub mod view;

use ratatui::Frame;

use crate::setup::RunSpec;
use crate::tui::keymap::Keymap;
use crate::tui::model::Model;
use crate::tui::msg::Msg;
use crate::tui::preview::ImageProtocolChoice;
use crate::tui::theme::{Shade, Theme};

/// What `squint` / `squint tui` asked for.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    /// Dataset, template, backend and run settings from the command line.
    pub spec: RunSpec,
    /// Theme name or path (`--theme`).
    pub theme: Option<String>,
    /// Image protocol (`--image-protocol`).
    pub image_protocol: ImageProtocolChoice,
    /// Whether the workbench takes the mouse (`--no-mouse` turns it off).
    pub mouse: bool,
}

/// Runs the workbench until the user quits; returns the process exit code.
pub async fn run_tui(opts: TuiOptions) -> anyhow::Result<i32> {
    let _log = crate::logging::init(crate::logging::TUI_LOG_FILE);
    let config_dir = crate::paths::config_dir().ok();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (mut terminal, guard) = terminal::enter(opts.mouse)?;
    // One query round, before the event reader starts: background colour and image support.
    let ask = term_query::Ask {
        images: !matches!(
            opts.image_protocol,
            ImageProtocolChoice::None | ImageProtocolChoice::Halfblocks
        ),
        background: !no_color
            && Theme::adapts_to_background(opts.theme.as_deref(), config_dir.as_deref()),
    };
    let answers = term_query::ask(ask, term_query::TIMEOUT);
    let colorfgbg = std::env::var("COLORFGBG").ok();
    let shade = Shade::detect(answers.replies.background, colorfgbg.as_deref());
    let (theme, theme_warnings) = Theme::load_for(
        opts.theme.as_deref(),
        config_dir.as_deref(),
        no_color,
        shade,
    );
    tracing::info!(?shade, theme = theme.name, "theme chosen");
    let (keymap, key_warnings) = Keymap::load(config_dir.as_deref());
    let mut model = Model::new(opts.spec, theme, keymap);
    let warnings: Vec<String> = theme_warnings.into_iter().chain(key_warnings).collect();
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let previews = images::Previews::new(opts.image_protocol, &answers);
    let configured = Msg::Configured {
        image_protocol: previews.protocol_name(),
        warnings,
    };
    let mut initial = update::update(&mut model, configured);
    initial.extend(update::init(&mut model));
    let inputs = runtime::terminal_inputs(answers.typed);
    let result = runtime::run(&mut terminal, model, initial, previews, inputs).await;
    drop(guard);
    match result {
        Ok(exit) => {
            if let Some(farewell) = &exit.farewell {
                // The screen is restored: this lands in the user's shell.
                eprintln!("{farewell}");
            }
            Ok(exit.code)
        }
        Err(e) => {
            tracing::error!("workbench failed: {e:#}");
            Err(e)
        }
    }
}

/// Draws one run-screen frame of `model` into `frame` (used by the benchmark to time a frame
/// with ratatui's `TestBackend`).
pub fn render_run_screen_for_bench(frame: &mut Frame, model: &Model) {
    let _slots = view::render_run_screen(frame, frame.area(), model);
}
