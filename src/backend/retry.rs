//! The retry policy: how many attempts, which errors are worth another try, how long to wait.
//! Pure: no sleeping, no IO; the caller does the waiting.

use std::time::Duration;

use super::error::BackendError;

/// Wait before the second attempt; doubles for each further attempt.
pub(super) const BASE_BACKOFF: Duration = Duration::from_millis(250);
/// Longest wait between two attempts.
pub(super) const MAX_BACKOFF: Duration = Duration::from_secs(4);

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
    /// `Some(wait)` to try again after `wait`, `None` to give up.
    pub fn after_failure(&self, attempt: u32, error: &BackendError) -> Option<Duration> {
        (error.is_retryable() && attempt < self.attempts).then(|| backoff(attempt))
    }
}

/// Wait after failed attempt `attempt` (1-based): 250 ms × 2^(attempt-1), capped at 4 s.
pub fn backoff(attempt: u32) -> Duration {
    let exp = attempt.saturating_sub(1).min(16);
    BASE_BACKOFF.saturating_mul(1u32 << exp).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

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
                policy.after_failure(attempt, err),
                want.map(Duration::from_millis),
                "{attempt} {err:?}"
            );
        }
        assert_eq!(RetryPolicy::new(0).after_failure(1, &busy), None);
        assert_eq!(RetryPolicy::new(0).attempts, 1);
    }
}
