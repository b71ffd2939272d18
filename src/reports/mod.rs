//! Report export, the IO side: reads a session from disk with no server and no network (a
//! finished, interrupted, running or imported one, a torn journal included), reads and
//! downscales the example images for HTML thumbnails, and writes report files atomically.
//!
//! Building and rendering the report is pure (`domain::export`); this module only gathers its
//! inputs and writes its output. It never changes a session's files and never talks to a server.

mod error;
mod load;
mod thumbnails;
mod write;

pub(crate) use error::ReportError;
pub(crate) use load::load_session;
pub(crate) use thumbnails::read_thumbnails;
pub(crate) use write::{ReportOptions, export_report, render_report};
