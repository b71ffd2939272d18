//! Reads the run's images ahead of the requests, in plan order: a batch of upcoming items per
//! blocking task (read, SHA-256, header check, cache key), the batch's answers looked up in
//! the cache in one read transaction. Batches are sized by the bytes they hold, so small
//! images cost one thread hand-off per batch and large ones stay few in memory. Never asks a
//! server, journals or reports anything (the driver does).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::StreamExt as _;
use futures_util::stream::FuturesOrdered;

use super::RunPlan;
use crate::domain::result::{ErrorKind, ItemError};
use crate::domain::template::OutputMode;
use crate::imaging::{self, ImagePayload};
use crate::session::{CacheKey, CachedAnswer, ImageKeys};

/// Most items read by one blocking task.
const MAX_BATCH: usize = 64;
/// Items in the first batch, before the images' size is known.
const FIRST_BATCH: usize = 2;
/// Image bytes one batch aims at (a batch has at least one item, whatever its size).
const BATCH_BYTES: usize = 256 * 1024;
/// Image bytes held ahead of the requests per request slot (up to four slots' worth), so large
/// images stay few in memory while small ones are read in long batches.
const AHEAD_BYTES_PER_SLOT: usize = 4 * 1024 * 1024;
/// Most items read ahead of the requests.
const MAX_AHEAD: usize = 2 * MAX_BATCH;

/// An item whose image was read: what to send (or why it cannot be sent) and its cached
/// answer, if any.
pub(super) struct Ready {
    /// Position in the plan.
    pub index: usize,
    /// The image's hex SHA-256 and the bytes to send, or why it cannot be sent.
    pub image: Result<Prepared, ItemError>,
    /// Where its answer is cached (`None` without a cache or when unreadable).
    pub cache_key: Option<String>,
    /// The cached answer.
    pub hit: Option<CachedAnswer>,
}

/// A readable image.
pub(super) struct Prepared {
    /// What is sent.
    pub payload: ImagePayload,
    /// Hex SHA-256 of the file.
    pub sha256: String,
}

impl Ready {
    fn bytes(&self) -> usize {
        self.image.as_ref().map_or(0, |p| p.payload.bytes.len())
    }
}

type Batch = Pin<Box<dyn Future<Output = Vec<Ready>> + Send>>;

/// The items still to read, the batches being read and the items read, in plan order.
pub(super) struct ReadAhead {
    plan: Arc<RunPlan>,
    /// The run's cache keys but for the image (`None` without a cache).
    keys: Option<Arc<ImageKeys>>,
    queue: std::vec::IntoIter<usize>,
    reading: FuturesOrdered<Batch>,
    reading_items: usize,
    ready: VecDeque<Ready>,
    ready_bytes: usize,
    /// Bytes per image so far (`None` until the first batch came back).
    per_image: Option<usize>,
    ahead_bytes: usize,
}

impl ReadAhead {
    /// Reads `pending` (plan indices, in asking order) for a run with `slots` request slots.
    pub(super) fn new(plan: Arc<RunPlan>, pending: Vec<usize>, slots: usize) -> ReadAhead {
        ReadAhead {
            keys: plan.cache.as_ref().map(|_| Arc::new(image_keys(&plan))),
            plan,
            queue: pending.into_iter(),
            reading: FuturesOrdered::new(),
            reading_items: 0,
            ready: VecDeque::new(),
            ready_bytes: 0,
            per_image: None,
            ahead_bytes: AHEAD_BYTES_PER_SLOT * slots.clamp(1, 4),
        }
    }

    /// Starts reading more batches while the items ahead stay within their bounds.
    pub(super) fn fill(&mut self) {
        while self.queue.len() > 0 {
            let ahead = self.reading_items + self.ready.len();
            let size = match self.per_image {
                // Until the images' size is known, one small batch at a time.
                None if ahead > 0 => return,
                None => FIRST_BATCH,
                Some(per_image) => {
                    let held = self.ready_bytes + self.reading_items * per_image;
                    if ahead >= MAX_AHEAD || (ahead > 0 && held >= self.ahead_bytes) {
                        return;
                    }
                    (BATCH_BYTES / per_image.max(1)).clamp(1, MAX_BATCH)
                }
            };
            let indices: Vec<usize> = self.queue.by_ref().take(size).collect();
            self.reading_items += indices.len();
            self.reading.push_back(Box::pin(read(
                Arc::clone(&self.plan),
                self.keys.clone(),
                indices,
            )));
        }
    }

    /// The next item read, in plan order.
    pub(super) fn front(&self) -> Option<&Ready> {
        self.ready.front()
    }

    /// Takes the next item read.
    pub(super) fn pop(&mut self) -> Option<Ready> {
        let ready = self.ready.pop_front()?;
        self.ready_bytes = self.ready_bytes.saturating_sub(ready.bytes());
        Some(ready)
    }

    /// True while a batch is being read.
    pub(super) fn is_reading(&self) -> bool {
        !self.reading.is_empty()
    }

    /// Waits for the next batch (in plan order) and makes its items ready.
    pub(super) async fn arrived(&mut self) {
        let Some(batch) = self.reading.next().await else {
            return;
        };
        self.reading_items = self.reading_items.saturating_sub(batch.len());
        let bytes: usize = batch.iter().map(Ready::bytes).sum();
        let mean = bytes / batch.len().max(1);
        self.per_image = Some(self.per_image.map_or(mean, |before| (before + mean) / 2));
        self.ready_bytes += bytes;
        self.ready.extend(batch);
    }

    /// Items not handed out yet: queued, being read or read.
    pub(super) fn unfinished(&self) -> usize {
        self.queue.len() + self.reading_items + self.ready.len()
    }
}

/// Reads the items at `indices` on the blocking pool.
async fn read(plan: Arc<RunPlan>, keys: Option<Arc<ImageKeys>>, indices: Vec<usize>) -> Vec<Ready> {
    let wanted = indices.clone();
    match tokio::task::spawn_blocking(move || read_batch(&plan, keys.as_deref(), &indices)).await {
        Ok(batch) => batch,
        Err(e) => {
            let message = format!("image task failed: {e}");
            wanted
                .into_iter()
                .map(|index| Ready {
                    index,
                    image: Err(ItemError::new(ErrorKind::Internal, message.clone())),
                    cache_key: None,
                    hit: None,
                })
                .collect()
        }
    }
}

/// Reads, digests and checks each image, then looks the readable ones up in the cache at once
/// (`keys`: the run's cache keys, without a cache `None`).
fn read_batch(plan: &RunPlan, keys: Option<&ImageKeys>, indices: &[usize]) -> Vec<Ready> {
    let mut batch: Vec<Ready> = indices
        .iter()
        .map(|&index| {
            let image = match plan.item(index) {
                Some(item) => prepare(plan, &plan.items.path(item)),
                None => Err(ItemError::new(
                    ErrorKind::Internal,
                    format!("no item {index} in the plan"),
                )),
            };
            let cache_key = match (&image, keys) {
                (Ok(prepared), Some(keys)) => Some(keys.digest(&prepared.sha256)),
                _ => None,
            };
            Ready {
                index,
                image,
                cache_key,
                hit: None,
            }
        })
        .collect();
    if let Some(cache) = &plan.cache {
        let keys: Vec<&str> = batch
            .iter()
            .filter_map(|r| r.cache_key.as_deref())
            .collect();
        let mut hits = cache.get_many(&keys).into_iter();
        for ready in &mut batch {
            if ready.cache_key.is_some() {
                ready.hit = hits.next().flatten();
            }
        }
    }
    batch
}

/// Reads the image and its digest and prepares what is sent.
fn prepare(plan: &RunPlan, path: &std::path::Path) -> Result<Prepared, ItemError> {
    let prepared = imaging::read_with_digest(path).and_then(|(bytes, sha256)| {
        let payload = imaging::prepare(bytes, plan.max_side, plan.allow_webp)?;
        Ok(Prepared { payload, sha256 })
    });
    prepared.map_err(|e| ItemError::new(ErrorKind::Image, e.to_string()))
}

/// The run's cache keys with the image left open: its model, prompt, options and output.
fn image_keys(plan: &RunPlan) -> ImageKeys {
    CacheKey {
        backend: plan.backend_kind,
        model: plan.model_key.clone(),
        system: plan.system.clone(),
        prompt: plan.prompt.clone(),
        options_json: serde_json::to_string(&plan.options).unwrap_or_default(),
        output: plan.output,
        constrained_labels: if plan.output == OutputMode::Constrained {
            plan.labels.clone()
        } else {
            Vec::new()
        },
        image_sha256: String::new(),
        max_side: plan.max_side,
    }
    .for_images()
}
