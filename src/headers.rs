//! Reading headers: `Retry-After`, `Content-Encoding`, `Content-Type`, the key in `Authorization`.
//!
//! A leaf: it knows only the `http` crate, so that the error type, the send path and the
//! streams can all use it without using each other.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue};

/// The key in an `Authorization: Bearer <key>` value (to redact it from errors).
pub(crate) fn bearer_key(auth: &HeaderValue) -> &[u8] {
    auth.as_bytes().get(7..).unwrap_or_default()
}

/// Whether the `Content-Type` is `mime` (compared without case; parameters after it allowed).
pub(crate) fn is_content_type(headers: &HeaderMap, mime: &str) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().get(..mime.len()).is_some_and(|p| p.eq_ignore_ascii_case(mime)))
}

/// The `Content-Encoding` of a response, unless it is absent or `identity`.
pub(crate) fn content_encoding(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::CONTENT_ENCODING)?;
    let text = value.to_str().unwrap_or("(not text)");
    let identity = text.split(',').all(|c| c.trim().is_empty() || c.trim().eq_ignore_ascii_case("identity"));
    (!identity).then_some(text.trim())
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
    fn content_types() {
        let mut h = HeaderMap::new();
        assert!(!is_content_type(&h, "text/event-stream"));
        h.insert(http::header::CONTENT_TYPE, " Text/Event-Stream; charset=utf-8".parse().unwrap());
        assert!(is_content_type(&h, "text/event-stream"));
        assert!(!is_content_type(&h, "application/json"));
        h.insert(http::header::CONTENT_TYPE, "text/event".parse().unwrap());
        assert!(!is_content_type(&h, "text/event-stream"));
    }
}
