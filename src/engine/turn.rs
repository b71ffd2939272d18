//! Asking order: items prepare their images in parallel (lookahead), but take a request slot,
//! answer from the cache or journal a failure strictly in plan order, so the journal order is
//! the asking order (exactly so at `--concurrency 1`). Each task waits for the previous one's
//! turn to pass; a task that ends early (abandoned, failed) passes it by being dropped.

use tokio::sync::oneshot;

/// One task's place in the queue.
#[derive(Debug)]
pub(super) struct Turn {
    previous: Option<oneshot::Receiver<()>>,
    next: Option<oneshot::Sender<()>>,
}

/// Hands out turns in spawn order.
#[derive(Debug, Default)]
pub(super) struct TurnQueue {
    last: Option<oneshot::Receiver<()>>,
}

impl TurnQueue {
    /// The turn of the next task spawned.
    pub(super) fn next_turn(&mut self) -> Turn {
        let (tx, rx) = oneshot::channel();
        Turn {
            previous: self.last.replace(rx),
            next: Some(tx),
        }
    }
}

impl Turn {
    /// Waits until every earlier task has passed its turn (or ended).
    pub(super) async fn wait(&mut self) {
        if let Some(previous) = self.previous.take() {
            // An error means the earlier task ended without passing: its turn is over too.
            let _ = previous.await;
        }
    }

    /// Lets the next task go.
    pub(super) fn pass(&mut self) {
        if let Some(next) = self.next.take() {
            let _ = next.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[tokio::test]
    async fn turns_go_in_spawn_order_even_when_later_tasks_are_ready_first() {
        let mut queue = TurnQueue::default();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..5u64 {
            let mut turn = queue.next_turn();
            let order = Arc::clone(&order);
            tasks.push(tokio::spawn(async move {
                // Later tasks are "ready" sooner.
                tokio::time::sleep(std::time::Duration::from_millis(10 * (5 - i))).await;
                turn.wait().await;
                order.lock().map(|mut o| o.push(i)).ok();
                if i != 2 {
                    turn.pass();
                } // task 2 ends without passing: dropping passes too
            }));
        }
        for t in tasks {
            t.await.ok();
        }
        assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3, 4]);
    }
}
