//! The command line: flags, subcommands and exit codes. Parses and dispatches; the work happens
//! in `setup`, `engine` and `tui`. The only module that prints to stdout.

mod args;
mod bounds;
mod cache_cmd;
mod compare_cmd;
mod config_cmd;
pub(crate) mod config_file;
mod hosts_report;
mod import_cmd;
mod labels_cmd;
mod models_cmd;
mod out;
mod plain_progress;
mod probe_cmd;
mod progress;
mod proposals_out;
mod report_cmd;
mod run_cmd;
mod sessions_cmd;

use clap::{Parser, Subcommand};

pub(crate) use args::{RunArgs, RunOnlyArgs, TuiArgs};

/// Exit code: finished (some item errors are allowed and counted).
pub const EXIT_OK: i32 = 0;
/// Exit code: finished, but the accuracy is below `--fail-under`.
pub const EXIT_BELOW: i32 = 1;
/// Exit code: bad usage or input (flags, dataset, template, a session in use).
pub const EXIT_USAGE: i32 = 2;
/// Exit code: the run failed: server unreachable or model unusable, every item failed, or
/// more failures than `--max-errors`.
pub const EXIT_SERVER: i32 = 3;
/// Exit code: the session cannot be written (the disk is full, over quota or past a
/// file-size limit, or the folder became unwritable mid-run).
pub const EXIT_DISK: i32 = 4;
/// Exit code: interrupted (Ctrl-C); the session can be resumed.
pub const EXIT_INTERRUPTED: i32 = 130;

const EXIT_CODES_HELP: &str = "Exit codes:
  0    finished (some failed items are allowed; they are counted and reported)
  1    finished, but the accuracy is below --fail-under
  2    bad usage or input: flags, dataset, template, Modelfile, a session folder in use
  3    the run failed: server unreachable, model unusable (missing, not vision-capable,
       credentials refused), every item failed, or more failures than --max-errors
  4    the disk is full or the session cannot be written (over quota, a file-size limit,
       an unwritable folder); make room, then resume
  130  interrupted (Ctrl-C); continue with `squint run --resume DIR`";

/// squint: classify labelled images with vision language models and see where they go wrong.
#[derive(Debug, Parser)]
#[command(name = "squint", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// What to do; without a subcommand the workbench opens.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Workbench flags when no subcommand is given.
    #[command(flatten)]
    pub tui: TuiArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Classify a dataset headless: progress on stderr, the report on stdout.
    #[command(after_help = EXIT_CODES_HELP)]
    Run {
        /// Dataset, template, backend and run flags.
        #[command(flatten)]
        run: RunArgs,
        /// Output flags.
        #[command(flatten)]
        output: RunOnlyArgs,
    },
    /// Open the interactive workbench (the default).
    Tui {
        /// Workbench flags.
        #[command(flatten)]
        tui: TuiArgs,
    },
    /// Compare two sessions over the same dataset: accuracy, macro-F1, McNemar's exact test,
    /// per-class F1, the confusion-matrix delta and the images that flipped.
    #[command(
        after_help = "Exit codes: 0 compared, 2 not a session, different datasets or no image in common."
    )]
    Compare {
        /// The two sessions.
        #[command(flatten)]
        args: compare_cmd::CompareArgs,
    },
    /// Measure the prompt's prior: ask the model about blank and noise images (no content) and
    /// report the share of each label it answers.
    #[command(after_help = EXIT_CODES_HELP)]
    Probe {
        /// Template, model and server flags.
        #[command(flatten)]
        args: probe_cmd::ProbeArgs,
    },
    /// List the server's models and mark the vision-capable ones.
    Models {
        /// Which server.
        #[command(flatten)]
        server: args::ServerArgs,
        /// Print one JSON array (`name`, `vision` true/false/null, `size` in bytes, `digest`).
        #[arg(long)]
        json: bool,
    },
    /// Write a session's report (Markdown, HTML, CSV, JSON or the SVG heat map), with
    /// `--compare OTHER` everything `squint compare` says too; needs no server. Exit 2 when
    /// SESSION is not a session folder or cannot be compared with OTHER.
    Report(report_cmd::ReportArgs),
    /// List the sessions in the data dir, newest first, with their figures.
    Sessions {
        /// Print one JSON array instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Turn a results file in the original experiment's format (`image_name, actual,
    /// predicted, score`) into a session to explore and report on.
    Import(import_cmd::ImportArgs),
    /// Export a session's labels (with `--with-corrections`, a person's corrections applied)
    /// as a manifest squint accepts (CSV or JSONL) or as an ImageFolder tree; needs no server.
    /// Exit 2 when SESSION is not a session or the target is not empty (without --force).
    Labels(labels_cmd::LabelsArgs),
    /// The config file (`<config dir>/config.toml`: defaults for the shared flags).
    Config {
        /// What to do with it.
        #[command(subcommand)]
        action: config_cmd::ConfigAction,
    },
    /// Print a shell completion script to stdout (bash, zsh, fish, elvish, powershell).
    #[command(after_help = config_cmd::COMPLETIONS_HELP)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout, or write one page per command into a folder.
    #[command(after_help = config_cmd::MAN_HELP)]
    Man {
        /// Write squint.1 and squint-COMMAND.1 pages into DIR instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
    /// The answer cache: `stats` shows what it holds, `prune` deletes answers.
    #[command(subcommand)]
    Cache(cache_cmd::CacheCommand),
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn main_with_args() -> i32 {
    let mut cli = Cli::parse();
    if let Err(message) = apply_config(&mut cli) {
        out::err_line(&format!("squint: {message}"));
        return EXIT_USAGE;
    }
    // The workbench installs its own log file; the headless commands log to theirs (`cache`
    // once it found a cache: with none it creates nothing).
    let _log = match cli.command {
        Some(Command::Tui { .. } | Command::Cache(_)) | None => None,
        Some(_) => crate::logging::init(crate::logging::CLI_LOG_FILE),
    };
    match cli.command {
        // The offline commands only read and write files: no async runtime.
        Some(Command::Report(args)) => report_cmd::run(args),
        Some(Command::Sessions { json }) => sessions_cmd::run(json),
        Some(Command::Import(args)) => import_cmd::run(args),
        Some(Command::Labels(args)) => labels_cmd::run(args),
        Some(Command::Cache(command)) => cache_cmd::run(command),
        Some(Command::Run { run, output }) => {
            with_runtime(RuntimeFlavour::Headless, run_cmd::run(run, output))
        }
        Some(Command::Models { server, json }) => {
            with_runtime(RuntimeFlavour::Headless, models_cmd::run(server, json))
        }
        Some(Command::Config { action }) => config_cmd::run(action),
        Some(Command::Completions { shell }) => config_cmd::completions(shell),
        Some(Command::Man { dir }) => config_cmd::man(dir.as_deref()),
        Some(Command::Compare { args }) => {
            with_runtime(RuntimeFlavour::Headless, compare_cmd::run(args))
        }
        Some(Command::Probe { args }) => {
            with_runtime(RuntimeFlavour::Headless, probe_cmd::run(args))
        }
        Some(Command::Tui { tui }) => with_runtime(RuntimeFlavour::Workbench, tui_main(tui)),
        None => with_runtime(RuntimeFlavour::Workbench, tui_main(cli.tui)),
    }
}

/// Fills the flags not given from `<config dir>/config.toml` for the commands that take them
/// (file < environment < flag). The file is read only for those commands, so a broken one
/// never stops `squint config path` or `squint report`.
fn apply_config(cli: &mut Cli) -> Result<(), String> {
    let env = |name: &str| std::env::var(name).ok();
    let wants_config = matches!(
        cli.command,
        None | Some(
            Command::Run { .. }
                | Command::Tui { .. }
                | Command::Models { .. }
                | Command::Probe { .. }
        )
    );
    if !wants_config {
        return Ok(());
    }
    let Some(config) = config_file::load()? else {
        return Ok(());
    };
    match &mut cli.command {
        None => cli.tui.fill_from(config, &env),
        Some(Command::Tui { tui }) => tui.fill_from(config, &env),
        Some(Command::Run { run, .. }) => run.fill_from(config.run, &env),
        Some(Command::Models { server, .. }) => server.fill_from(config.run.server, &env),
        Some(Command::Probe { args }) => args.fill_from(config.run, &env),
        Some(_) => {}
    }
    Ok(())
}

/// Which tokio runtime a command runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeFlavour {
    /// One thread drives every task (`squint run` and the other headless commands): the
    /// engine's hand-offs stay on that thread, so an image costs no thread wake-ups there.
    /// File reads, the journal and the cache still run on their own threads.
    Headless,
    /// Worker threads (the workbench): drawing a frame never delays the run's requests,
    /// and the reverse.
    Workbench,
}

/// Builds the runtime a command runs on; the benchmark uses it too, so it measures what ships.
pub fn build_runtime(flavour: RuntimeFlavour) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match flavour {
        RuntimeFlavour::Headless => tokio::runtime::Builder::new_current_thread(),
        RuntimeFlavour::Workbench => tokio::runtime::Builder::new_multi_thread(),
    };
    builder.enable_all().build()
}

/// Runs `command` to completion on the runtime `flavour`.
fn with_runtime(flavour: RuntimeFlavour, command: impl std::future::Future<Output = i32>) -> i32 {
    match build_runtime(flavour) {
        Ok(runtime) => runtime.block_on(command),
        Err(e) => {
            eprintln!("squint: cannot start the async runtime: {e}");
            EXIT_USAGE
        }
    }
}

/// What to say when the workbench is started without a terminal.
const NEEDS_TERMINAL: &str = "the workbench needs a terminal, and this process has none (its output is redirected, or it runs under CI or a service); for headless use run `squint run --dataset PATH` (see `squint run --help`)";

async fn tui_main(args: TuiArgs) -> i32 {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        out::err_line(&format!("squint: {NEEDS_TERMINAL}"));
        return EXIT_USAGE;
    }
    let options = match args.into_options() {
        Ok(options) => options,
        Err(message) => {
            out::err_line(&format!("squint: {message}"));
            return EXIT_USAGE;
        }
    };
    match crate::tui::run_tui(options).await {
        Ok(code) => code,
        Err(e) => {
            let text = format!("{e:#}");
            // ENXIO: there is no controlling terminal to open.
            if text.contains("os error 6") {
                out::err_line(&format!("squint: {NEEDS_TERMINAL} ({text})"));
            } else {
                out::err_line(&format!("squint: {text}"));
            }
            EXIT_USAGE
        }
    }
}
