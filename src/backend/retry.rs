//! The retry policy: how many attempts, which errors are worth another try, how long to wait.
//! Pure: no sleeping, no IO; the caller does the waiting.

use std::time::Duration;

use super::error::BackendError;

/// Wait before the second attempt; doubles for each further attempt.
pub(super) const BASE_BACKOFF: Duration = Duration::from_millis(250);
/// Longest wait between two attempts.
pub(super) const MAX_BACKOFF: Duration = Duration::from_secs(4);

/// The longest `Retry-After` squint waits for; a server asking for more fails the item (with
/// its message) instead of stalling the run.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Retry decisions for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total (values below 1 count as 1).
    pub attempts: u32,
}

impl RetryPolicy {
    /// A policy allowing `attempts` attempts in total.
    pub fn new(attempts: u32) -> Self {
        Self {
            attempts: attempts.max(1),
        }
    }

    /// What to do after attempt number `attempt` (1-based) failed with `error`:
    /// `Some(wait)` to try again after `wait`, `None` to give up. `jitter` (in `0.0..1.0`,
    /// drawn at random by the caller) spreads the backoff over its upper half so that parallel
    /// requests do not retry in lockstep. A server's `Retry-After` is a floor: never retried
    /// sooner than it asks (and given up when it asks for more than [`MAX_RETRY_AFTER`]).
    pub fn after_failure(
        &self,
        attempt: u32,
        error: &BackendError,
        jitter: f64,
    ) -> Option<Duration> {
        if !error.is_retryable() || attempt >= self.attempts {
            return None;
        }
        let wait = jittered(backoff(attempt), jitter);
        match error.retry_after() {
            Some(asked) if asked > MAX_RETRY_AFTER => None,
            Some(asked) => Some(wait.max(asked)),
            None => Some(wait),
        }
    }
}

/// Wait after failed attempt `attempt` (1-based): 250 ms × 2^(attempt-1), capped at 4 s.
pub fn backoff(attempt: u32) -> Duration {
    let exp = attempt.saturating_sub(1).min(16);
    BASE_BACKOFF.saturating_mul(1u32 << exp).min(MAX_BACKOFF)
}

/// `wait` spread over `[wait/2, wait)` by `jitter` in `0.0..1.0` ("equal jitter").
pub fn jittered(wait: Duration, jitter: f64) -> Duration {
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let half = wait / 2;
    half + half.mul_f64(jitter)
}

/// Reads a `Retry-After` header value: delay-seconds, or an HTTP date (RFC 9110 §10.2.3)
/// measured from `now`. A date in the past means "now"; anything unreadable is ignored.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        let cases = [
            ("3", Some(3)),
            (" 120 ", Some(120)),
            (later.as_str(), Some(7)),
            (earlier.as_str(), Some(0)),
            ("soon", None),
            ("-1", None),
            ("", None),
        ];
        for (value, want) in cases {
            assert_eq!(
                parse_retry_after(value, now),
                want.map(Duration::from_secs),
                "{value:?}"
            );
        }
    }

    #[test]
    fn retry_after_is_a_floor_and_jitter_stays_in_the_upper_half() {
        let throttled = |secs: u64| BackendError::Throttled {
            host: "http://h".into(),
            status: 429,
            message: String::new(),
            retry_after_ms: secs * 1000,
        };
        let policy = RetryPolicy::new(3);
        for jitter in [0.0, 0.5, 0.999] {
            assert_eq!(
                policy.after_failure(1, &throttled(2), jitter),
                Some(Duration::from_secs(2))
            );
        }
        assert_eq!(policy.after_failure(1, &throttled(400), 0.5), None);
        assert_eq!(policy.after_failure(3, &throttled(1), 0.5), None);
        for attempt in 1..6 {
            let full = backoff(attempt);
            for jitter in [0.0, 0.25, 0.99, 7.0, f64::NAN] {
                let got = jittered(full, jitter);
                assert!(got >= full / 2 && got <= full, "{attempt} {jitter} {got:?}");
            }
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let cases = [
            (0, 250),
            (1, 250),
            (2, 500),
            (3, 1000),
            (4, 2000),
            (5, 4000),
            (6, 4000),
            (40, 4000),
        ];
        for (attempt, ms) in cases {
            assert_eq!(
                backoff(attempt),
                Duration::from_millis(ms),
                "attempt {attempt}"
            );
        }
    }

    #[test]
    fn retries_only_retryable_errors_within_budget() {
        let host = || "http://h".to_owned();
        let busy = BackendError::Http {
            host: host(),
            status: 503,
            message: String::new(),
        };
        let bad = BackendError::Http {
            host: host(),
            status: 400,
            message: String::new(),
        };
        let cut = BackendError::CutStream {
            host: host(),
            detail: String::new(),
        };
        let auth = BackendError::Auth {
            host: host(),
            status: 401,
            message: String::new(),
            env_var: "K".into(),
        };
        let policy = RetryPolicy::new(3);
        // With jitter 1.0 the wait is the full backoff.
        let cases = [
            (1, &busy, Some(250)),
            (2, &busy, Some(500)),
            (3, &busy, None),
            (1, &cut, Some(250)),
            (1, &bad, None),
            (1, &auth, None),
        ];
        for (attempt, err, want) in cases {
            assert_eq!(
                policy.after_failure(attempt, err, 1.0),
                want.map(Duration::from_millis),
                "{attempt} {err:?}"
            );
        }
        assert_eq!(RetryPolicy::new(0).after_failure(1, &busy, 1.0), None);
        assert_eq!(RetryPolicy::new(0).attempts, 1);
    }
}
