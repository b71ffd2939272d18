//! `squint cache stats [--json]` and `squint cache prune [--older-than D]`: what the answer
//! cache holds and how to shrink it. Opens the cache like a run does (an old per-file cache is
//! converted first). Never touches sessions, and never creates a cache (or a log) where there
//! is none yet (no database and no old per-file cache in the folder, whatever else it holds):
//! that is said, naming the database file a run would create.

use std::path::Path;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::out::{err_line, out};
use super::{EXIT_OK, EXIT_USAGE};
use crate::session::{AnswerCache, CacheStats};

/// `squint cache` subcommands.
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// How many answers the cache holds, its size on disk and the oldest and newest answer.
    Stats {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Delete cached answers (all of them unless --older-than is given) and shrink the file.
    Prune(PruneArgs),
}

/// Flags of `squint cache prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Only delete answers stored more than this long ago, e.g. 30d, 12h, 2w, 90min.
    #[arg(long, value_name = "D", value_parser = parse_age)]
    pub older_than: Option<Duration>,
}

fn parse_age(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("{e}; give a duration such as 30d, 12h, 2w or 90min"))
}

/// Runs the command (blocking file IO) and returns the exit code.
pub(super) fn run(command: CacheCommand) -> i32 {
    let dir = match crate::paths::cache_dir() {
        Ok(dir) => dir,
        Err(e) => {
            err_line(&format!("squint: {e}"));
            return EXIT_USAGE;
        }
    };
    if !AnswerCache::exists_in(&dir) {
        return no_cache_yet(&command, &AnswerCache::database_in(&dir));
    }
    let _log = crate::logging::init(crate::logging::CLI_LOG_FILE);
    let cache = match AnswerCache::open(&dir).map_err(|e| e.to_string()) {
        Ok((cache, note)) => {
            if let Some(note) = note {
                err_line(&format!("squint: {note}"));
            }
            cache
        }
        Err(e) => {
            err_line(&format!("squint: {e}"));
            return EXIT_USAGE;
        }
    };
    match command {
        CacheCommand::Stats { json } => match cache.stats() {
            Ok(stats) if json => {
                out(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&stats).unwrap_or_default()
                ));
                EXIT_OK
            }
            Ok(stats) => {
                out(&describe(&stats));
                EXIT_OK
            }
            Err(e) => {
                err_line(&format!("squint: {e}"));
                EXIT_USAGE
            }
        },
        CacheCommand::Prune(args) => {
            let before = cache.stats().map(|s| s.bytes).unwrap_or(0);
            match cache.prune(args.older_than) {
                Ok(deleted) => {
                    let after = cache.stats();
                    let (left, bytes) = after.map_or((0, 0), |s| (s.answers, s.bytes));
                    out(&format!(
                        "deleted {deleted} cached answers; {left} left, {} on disk (was {})\n",
                        size(bytes),
                        size(before)
                    ));
                    EXIT_OK
                }
                Err(e) => {
                    err_line(&format!("squint: {e}"));
                    EXIT_USAGE
                }
            }
        }
    }
}

/// What `command` says when there is no cache yet (`db`: the database file a run would
/// create): nothing held, nothing to prune.
fn no_cache_yet(command: &CacheCommand, db: &Path) -> i32 {
    let text = match command {
        CacheCommand::Stats { json: true } => {
            let empty = CacheStats {
                path: db.to_path_buf(),
                answers: 0,
                bytes: 0,
                oldest: None,
                newest: None,
            };
            format!(
                "{}\n",
                serde_json::to_string_pretty(&empty).unwrap_or_default()
            )
        }
        CacheCommand::Stats { json: false } => format!(
            "no answer cache yet at {}: a run stores its answers there\n",
            db.display()
        ),
        CacheCommand::Prune(_) => format!(
            "no answer cache yet at {}: nothing to prune\n",
            db.display()
        ),
    };
    out(&text);
    EXIT_OK
}

fn describe(stats: &CacheStats) -> String {
    format!(
        "answer cache  {}\nanswers       {}\non disk       {}\noldest        {}\nnewest        {}\n",
        stats.path.display(),
        stats.answers,
        size(stats.bytes),
        stats.oldest.as_deref().unwrap_or("-"),
        stats.newest.as_deref().unwrap_or("-"),
    )
}

/// Bytes in the largest unit that keeps a number >= 1 (kB = 1000 bytes).
fn size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}
