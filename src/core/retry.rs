//! Retry policy: which failures are tried again, and how long to wait.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

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

/// A random number in [0, 1), from the standard library's per-process random hash keys.
fn unit_random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
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

/// The server's requested wait: `retry-after-ms`, then `Retry-After` in seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers.get("retry-after-ms").and_then(|v| v.to_str().ok()) {
        if let Some(d) = parse_decimal(ms.trim(), 1_000_000) {
            return Some(d.min(Duration::from_secs(1_000_000_000)));
        }
    }
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Some(d) = parse_decimal(value, 1_000_000_000) {
        return Some(d.min(Duration::from_secs(1_000_000_000)));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO).min(Duration::from_secs(1_000_000_000)))
}

/// A non-negative decimal number (`12`, `1.5`, `.25`) of units of `unit_nanos` nanoseconds
/// (a divisor of 10^9), without `str::parse::<f64>` (whose code and tables cost ~16 KB of binary).
fn parse_decimal(s: &str, unit_nanos: u64) -> Option<Duration> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if (int.is_empty() && frac.is_empty()) || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut units: u64 = 0;
    for b in int.bytes() {
        units = units.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    let per_sec = 1_000_000_000 / unit_nanos;
    // The fraction to the nanosecond (9 digits are enough).
    let (mut num, mut den) = (0u64, 1u64);
    for b in frac.bytes().take(9) {
        num = num * 10 + u64::from(b - b'0');
        den *= 10;
    }
    let nanos = (units % per_sec) * unit_nanos + num * unit_nanos / den;
    Some(Duration::from_secs(units / per_sec).saturating_add(Duration::from_nanos(nanos)))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form HTTP servers send.
fn parse_http_date(s: &str) -> Option<SystemTime> {
    let rest = s.split_once(", ").map(|(_, r)| r)?;
    let mut parts = rest.split_ascii_whitespace();
    let day: u64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    // Four-digit years only: a larger one would overflow the seconds below.
    if parts.next()? != "GMT"
        || !(1..=31).contains(&day)
        || h > 23
        || m > 59
        || sec > 60
        || !(1970..=9999).contains(&year)
    {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, mo) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * mo as i64 + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = u64::try_from(days).ok()? * 86_400 + h * 3600 + m * 60 + sec;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(t.duration_since(UNIX_EPOCH).unwrap().as_secs(), 784_111_777);
        let t = parse_http_date("Wed, 29 Feb 2024 00:00:00 GMT").unwrap();
        assert_eq!(t.duration_since(UNIX_EPOCH).unwrap().as_secs(), 1_709_164_800);
        assert!(parse_http_date("yesterday").is_none());
        assert!(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST").is_none());
    }

    #[test]
    fn decimal_waits() {
        let ms = |s| parse_decimal(s, 1_000_000);
        let secs = |s| parse_decimal(s, 1_000_000_000);
        assert_eq!(ms("300"), Some(Duration::from_millis(300)));
        assert_eq!(ms("1500.5"), Some(Duration::from_micros(1_500_500)));
        assert_eq!(secs("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(secs(".25"), Some(Duration::from_millis(250)));
        assert_eq!(secs("0"), Some(Duration::ZERO));
        for bad in ["", ".", "-1", "1e3", "+5", "1.2.3", "ten"] {
            assert_eq!(secs(bad), None, "{bad}");
        }
        assert!(secs("99999999999999999999999").is_some(), "saturates instead of failing");
    }

    #[test]
    fn retry_after_precedence() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", "300".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(300)));
        h.clear();
        h.insert("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
        // Found by the retry_after fuzz target: a far date was not capped like the numbers are,
        // and a year past 9999 would overflow.
        h.insert("retry-after", "Sun, 06 Nov 9211 08:49:37 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(1_000_000_000)));
        h.insert("retry-after", "Sun, 06 Nov 99999999999999 08:49:37 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

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
