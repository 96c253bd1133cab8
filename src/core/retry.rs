//! Retry policy: which failures are tried again, and how long to wait.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How failed attempts are retried.
///
/// The default ([`RetryConfig::backoff`]) uses the official SDK's numbers —
/// 500 ms initial interval, 60 s cap, exponent 1.5, 1 hour budget — plus an
/// attempt cap of 4 attempts in all, which the official SDK lacks. Retried:
/// the retry codes (default 429 and 5xx), connection errors and timeouts, within
/// the rules below. Never retried: other 4xx, a response that is not valid HTTP
/// ([`Error::is_protocol`](crate::Error::is_protocol)), a body cut short, decode
/// errors, cancellation, a request whose upload body is a one-shot reader.
///
/// **No request the server may have acted on is sent twice.** A POST or PATCH (a chat
/// completion is billed once it runs) is sent again only when the server cannot have
/// answered it yet or said it did not do it:
///
/// | what happened on the attempt | GET, PUT, DELETE | POST, PATCH |
/// |---|---|---|
/// | connection refused, DNS or TLS failure | retried | retried |
/// | reset or closed before any byte of the response | retried | retried |
/// | reset or closed after part of the response head | retried | **not retried** |
/// | the head is malformed (bad `Content-Length`, too many headers, not HTTP) | not retried | not retried |
/// | timeout before any byte of the response | retried | not retried, unless the call allows it with [`RequestOptions::retry_unanswered_post`](crate::RequestOptions::retry_unanswered_post) |
/// | timeout after the response started (a stalled or trickling body) | retried | **not retried** |
/// | a complete response with a retry code (429, 5xx), body read whole | retried | retried |
/// | a retry-code response whose body is cut or stalls | body cut: not retried; stalls: retried | not retried |
/// | a success whose body the caller reads (streams, downloads) | not retried | not retried |
///
/// "Any byte" is counted on the connection: each connection counts the bytes it has read,
/// from the start of the current request. Over HTTP/2 (the `http2` feature), where one
/// connection carries many requests, a POST that failed after it was sent counts as
/// answered, and is not retried.
///
/// The wait before retry `n` (1, 2, …) is `min(initial · exponent^(n-1), max_interval)`,
/// scaled by a random factor in [0.5, 1] ("equal jitter"). A `retry-after-ms` or
/// `Retry-After` header (seconds or HTTP date) replaces it, capped at `max_interval`.
/// No retry starts once the next wait would pass `max_elapsed`. Dropping the
/// call's future during a wait ends it at once.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryConfig {
    enabled: bool,
    initial_interval: Duration,
    max_interval: Duration,
    exponent: f64,
    max_elapsed: Duration,
    max_attempts: u32,
    retry_connection_errors: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig::backoff()
    }
}

impl RetryConfig {
    /// No retries: one attempt.
    pub fn none() -> Self {
        RetryConfig { enabled: false, ..RetryConfig::backoff() }
    }

    /// Exponential backoff with the defaults described on [`RetryConfig`].
    pub fn backoff() -> Self {
        RetryConfig {
            enabled: true,
            initial_interval: Duration::from_millis(500),
            max_interval: Duration::from_secs(60),
            exponent: 1.5,
            max_elapsed: Duration::from_secs(3600),
            max_attempts: 4,
            retry_connection_errors: true,
        }
    }

    /// The wait before the first retry (default 500 ms).
    pub fn initial_interval(mut self, d: Duration) -> Self {
        self.initial_interval = d;
        self
    }

    /// The longest wait between attempts, also the cap on `Retry-After` (default 60 s).
    pub fn max_interval(mut self, d: Duration) -> Self {
        self.max_interval = d;
        self
    }

    /// The growth factor of the wait (default 1.5; values below 1 are treated as 1).
    pub fn exponent(mut self, e: f64) -> Self {
        self.exponent = e;
        self
    }

    /// The time budget, from the first attempt, after which no retry starts (default 1 h).
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// The most attempts in all, the first included (default 4; 0 and 1 mean no retry).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Whether connection errors and timeouts are retried (default true).
    pub fn retry_connection_errors(mut self, retry: bool) -> Self {
        self.retry_connection_errors = retry;
        self
    }

    pub(crate) fn retries_connection_errors(&self) -> bool {
        self.enabled && self.retry_connection_errors
    }

    /// The wait before the next attempt, or `None` when the policy says stop.
    /// `attempt` is the number of attempts made so far (1 after the first).
    pub(crate) fn next_delay(&self, attempt: u32, elapsed: Duration, hint: Option<Duration>) -> Option<Duration> {
        if !self.enabled || attempt >= self.max_attempts {
            return None;
        }
        let delay = match hint {
            Some(h) => h.min(self.max_interval),
            None => {
                let exp = self.exponent.max(1.0).powi(attempt.saturating_sub(1).min(64) as i32);
                let base = self.initial_interval.as_secs_f64() * exp;
                let base = base.min(self.max_interval.as_secs_f64());
                Duration::from_secs_f64(base * (0.5 + 0.5 * unit_random()))
            }
        };
        if elapsed.saturating_add(delay) > self.max_elapsed {
            return None;
        }
        Some(delay)
    }
}

/// A random number in [0, 1).
fn unit_random() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random number (not for cryptography: jitter, multipart boundaries), from the standard
/// library's per-process random hash keys and the clock. The one source of randomness here.
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.finish()
}

/// The set of statuses that are retried: exact codes and `NXX` families.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RetryCodes {
    exact: Vec<u16>,
    families: Vec<u16>,
}

impl Default for RetryCodes {
    fn default() -> Self {
        RetryCodes { exact: vec![429], families: vec![5] }
    }
}

impl RetryCodes {
    pub(crate) fn parse<S: AsRef<str>>(codes: &[S]) -> Result<RetryCodes, String> {
        let mut out = RetryCodes { exact: Vec::new(), families: Vec::new() };
        for code in codes {
            let c = code.as_ref().trim();
            let b = c.as_bytes();
            if b.len() == 3 && b[0].is_ascii_digit() && b[1..].eq_ignore_ascii_case(b"xx") {
                out.families.push(u16::from(b[0] - b'0'));
            } else if let Ok(n @ 100..=599) = c.parse::<u16>() {
                out.exact.push(n);
            } else {
                return Err(format!("`{c}` is not a status code (like \"503\") or a family (like \"5XX\")"));
            }
        }
        Ok(out)
    }

    pub(crate) fn matches(&self, status: u16) -> bool {
        self.exact.contains(&status) || self.families.contains(&(status / 100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let c = RetryCodes::default();
        assert!(c.matches(429) && c.matches(503) && c.matches(529) && !c.matches(404) && !c.matches(200));
        let c = RetryCodes::parse(&["4xx"]).unwrap();
        assert!(c.matches(404) && !c.matches(500));
        assert!(RetryCodes::parse(&["5X"]).is_err());
        assert!(RetryCodes::parse(&["999"]).is_err());
    }

    #[test]
    fn delays_grow_and_stop() {
        let r = RetryConfig::backoff();
        for attempt in 1..4 {
            let d = r.next_delay(attempt, Duration::ZERO, None).unwrap();
            let base = 0.5 * 1.5f64.powi(attempt as i32 - 1);
            assert!(d.as_secs_f64() >= base * 0.5 - 1e-9 && d.as_secs_f64() <= base + 1e-9, "{d:?}");
        }
        assert_eq!(r.next_delay(4, Duration::ZERO, None), None);
        assert_eq!(r.next_delay(1, Duration::ZERO, Some(Duration::from_secs(600))), Some(Duration::from_secs(60)));
        assert_eq!(r.next_delay(1, Duration::from_secs(3599), Some(Duration::from_secs(2))), None);
        assert_eq!(RetryConfig::none().next_delay(1, Duration::ZERO, None), None);
    }
}
