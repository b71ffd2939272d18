//! One item's answer: the task that asks a server for it (streaming, retries, failover to
//! another server), and the result records the engine journals for an answer from the server,
//! from the cache or a failure. Never panics on bad input; a fatal server error is handed back
//! to the engine without journaling, so a resume asks that item again. Never reports an item
//! finished itself (the journal writer does, once it is on disk).

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, watch};

use super::hosts::{HostPermit, HostPool, TakenOut};
use super::journal_writer::{JournalWriter, writer_gone};
use super::{RunEvent, RunPlan};
use crate::backend::{self, BackendError, ClassifyRequest, Completion, TokenEvent, TokenLogprob};
use crate::dataset::DatasetItem;
use crate::domain::label_probs::LabelProbs;
use crate::domain::parse::parse_answer;
use crate::domain::result::{ErrorKind, ItemError, ItemResult};
use crate::domain::template::OutputMode;
use crate::imaging::ImagePayload;
use crate::session::CachedAnswer;

/// What a task hands back to the engine loop.
pub(super) enum Outcome {
    /// The item's result was queued for the journal: `Some(correct)` when answered, `None`
    /// when its request failed.
    Done(Option<bool>),
    /// The task ended without a result because the run is going away.
    Dropped,
    /// The server or model became unusable (or the journal went away); the run must stop.
    Fatal(ItemError),
}

/// What an asking task shares with the run.
pub(super) struct ItemContext {
    pub plan: Arc<RunPlan>,
    pub journal: JournalWriter,
    pub tx: mpsc::UnboundedSender<RunEvent>,
    /// The servers and their request slots: bounds the requests in flight.
    pub pool: Arc<HostPool>,
    /// True while the run is paused: no new request starts.
    pub paused: watch::Receiver<bool>,
    pub index: usize,
}

/// Asks a server about the item in `ctx` with the slot and image in `asked`, then queues its
/// result for the journal.
pub(super) async fn ask(mut ctx: ItemContext, result: ItemResult, asked: Asked) -> Outcome {
    ask_server(&mut ctx, result, asked).await
}

/// The result record of `item` before anything is known about its answer.
pub(super) fn blank_result(item: &DatasetItem) -> ItemResult {
    ItemResult {
        image: String::from(&*item.rel),
        sha256: String::new(),
        truth: String::from(&*item.truth),
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

/// The result of an answer taken from the cache, as if the server had streamed it.
pub(super) fn answer_from_cache(
    plan: &RunPlan,
    mut result: ItemResult,
    hit: CachedAnswer,
    started: Instant,
) -> ItemResult {
    result.cached = true;
    result.eval_count = hit.eval_count;
    result.prompt_eval_count = hit.prompt_eval_count;
    result.eval_duration_ns = hit.eval_duration_ns;
    result.confidence = hit.confidence;
    result.label_probs = cached_label_probs(plan, hit.logprobs);
    answered(plan, result, hit.answer, started, None)
}

/// What asking the server needs: the image, where its answer is cached, the slot it holds and
/// when its latency started.
pub(super) struct Asked {
    pub payload: ImagePayload,
    pub cache_key: Option<String>,
    pub permit: HostPermit,
    pub started: Instant,
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
        let mut on_token = forward_tokens(ctx.tx.clone(), ctx.index, ctx.plan.tokens);
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
                let confidence = result.confidence;
                // Queued while the slot is held, so the journal keeps the asking order; then
                // the server is done with this item: free its slot before the cache write.
                let outcome = journal(ctx, result);
                drop(permit);
                store(&ctx.plan, cache_key.as_deref(), &completion, confidence);
                return outcome;
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
                return settle_failure(ctx, result, e, permit, started);
            }
        }
    }
}

/// A failed request that is the item's last word: a fatal error stops the run, any other is
/// journaled as the item's failure.
fn settle_failure(
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
    let outcome = journal(ctx, result);
    drop(permit);
    outcome
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

/// Turns the backend's streamed tokens (when `tokens`) and retry notices into run events for
/// item `index`.
fn forward_tokens(
    tx: mpsc::UnboundedSender<RunEvent>,
    index: usize,
    tokens: bool,
) -> impl FnMut(TokenEvent<'_>) {
    move |event: TokenEvent<'_>| {
        let _ = match event {
            TokenEvent::Token(_) if !tokens => Ok(()),
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

/// Tells the consumer that plan item `index` is being asked (or answered from the cache).
pub(super) fn announce(tx: &mpsc::UnboundedSender<RunEvent>, index: usize, item: &DatasetItem) {
    let _ = tx.send(RunEvent::ItemStarted {
        index,
        image: String::from(&*item.rel),
        truth: String::from(&*item.truth),
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
        result.confidence = plan.label_tokens.confidence(&completion.logprobs, label);
    }
    if let Some(completion) = completion {
        result.label_probs = plan.label_tokens.probabilities(&completion.logprobs);
    }
    result.answer = answer;
    result.label = parsed.label;
    result.parse = Some(parsed.step);
    result.latency_ms = elapsed_ms(started);
    result
}

/// The result of an item that failed with `error`.
pub(super) fn fail(mut result: ItemResult, error: ItemError, started: Instant) -> ItemResult {
    result.set_error(error);
    result.latency_ms = elapsed_ms(started);
    result
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Queues `result` for the journal (the writer reports it once it is on disk).
fn journal(ctx: &ItemContext, result: ItemResult) -> Outcome {
    let verdict = super::until::verdict(&result);
    if ctx.journal.queue(ctx.index, result) {
        Outcome::Done(verdict)
    } else {
        Outcome::Fatal(writer_gone())
    }
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
    plan.label_tokens.probabilities(&tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headless_runs_get_retry_notices_but_no_token_events() {
        let error = BackendError::Timeout {
            host: "http://h".into(),
            secs: 1.0,
        };
        for tokens in [true, false] {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let mut forward = forward_tokens(tx, 3, tokens);
            forward(TokenEvent::Token("7"));
            forward(TokenEvent::Retrying {
                attempt: 2,
                error: &error,
                wait: std::time::Duration::from_millis(500),
            });
            let mut events = Vec::new();
            while let Ok(event) = rx.try_recv() {
                events.push(event);
            }
            let token = events
                .iter()
                .any(|e| matches!(e, RunEvent::Token { index: 3, text } if text == "7"));
            let retry = events.iter().any(|e| {
                matches!(
                    e,
                    RunEvent::Retrying {
                        index: 3,
                        attempt: 2,
                        ..
                    }
                )
            });
            assert_eq!((token, retry), (tokens, true), "tokens: {tokens}");
        }
    }
}
