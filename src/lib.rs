//! squint: classify labelled images with vision language models and see where they go wrong.
//!
//! Data flows one way: `dataset` scan -> `engine` (cache -> `backend` stream -> `domain::parse`
//! -> `session` journal) -> run events -> consumers (the headless progress bar, the TUI).
//! `domain` is pure (no IO, no async); IO lives in `dataset`, `backend`, `session` and `images`.

// Table-driven tests spell their rows as tuples; naming each row type would not help.
#![cfg_attr(test, allow(clippy::type_complexity))]

// Lets the unit tests share `tests/support/fixtures.rs`, which names the crate `squint::`.
#[cfg(test)]
extern crate self as squint;

#[cfg(test)]
#[path = "../tests/support/seed_data.rs"]
mod seed_data;

pub mod allocator;
pub mod backend;
pub mod cli;
pub mod dataset;
pub mod domain;
pub mod engine;
pub mod imaging;
pub mod labels_export;
mod logging;
pub(crate) mod paths;
pub(crate) mod reports;
pub mod session;
pub mod setup;
pub mod tui;
