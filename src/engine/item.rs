//! Classifies one item: read and prepare the image, consult the cache, wait for its turn and a
//! request slot, stream the answer (or take the cached one), parse it, journal the result and
//! report it. Never panics on bad input; a fatal server error is handed back to the engine
//! without journaling, so a resume asks that item again.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, watch};

use super::hosts::{HostPermit, HostPool, TakenOut};
use super::journal_writer::JournalWriter;
use super::turn::Turn;
use super::{RunEvent, RunPlan};
use crate::backend::{self, BackendError, ClassifyRequest, Completion, TokenEvent, TokenLogprob};
use crate::dataset::DatasetItem;
use crate::domain::label_probs::LabelProbs;
use crate::domain::parse::parse_answer;
use crate::domain::result::{ErrorKind, ItemError, ItemResult};
use crate::domain::template::OutputMode;
use crate::imaging::{self, ImagePayload};
use crate::session::{CacheKey, CachedAnswer};

/// What a task hands back to the engine loop.
pub(super) enum Outcome {
    /// The item finished and was journaled: `Some(correct)` when answered, `None` when its
    /// request failed.
    Done(Option<bool>),
    /// The task ended without a result because the run is going away.
    Dropped,
    /// The server or model became unusable; the run must stop.
    Fatal(ItemError),
}

pub(super) struct ItemContext {
    pub plan: Arc<RunPlan>,
    pub journal: JournalWriter,
    pub tx: mpsc::UnboundedSender<RunEvent>,
    /// The servers and their request slots: bounds the requests in flight.
    pub pool: Arc<HostPool>,
    /// True while the run is paused: no new request starts.
    pub paused: watch::Receiver<bool>,
    /// This item's place in the asking order.
    pub turn: Turn,
    pub index: usize,
}

struct Prepared {
    payload: ImagePayload,
    sha256: String,
}

pub(super) async fn process(mut ctx: ItemContext) -> Outcome {
    let Some(item) = ctx.plan.item(ctx.index).cloned() else {
        return Outcome::Dropped;
    };
    let mut result = blank_result(&item);
    let started = Instant::now();
    let prepared = match read_image(&ctx.plan, &item).await {
        Ok(prepared) => prepared,
        Err(error) => return fail_unasked(&mut ctx, &item, result, error, started).await,
    };
    result.sha256 = prepared.sha256.clone();
    let cache_key = cache_key(&ctx.plan, &prepared.sha256);
    let hit = lookup(&ctx.plan, cache_key.as_deref());
    // Wait for this item's turn, then a free slot, and not while paused (a cached answer too,
    // so the journal keeps the asking order); the latency counts from here.
    ctx.turn.wait().await;
    let Some(permit) = take_slot(&mut ctx).await else {
        return Outcome::Dropped;
    };
    ctx.turn.pass();
    let started = Instant::now();
    announce(&ctx, &item);
    match hit {
        Some(hit) => answer_from_cache(&ctx, result, hit, permit, started).await,
        None => {
            let asked = Asked {
                payload: prepared.payload,
                cache_key,
                permit,
                started,
            };
            ask_server(&mut ctx, result, asked).await
        }
    }
}

/// The result record of `item` before anything is known about its answer.
fn blank_result(item: &DatasetItem) -> ItemResult {
    ItemResult {
        image: item.rel.to_string(),
        sha256: String::new(),
        truth: item.truth.to_string(),
        answer: String::new(),
        label: None,
        parse: None,
        confidence: None,
        latency_ms: 0,
        eval_count: None,
        prompt_eval_count: None,
        eval_duration_ns: None,
        total_duration_ns: None,
        attempts: 0,
        cached: false,
        error: None,
        error_kind: None,
        label_probs: None,
    }
}

/// Reads the image and its digest and prepares what is sent, on the blocking pool.
async fn read_image(plan: &RunPlan, item: &DatasetItem) -> Result<Prepared, ItemError> {
    let (max_side, allow_webp) = (plan.max_side, plan.allow_webp);
    let path = plan.items.path(item);
    let prepared = tokio::task::spawn_blocking(move || {
        let (bytes, sha256) = imaging::read_with_digest(&path)?;
        let payload = imaging::prepare(bytes, max_side, allow_webp)?;
        Ok::<_, imaging::ImageError>(Prepared { payload, sha256 })
    })
    .await;
    match prepared {
        Ok(Ok(prepared)) => Ok(prepared),
        Ok(Err(e)) => Err(ItemError::new(ErrorKind::Image, e.to_string())),
        Err(e) => Err(ItemError::new(
            ErrorKind::Internal,
            format!("image task failed: {e}"),
        )),
    }
}

/// An item that failed before it could be asked (its image): journaled in its turn.
async fn fail_unasked(
    ctx: &mut ItemContext,
    item: &DatasetItem,
    result: ItemResult,
    error: ItemError,
    started: Instant,
) -> Outcome {
    ctx.turn.wait().await;
    announce(ctx, item);
    finish(ctx, fail(result, error, started)).await
}

/// Waits for a free request slot while the run is not paused; `None` when the run is going
/// away (the slots closed or the pause switch dropped).
async fn take_slot(ctx: &mut ItemContext) -> Option<HostPermit> {
    loop {
        while *ctx.paused.borrow() {
            ctx.paused.changed().await.ok()?;
        }
        let permit = ctx.pool.acquire().await?;
        if !*ctx.paused.borrow() {
            return Some(permit);
        }
    }
}

/// Takes the cached answer as if the server had streamed it, then journals and reports it.
async fn answer_from_cache(
    ctx: &ItemContext,
    mut result: ItemResult,
    hit: CachedAnswer,
    permit: HostPermit,
    started: Instant,
) -> Outcome {
    let _ = ctx.tx.send(RunEvent::Token {
        index: ctx.index,
        text: hit.answer.clone(),
    });
    result.cached = true;
    result.eval_count = hit.eval_count;
    result.prompt_eval_count = hit.prompt_eval_count;
    result.eval_duration_ns = hit.eval_duration_ns;
    result.confidence = hit.confidence;
    result.label_probs = cached_label_probs(&ctx.plan, hit.logprobs);
    let result = answered(&ctx.plan, result, hit.answer, started, None);
    let written = ctx.journal.queue(result.clone());
    drop(permit);
    report(ctx, result, written).await
}

/// What asking the server needs: the image, where its answer is cached, the slot it holds and
/// when its latency started.
struct Asked {
    payload: ImagePayload,
    cache_key: Option<String>,
    permit: HostPermit,
    started: Instant,
}

/// Streams the server's answer (with retries), then settles it. With several servers, one
/// that fails is taken out of rotation and the item is asked again on another.
async fn ask_server(ctx: &mut ItemContext, mut result: ItemResult, asked: Asked) -> Outcome {
    let request = classify_request(&ctx.plan, asked.payload);
    let Asked {
        cache_key,
        mut permit,
        started,
        ..
    } = asked;
    loop {
        let mut on_token = forward_tokens(ctx.tx.clone(), ctx.index);
        let asking = permit
            .backend()
            .classify_with_retry(&request, &mut on_token);
        let attempted = tokio::select! {
            attempted = asking => attempted,
            _ = permit.taken_out(), if ctx.pool.is_several() => {
                // Another request found this server failing: ask elsewhere.
                let why = ItemError::new(
                    ErrorKind::Unreachable,
                    format!("{} was taken out of rotation", permit.backend().host()),
                );
                permit = match ask_elsewhere(ctx, permit, &result, why).await {
                    Some(next) => next,
                    None => return Outcome::Dropped,
                };
                continue;
            }
        };
        result.attempts += attempted.attempts;
        let host = permit.host();
        match attempted.result {
            Ok(completion) => {
                ctx.pool.record_answer(host);
                let result = completed(&ctx.plan, result, &completion, started);
                // Queued while the slot is held, so the journal keeps the asking order; then
                // the server is done with this item: free its slot before the cache and
                // journal writes.
                let written = ctx.journal.queue(result.clone());
                drop(permit);
                store(
                    &ctx.plan,
                    cache_key.as_deref(),
                    &completion,
                    result.confidence,
                );
                return report(ctx, result, written).await;
            }
            Err(e) if ctx.pool.is_several() && e.is_server_failure() => {
                ctx.pool.record_error(host);
                if ctx.pool.take_out(host) == TakenOut::Last {
                    return every_server_failed(ctx, permit, &e);
                }
                take_out_noticed(ctx, &permit, &e);
                permit = match ask_elsewhere(ctx, permit, &result, e.to_item_error()).await {
                    Some(next) => next,
                    None => return Outcome::Dropped,
                };
            }
            Err(e) => {
                ctx.pool.record_error(host);
                return settle_failure(ctx, result, e, permit, started).await;
            }
        }
    }
}

/// A failed request that is the item's last word: a fatal error stops the run, any other is
/// journaled as the item's failure.
async fn settle_failure(
    ctx: &ItemContext,
    result: ItemResult,
    error: BackendError,
    permit: HostPermit,
    started: Instant,
) -> Outcome {
    if error.is_fatal() {
        // No request may start after a fatal answer: close the slots before this one is
        // freed, so a task waiting for it stops instead of asking the server once more.
        ctx.pool.close();
        drop(permit);
        return Outcome::Fatal(error.to_item_error());
    }
    let result = fail(result, error.to_item_error(), started);
    let written = ctx.journal.queue(result.clone());
    drop(permit);
    report(ctx, result, written).await
}

/// The last server in rotation failed too: the run stops (a resume asks the rest), like a
/// single server that cannot be reached.
fn every_server_failed(ctx: &ItemContext, permit: HostPermit, error: &BackendError) -> Outcome {
    ctx.pool.close();
    drop(permit);
    Outcome::Fatal(ItemError::new(
        error.kind(),
        format!("every model server failed; the last one in rotation: {error}"),
    ))
}

/// Tells the user (and the log) that the server behind `permit` left the rotation, the first
/// time it does, and starts checking it for its return.
fn take_out_noticed(ctx: &ItemContext, permit: &HostPermit, error: &BackendError) {
    let host = permit.backend().host();
    tracing::warn!(host, %error, "model server taken out of rotation");
    let _ = ctx.tx.send(RunEvent::Warning(format!(
        "{host} taken out of rotation ({error}); its items go to the other servers, and it is checked again in a while"
    )));
    let _ = ctx.tx.send(RunEvent::Hosts(ctx.pool.shares()));
    ctx.pool.recheck_later(
        permit.host(),
        ctx.plan.model.clone(),
        ctx.plan.model_digest.clone(),
        ctx.tx.clone(),
    );
}

/// Frees the failing server's slot and waits for one on another server; the text streamed so
/// far is dropped (a `Retrying` event says why). `None` when the run is going away.
async fn ask_elsewhere(
    ctx: &mut ItemContext,
    permit: HostPermit,
    result: &ItemResult,
    why: ItemError,
) -> Option<HostPermit> {
    drop(permit);
    let _ = ctx.tx.send(RunEvent::Retrying {
        index: ctx.index,
        attempt: result.attempts.saturating_add(1),
        error: ItemError::new(why.kind, format!("{}; asking another server", why.message)),
    });
    take_slot(ctx).await
}

/// The request for this run's model, prompt and options with `image`.
fn classify_request(plan: &RunPlan, image: ImagePayload) -> ClassifyRequest {
    ClassifyRequest {
        model: plan.model.clone(),
        system: plan.system.clone(),
        prompt: plan.prompt.clone(),
        image,
        options: plan.options.clone(),
        constrained_labels: (plan.output == OutputMode::Constrained).then(|| plan.labels.clone()),
        logprobs: plan.logprobs,
    }
}

/// Turns the backend's streamed tokens and retry notices into run events for item `index`.
fn forward_tokens(tx: mpsc::UnboundedSender<RunEvent>, index: usize) -> impl FnMut(TokenEvent<'_>) {
    move |event: TokenEvent<'_>| {
        let _ = match event {
            TokenEvent::Token(text) => tx.send(RunEvent::Token {
                index,
                text: text.to_string(),
            }),
            TokenEvent::Retrying {
                attempt,
                error,
                wait,
            } => tx.send(RunEvent::Retrying {
                index,
                attempt,
                error: ItemError::new(
                    error.kind(),
                    format!("{error} (attempt {attempt} in {:.1} s)", wait.as_secs_f64()),
                ),
            }),
        };
    }
}

/// The result of a completed request: the server's counters and the parsed answer.
fn completed(
    plan: &RunPlan,
    mut result: ItemResult,
    completion: &Completion,
    started: Instant,
) -> ItemResult {
    result.eval_count = completion.eval_count;
    result.prompt_eval_count = completion.prompt_eval_count;
    result.eval_duration_ns = completion.eval_duration_ns;
    result.total_duration_ns = completion.total_duration_ns;
    answered(
        plan,
        result,
        completion.text.clone(),
        started,
        Some(completion),
    )
}

fn announce(ctx: &ItemContext, item: &DatasetItem) {
    let _ = ctx.tx.send(RunEvent::ItemStarted {
        index: ctx.index,
        image: item.rel.to_string(),
        truth: item.truth.to_string(),
    });
}

fn answered(
    plan: &RunPlan,
    mut result: ItemResult,
    answer: String,
    started: Instant,
    completion: Option<&Completion>,
) -> ItemResult {
    let parsed = parse_answer(
        &answer,
        &plan.label_set,
        plan.output == OutputMode::Constrained,
    );
    if let (Some(label), Some(completion)) = (parsed.label.as_deref(), completion) {
        result.confidence = backend::label_confidence(&completion.logprobs, label, &plan.labels);
    }
    if let Some(completion) = completion {
        result.label_probs = backend::label_probabilities(&completion.logprobs, &plan.labels);
    }
    result.answer = answer;
    result.label = parsed.label;
    result.parse = Some(parsed.step);
    result.latency_ms = elapsed_ms(started);
    result
}

fn fail(mut result: ItemResult, error: ItemError, started: Instant) -> ItemResult {
    result.set_error(error);
    result.latency_ms = elapsed_ms(started);
    result
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Journals a result that needed no request slot and reports it.
async fn finish(ctx: &ItemContext, result: ItemResult) -> Outcome {
    let written = ctx.journal.queue(result.clone());
    report(ctx, result, written).await
}

/// Waits for `result` to be on disk, then reports it finished.
async fn report(
    ctx: &ItemContext,
    result: ItemResult,
    written: impl Future<Output = Result<(), ItemError>>,
) -> Outcome {
    if let Err(error) = written.await {
        return Outcome::Fatal(error);
    }
    let verdict = super::until::verdict(&result);
    let _ = ctx.tx.send(RunEvent::ItemFinished {
        index: ctx.index,
        result,
        replayed: false,
    });
    if ctx.pool.is_several() {
        let _ = ctx.tx.send(RunEvent::Hosts(ctx.pool.shares()));
    }
    Outcome::Done(verdict)
}

fn cache_key(plan: &RunPlan, sha256: &str) -> Option<String> {
    plan.cache.as_ref()?;
    let key = CacheKey {
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
        image_sha256: sha256.to_string(),
        max_side: plan.max_side,
    };
    Some(key.digest())
}

/// A lookup is a few microseconds on the cache's shared connection: done in place, without a
/// hop to the blocking pool.
fn lookup(plan: &RunPlan, key: Option<&str>) -> Option<CachedAnswer> {
    plan.cache.as_ref()?.get(key?)
}

/// Hands the answer to the cache's writer thread; never waits for the disk.
fn store(plan: &RunPlan, key: Option<&str>, completion: &Completion, confidence: Option<f64>) {
    let (Some(key), Some(cache)) = (key, plan.cache.as_ref()) else {
        return;
    };
    let answer = CachedAnswer {
        answer: completion.text.clone(),
        eval_count: completion.eval_count,
        prompt_eval_count: completion.prompt_eval_count,
        eval_duration_ns: completion.eval_duration_ns,
        confidence,
        logprobs: kept_logprobs(completion),
    };
    if let Err(e) = cache.put(key, &answer) {
        tracing::warn!("answer cache write failed: {e}");
    }
}

/// The logprobs a cached answer keeps: the tokens up to the answer's (see
/// [`backend::answer_logprobs`]), so a cache hit gives the same label probabilities.
fn kept_logprobs(completion: &Completion) -> Option<serde_json::Value> {
    let kept = backend::answer_logprobs(&completion.logprobs);
    (!kept.is_empty())
        .then(|| serde_json::to_value(kept).ok())
        .flatten()
}

/// The label probabilities of a cached answer: none when it kept no logprobs (or kept them in
/// a shape written before squint stored the answer's tokens).
fn cached_label_probs(plan: &RunPlan, logprobs: Option<serde_json::Value>) -> Option<LabelProbs> {
    let tokens: Vec<TokenLogprob> = serde_json::from_value(logprobs?).ok()?;
    backend::label_probabilities(&tokens, &plan.labels)
}
