//! The offer of another session's label corrections for the prepared run (a linked session's,
//! or an earlier session's on the same dataset): `y` makes them the truth of the run about to
//! start, anything else runs with the dataset's labels. Never does IO: the corrections are
//! copied into the new session by setup when the run starts.

use super::run;
use crate::tui::keymap::Action;
use crate::tui::model::{Level, Model};
use crate::tui::msg::Effect;

/// The answer to the offer.
pub(super) fn answer(model: &mut Model, action: Option<Action>) -> Vec<Effect> {
    model.overlay = None;
    let Some(offer) = model.run.carry_offer.take() else {
        return Vec::new();
    };
    if action == Some(Action::Yes) {
        model.notify(
            Level::Info,
            format!(
                "{} from {}: the truth of this run, from its start (T shows it with or without them)",
                offer.describe(),
                offer.from.display()
            ),
        );
        model.run.carry_accepted = Some(offer.from);
    } else {
        model.notify(
            Level::Info,
            "the dataset's own labels are the truth of this run",
        );
    }
    if std::mem::take(&mut model.run.auto_start) {
        return run::start(model);
    }
    Vec::new()
}
