//! The review queue (`R` on the run screen): the model's proposals for images whose truth is
//! unknown, least confident first, one image large with its answer. `Enter`/`a` accepts the
//! proposal, a class's own key or `L` gives another label, `d` marks it doubtful, `s` skips;
//! each decision is a label correction (the person's label becomes the truth) and the queue
//! moves on. Corrections are switched on, so the matrix appears for the reviewed part.
//! Never does IO: corrections are written by the runtime as everywhere else.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{corrections, drill};
use crate::domain::corrections::Verdict;
use crate::tui::model::{DrillFilter, DrillSort, DrillState, Level, Model, Screen};
use crate::tui::msg::Effect;

/// True while the open drill-down list is the review queue.
pub(super) fn active(model: &Model) -> bool {
    model
        .drill
        .as_ref()
        .is_some_and(|d| d.filter == DrillFilter::Review)
}

/// `R`: opens the queue at its first unreviewed proposal.
pub(super) fn open(model: &mut Model) -> Vec<Effect> {
    if model.run.session_dir.is_none() {
        model.notify(Level::Info, "no session on screen to review (run it first)");
        return Vec::new();
    }
    if !model.run.corrections_on {
        // Reviewed labels are the truth: the matrix shows the reviewed part.
        model.run.corrections_on = true;
        model.run.recount();
    }
    let run = &model.run;
    let mut queue = DrillState::open_with(
        DrillFilter::Review,
        &run.results,
        model.matrix.cursor,
        |r| Some(std::borrow::Cow::Borrowed(&r.truth)),
        |r| r.label.as_deref(),
    );
    if queue.entries.is_empty() {
        model.notify(
            Level::Info,
            "nothing to review: every answered image has a known truth",
        );
        return Vec::new();
    }
    queue.sort = DrillSort::LeastConfident;
    queue.sort_entries(&run.results);
    queue.selected = first_unreviewed(model, &queue, 0).unwrap_or(0);
    model.drill = Some(queue);
    model.screen = Screen::Drill;
    model.dirty = true;
    drill::preview_current(model)
}

/// The position of the first unreviewed entry at or after `from`.
fn first_unreviewed(model: &Model, queue: &DrillState, from: usize) -> Option<usize> {
    (from..queue.entries.len()).find(|&pos| {
        model.run.results[queue.entries[pos]]
            .as_ref()
            .is_some_and(|r| model.run.corrections.verdict(&r.image).is_none())
    })
}

/// After a decision (or `s`): the next unreviewed proposal, else simply the next one.
pub(super) fn advance(model: &mut Model) -> Vec<Effect> {
    let Some(queue) = model.drill.as_ref() else {
        return Vec::new();
    };
    let next = queue.selected + 1;
    let target = first_unreviewed(model, queue, next).unwrap_or(next);
    let last = queue.entries.len().saturating_sub(1);
    if let Some(queue) = model.drill.as_mut() {
        queue.selected = target.min(last);
        queue.answer_scroll = 0;
    }
    model.dirty = true;
    drill::preview_current(model)
}

/// `s`: leaves this proposal unreviewed.
pub(super) fn skip(model: &mut Model) -> Vec<Effect> {
    advance(model)
}

/// A decision's effects, then the next proposal.
pub(super) fn decided(model: &mut Model, mut effects: Vec<Effect>) -> Vec<Effect> {
    if effects.is_empty() {
        return effects; // refused (the notice says why): stay on this image
    }
    effects.extend(advance(model));
    effects
}

/// A class's own key (`7` for the class "7"): that label. `None` when the key names no class.
pub(super) fn class_key(model: &mut Model, key: &KeyEvent) -> Option<Vec<Effect>> {
    let KeyCode::Char(c) = key.code else {
        return None;
    };
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    let label = model
        .run
        .axis
        .rows
        .iter()
        .find(|l| l.chars().eq(std::iter::once(c)))?
        .clone();
    let effects = corrections::correct(model, Verdict::Label(label));
    Some(decided(model, effects))
}
