//! Server-sent events framing: the WHATWG "event stream" interpretation rules
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>),
//! written for speed and for bytes that arrive in arbitrary pieces.
//!
//! [`SseDecoder`] is a plain incremental decoder with no I/O and no async in it:
//! [`feed`](SseDecoder::feed) it the body's chunks as they arrive and pull the
//! complete events out with [`next_event`](SseDecoder::next_event) until it
//! returns `None`; at the end of the body, [`has_partial_event`](SseDecoder::has_partial_event)
//! tells a cut stream from a clean end. The typed streams (chat, responses, messages, images)
//! sit on top of it.
//!
//! Rules implemented:
//! - lines end with LF, CR or CRLF, mixed freely; a CR that ends one chunk
//!   and the LF that starts the next are one line ending;
//! - a UTF-8 byte order mark at the very start of the stream is skipped;
//! - an empty line dispatches the event; lines starting with `:` are comments
//!   (OpenRouter's `: OPENROUTER PROCESSING` keep-alives) and are skipped;
//! - `name:value` with one optional space after the colon stripped from the
//!   value; a line without a colon is a field with an empty value; field names
//!   are case-sensitive and unknown names are ignored;
//! - `data` lines are joined with `\n`; an event with no `data` line is not
//!   dispatched (its `event` and `retry` are dropped with it);
//! - `event`: the last one in the event wins; empty means the default
//!   (`"message"`), reported as `None`;
//! - `id`: ignored if it contains NUL; otherwise it sets the *sticky* last event
//!   id, which every following event reports until another `id` line changes it
//!   (an empty `id` clears it, reported as `None`); it takes effect even in an
//!   event that is not dispatched, as the standard says;
//! - `retry`: only a non-empty all-ASCII-digit value that fits a `u64` counts;
//!   it is reported with the event it arrived in.
//!
//! UTF-8 is decoded per complete event, never per chunk, so a character split
//! across reads is safe. Invalid UTF-8 in `data` or `event` is an
//! [`SseError::InvalidUtf8`] carrying the raw bytes, and decoding goes on with
//! the next event; the `id` value is decoded lossily (U+FFFD), as the
//! standard's decoder does.
//!
//! Memory is bounded: an event whose raw text (from its first field line up to
//! the line being read, comment lines inside it included) grows past the
//! limit ([`DEFAULT_MAX_EVENT_SIZE`]; the tests and fuzz targets choose others) is an
//! [`SseError::EventTooLarge`]; the rest of that event is
//! skipped without being buffered, and decoding resumes after its blank line.
//! Comment lines between events never accumulate.
//!
//! `data: [DONE]` is an ordinary event here ([`SseEventRef::is_done`]); ending
//! the stream on it is the typed layer's job.
//!
//! Speed: the common event (`data: {...}` + blank line) costs one `memchr2`
//! over the line, a 5-byte prefix compare and a UTF-8 check, and is handed
//! out as a `&str` borrowed from the decoder's buffer, without a copy. Only
//! multi-line `data` is copied (joined) into a scratch buffer that is reused.

use std::fmt;

/// Default limit on the raw size of one event: 16 MiB.
pub(crate) const DEFAULT_MAX_EVENT_SIZE: usize = 16 * 1024 * 1024;

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Buffers that grew past this for a large event are freed once it is done,
/// so that many idle streams do not each keep their largest event's memory.
const SHRINK_ABOVE: usize = 64 * 1024;

/// One dispatched event, borrowed from the decoder (valid until the next
/// call that takes the decoder by `&mut`).
///
/// The decoder implements the whole standard, and the tests and fuzz targets check every field
/// against a reference; the typed streams read only `data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(any(test, fuzzing)), allow(dead_code))]
pub(crate) struct SseEventRef<'a> {
    /// The `event` field; `None` when absent or empty (type `"message"`).
    pub(crate) event: Option<&'a str>,
    /// The `data` lines joined with `\n`.
    pub(crate) data: &'a str,
    /// The sticky last event id; `None` when never set or cleared.
    pub(crate) id: Option<&'a str>,
    /// The `retry` field of this event, in milliseconds, if valid.
    pub(crate) retry: Option<u64>,
}

impl SseEventRef<'_> {
    /// `data` is exactly `[DONE]`: the OpenAI-style end-of-stream marker.
    #[inline]
    pub(crate) fn is_done(&self) -> bool {
        self.data == "[DONE]"
    }
}

/// A framing error. Neither is fatal: the decoder goes on with the next event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SseError {
    /// The `data` (or `event`) of a complete event is not valid UTF-8; `raw`
    /// holds its bytes as received (`data` lines joined with `\n`).
    InvalidUtf8 { field: &'static str, raw: Vec<u8> },
    /// The event grew past the decoder's limit; it was skipped.
    EventTooLarge { limit: usize },
}

impl SseError {
    /// The raw bytes of the offending field (empty for `EventTooLarge`).
    pub(crate) fn raw(&self) -> &[u8] {
        match self {
            SseError::InvalidUtf8 { raw, .. } => raw,
            SseError::EventTooLarge { .. } => &[],
        }
    }
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SseError::InvalidUtf8 { field, raw } => {
                write!(f, "server-sent event `{field}` is not valid UTF-8: {:?}", String::from_utf8_lossy(raw))
            }
            SseError::EventTooLarge { limit } => {
                write!(f, "server-sent event larger than the {limit}-byte limit")
            }
        }
    }
}

impl std::error::Error for SseError {}

/// Where the current event's `data` is.
#[derive(Clone, Copy, Debug)]
enum Data {
    /// No `data` line yet: the event will not be dispatched.
    None,
    /// One `data` line: its value is `buf[start..end]`.
    Range(usize, usize),
    /// Several: joined in `data_buf`.
    Joined,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Normal,
    /// After `EventTooLarge`: skip lines up to the blank line ending the event.
    Skip,
    /// As `Skip`, inside a line whose beginning was dropped unread.
    SkipLine,
}

/// The outcome of [`SseDecoder::advance`].
enum Step {
    NeedMore,
    Dispatch(Data, Option<(usize, usize)>, Option<u64>),
    Error(SseError),
}

/// Incremental server-sent events decoder. See the module docs for the rules.
pub(crate) struct SseDecoder {
    /// Received bytes; `buf[..keep]` is dead and is dropped by the next `feed`.
    buf: Vec<u8>,
    /// Start of the next line not processed yet.
    pos: usize,
    /// `buf[pos..searched]` holds no line terminator (resumes a long line).
    searched: usize,
    /// Start of the current event's first field line (for the size limit and
    /// for keeping the bytes that `data`/`event` ranges point into).
    begin: Option<usize>,
    data: Data,
    data_buf: Vec<u8>,
    event: Option<(usize, usize)>,
    retry: Option<u64>,
    last_id: String,
    /// The last line ended with a CR at the end of the buffer: a LF that
    /// comes next belongs to that line ending.
    skip_lf: bool,
    /// Whether the stream start was checked for a BOM.
    bom_checked: bool,
    mode: Mode,
    limit: usize,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SseDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SseDecoder")
            .field("buffered", &(self.buf.len() - self.pos))
            .field("mid_event", &self.begin.is_some())
            .field("last_id", &self.last_id)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl SseDecoder {
    /// A decoder with the default event size limit ([`DEFAULT_MAX_EVENT_SIZE`]).
    pub(crate) fn new() -> Self {
        SseDecoder {
            buf: Vec::new(),
            pos: 0,
            searched: 0,
            begin: None,
            data: Data::None,
            data_buf: Vec::new(),
            event: None,
            retry: None,
            last_id: String::new(),
            skip_lf: false,
            bom_checked: false,
            mode: Mode::Normal,
            limit: DEFAULT_MAX_EVENT_SIZE,
        }
    }

    /// Appends the next chunk of the body. Nothing is parsed here.
    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        // Everything before `keep` has been processed and nothing refers to
        // it any more (events handed out are borrows that ended before this
        // `&mut self` call).
        let keep = self.begin.unwrap_or(self.pos);
        let len = self.buf.len();
        if keep == len {
            if self.buf.capacity() > SHRINK_ABOVE {
                // Give back the memory of an exceptionally large event.
                self.buf = Vec::new();
            } else {
                self.buf.clear();
            }
            self.shift(keep);
        } else if keep > 0 && (keep >= len - keep || self.buf.capacity() - len < chunk.len()) {
            self.buf.copy_within(keep.., 0);
            self.buf.truncate(len - keep);
            self.shift(keep);
        }
        if self.data_buf.capacity() > SHRINK_ABOVE && !matches!(self.data, Data::Joined) {
            self.data_buf = Vec::new();
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete event buffered, if any; `None` means "feed more".
    pub(crate) fn next_event(&mut self) -> Option<Result<SseEventRef<'_>, SseError>> {
        match self.advance() {
            Step::NeedMore => None,
            Step::Error(e) => Some(Err(e)),
            Step::Dispatch(data, event, retry) => Some(self.build(data, event, retry)),
        }
    }

    /// Whether bytes of an event (or of a line) not complete yet are
    /// buffered: `true` at the end of the body means the stream was cut
    /// mid-event. Only meaningful once `next_event` has returned `None`.
    pub(crate) fn has_partial_event(&self) -> bool {
        self.begin.is_some() || self.pos < self.buf.len() || self.mode != Mode::Normal
    }

    /// The sticky last event id (`None` when never set or cleared).
    pub(crate) fn last_event_id(&self) -> Option<&str> {
        if self.last_id.is_empty() {
            None
        } else {
            Some(&self.last_id)
        }
    }

    /// Moves every offset down by `by` after the buffer's head was dropped.
    fn shift(&mut self, by: usize) {
        if by == 0 {
            return;
        }
        self.pos -= by;
        self.searched = self.searched.saturating_sub(by);
        if let Some(b) = &mut self.begin {
            *b -= by;
        }
        if let Data::Range(s, e) = &mut self.data {
            *s -= by;
            *e -= by;
        }
        if let Some((s, e)) = &mut self.event {
            *s -= by;
            *e -= by;
        }
    }

    fn reset_event(&mut self) {
        self.begin = None;
        self.data = Data::None;
        self.event = None;
        self.retry = None;
    }

    fn build(
        &self,
        data: Data,
        event: Option<(usize, usize)>,
        retry: Option<u64>,
    ) -> Result<SseEventRef<'_>, SseError> {
        let data = match data {
            Data::Range(s, e) => &self.buf[s..e],
            Data::Joined => &self.data_buf[..],
            Data::None => &[],
        };
        let data = match std::str::from_utf8(data) {
            Ok(s) => s,
            Err(_) => return Err(SseError::InvalidUtf8 { field: "data", raw: data.to_vec() }),
        };
        let event = match event {
            Some((s, e)) if s < e => match std::str::from_utf8(&self.buf[s..e]) {
                Ok(name) => Some(name),
                Err(_) => return Err(SseError::InvalidUtf8 { field: "event", raw: self.buf[s..e].to_vec() }),
            },
            _ => None,
        };
        Ok(SseEventRef { event, data, id: self.last_event_id(), retry })
    }

    /// Processes complete lines until an event is dispatched, an error
    /// occurs, or no complete line is left.
    fn advance(&mut self) -> Step {
        let len = self.buf.len();
        let mut p = self.pos;
        if !self.bom_checked {
            let head = &self.buf[p..];
            let n = head.len().min(3);
            if head[..n] != BOM[..n] {
                self.bom_checked = true;
            } else if n == 3 {
                p += 3;
                self.pos = p;
                self.bom_checked = true;
            } else {
                return Step::NeedMore;
            }
        }
        loop {
            if self.skip_lf {
                if p == len {
                    self.pos = p;
                    return Step::NeedMore;
                }
                self.skip_lf = false;
                if self.buf[p] == b'\n' {
                    p += 1;
                }
            }
            if p == len {
                self.pos = p;
                self.searched = p;
                return Step::NeedMore;
            }

            // Find the end of the line starting at `p`.
            let b0 = self.buf[p];
            let end = if b0 == b'\n' || b0 == b'\r' {
                p
            } else {
                let from = if self.searched > p { self.searched } else { p };
                match memchr::memchr2(b'\n', b'\r', &self.buf[from..]) {
                    Some(i) => from + i,
                    None => {
                        self.pos = p;
                        self.searched = len;
                        return self.partial_line();
                    }
                }
            };
            let next = if self.buf[end] == b'\n' {
                end + 1
            } else if end + 1 < len {
                end + 1 + usize::from(self.buf[end + 1] == b'\n')
            } else {
                self.skip_lf = true;
                end + 1
            };

            if self.mode != Mode::Normal {
                if self.mode == Mode::SkipLine {
                    self.mode = Mode::Skip;
                } else if end == p {
                    self.mode = Mode::Normal;
                }
                p = next;
                continue;
            }

            if end == p {
                // Blank line: dispatch.
                p = next;
                if let Data::None = self.data {
                    self.reset_event();
                    continue;
                }
                self.pos = p;
                self.searched = p;
                let step = Step::Dispatch(self.data, self.event.take(), self.retry.take());
                self.data = Data::None;
                self.begin = None;
                return step;
            }

            // The same measure as in `partial_line`, so that where the chunk
            // boundaries fall never changes the outcome.
            if end - self.begin.unwrap_or(p) > self.limit {
                self.reset_event();
                self.mode = Mode::Skip;
                self.pos = next;
                self.searched = next;
                return Step::Error(SseError::EventTooLarge { limit: self.limit });
            }
            if b0 == b':' {
                // Comment.
                p = next;
                continue;
            }
            if self.begin.is_none() {
                self.begin = Some(p);
            }

            let line = &self.buf[p..end];
            if line.len() >= 5 && line[..5] == *b"data:" {
                let vs = p + 5 + usize::from(line.len() > 5 && line[5] == b' ');
                self.push_data(vs, end);
            } else {
                let (name, vs) = match memchr::memchr(b':', line) {
                    Some(c) => (&line[..c], p + c + 1 + usize::from(line.len() > c + 1 && line[c + 1] == b' ')),
                    None => (line, end),
                };
                match name {
                    b"data" => self.push_data(vs, end),
                    b"event" => self.event = Some((vs, end)),
                    b"id" => {
                        let value = &self.buf[vs..end];
                        if memchr::memchr(0, value).is_none() {
                            self.last_id.clear();
                            self.last_id.push_str(&String::from_utf8_lossy(value));
                        }
                    }
                    b"retry" => {
                        if let Some(ms) = parse_retry(&self.buf[vs..end]) {
                            self.retry = Some(ms);
                        }
                    }
                    _ => {}
                }
            }
            p = next;
        }
    }

    #[inline]
    fn push_data(&mut self, vs: usize, end: usize) {
        match self.data {
            Data::None => self.data = Data::Range(vs, end),
            Data::Range(s, e) => {
                self.data_buf.clear();
                self.data_buf.extend_from_slice(&self.buf[s..e]);
                self.data_buf.push(b'\n');
                self.data_buf.extend_from_slice(&self.buf[vs..end]);
                self.data = Data::Joined;
            }
            Data::Joined => {
                self.data_buf.push(b'\n');
                self.data_buf.extend_from_slice(&self.buf[vs..end]);
            }
        }
    }

    /// No line terminator in `buf[pos..]`: wait for more, unless the event
    /// is already too large, or it is being skipped (then drop the bytes).
    fn partial_line(&mut self) -> Step {
        let p = self.pos;
        let len = self.buf.len();
        match self.mode {
            Mode::Normal => {
                if len - self.begin.unwrap_or(p) <= self.limit {
                    return Step::NeedMore;
                }
                self.reset_event();
                self.mode = Mode::SkipLine;
                self.buf.truncate(p);
                self.searched = p;
                Step::Error(SseError::EventTooLarge { limit: self.limit })
            }
            Mode::Skip | Mode::SkipLine => {
                if len > p {
                    self.mode = Mode::SkipLine;
                    self.buf.truncate(p);
                    self.searched = p;
                }
                Step::NeedMore
            }
        }
    }
}

/// A `retry` value: non-empty, ASCII digits only, fitting a `u64`.
fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in value {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// What the tests and the fuzz targets use besides the typed streams: a chosen event size
/// limit, owned events, and draining at the end of a body. Not compiled into the library.
#[cfg(any(test, fuzzing))]
mod support {
    use super::*;

    impl SseDecoder {
        /// A decoder that refuses events whose raw text exceeds `limit` bytes.
        pub(crate) fn with_max_event_size(limit: usize) -> Self {
            SseDecoder { limit, ..SseDecoder::new() }
        }

        /// At the end of the body: returns the complete events still buffered,
        /// one per call like [`next_event`](Self::next_event), then `None`.
        ///
        /// An unterminated event at the end (no blank line after it, or a last
        /// line without a line ending) is discarded, as the standard says, and is
        /// *not* an error here: ask [`has_partial_event`](Self::has_partial_event)
        /// before calling `finish` to tell a cut stream from a clean end. After
        /// `None` the decoder is reset for a new stream (a BOM is skipped again),
        /// keeping the last event id, as an `EventSource` does on reconnection.
        pub(crate) fn finish(&mut self) -> Option<Result<SseEventRef<'_>, SseError>> {
            match self.advance() {
                Step::NeedMore => {
                    self.reset_stream();
                    None
                }
                Step::Error(e) => Some(Err(e)),
                Step::Dispatch(data, event, retry) => Some(self.build(data, event, retry)),
            }
        }

        fn reset_stream(&mut self) {
            self.buf.clear();
            self.pos = 0;
            self.searched = 0;
            self.reset_event();
            self.skip_lf = false;
            self.bom_checked = false;
            self.mode = Mode::Normal;
        }
    }

    impl SseEventRef<'_> {
        /// An owned copy.
        pub(crate) fn into_owned(self) -> SseEvent {
            SseEvent {
                event: self.event.map(str::to_owned),
                data: self.data.to_owned(),
                id: self.id.map(str::to_owned),
                retry: self.retry,
            }
        }
    }

    /// One dispatched event, owned. See [`SseEventRef`] for the fields.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub(crate) struct SseEvent {
        pub(crate) event: Option<String>,
        pub(crate) data: String,
        pub(crate) id: Option<String>,
        pub(crate) retry: Option<u64>,
    }

    #[cfg(test)]
    impl SseEvent {
        /// `data` is exactly `[DONE]`: the OpenAI-style end-of-stream marker.
        pub(crate) fn is_done(&self) -> bool {
            self.data == "[DONE]"
        }
    }

    #[cfg(test)]
    impl SseError {
        /// The raw bytes as text, invalid sequences replaced by U+FFFD.
        pub(crate) fn lossy(&self) -> std::borrow::Cow<'_, str> {
            String::from_utf8_lossy(self.raw())
        }
    }
}

#[cfg(any(test, fuzzing))]
pub(crate) use support::SseEvent;

#[cfg(test)]
mod tests {
    use super::*;

    type Item = Result<SseEvent, SseError>;

    fn drain(dec: &mut SseDecoder, out: &mut Vec<Item>) {
        while let Some(r) = dec.next_event() {
            out.push(r.map(SseEventRef::into_owned));
        }
    }

    fn finish(dec: &mut SseDecoder, out: &mut Vec<Item>) {
        while let Some(r) = dec.finish() {
            out.push(r.map(SseEventRef::into_owned));
        }
    }

    fn decode_chunks_with(dec: &mut SseDecoder, chunks: &[&[u8]]) -> Vec<Item> {
        let mut out = Vec::new();
        for c in chunks {
            dec.feed(c);
            drain(dec, &mut out);
        }
        finish(dec, &mut out);
        out
    }

    fn decode_chunks(chunks: &[&[u8]]) -> Vec<Item> {
        decode_chunks_with(&mut SseDecoder::new(), chunks)
    }

    /// Decodes `input` whole, split in two at every byte, and one byte at a
    /// time; all must agree. Returns the common result.
    fn decode_all_ways(input: &[u8], limit: usize) -> Vec<Item> {
        let whole = decode_chunks_with(&mut SseDecoder::with_max_event_size(limit), &[input]);
        for i in 0..=input.len() {
            let (a, b) = input.split_at(i);
            let got = decode_chunks_with(&mut SseDecoder::with_max_event_size(limit), &[a, b]);
            assert_eq!(got, whole, "split at byte {i} of {:?}", String::from_utf8_lossy(input));
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        let got = decode_chunks_with(&mut SseDecoder::with_max_event_size(limit), &bytes);
        assert_eq!(got, whole, "byte at a time: {:?}", String::from_utf8_lossy(input));
        whole
    }

    /// A literal, unoptimized transcription of the standard's algorithm over
    /// the whole input, with this module's UTF-8 rules: the oracle that the
    /// randomized test compares the decoder against.
    fn reference(input: &[u8]) -> Vec<Item> {
        let s = input.strip_prefix(&BOM[..]).unwrap_or(input);
        let mut lines = Vec::new();
        let (mut i, mut start) = (0, 0);
        while i < s.len() {
            if s[i] == b'\n' || s[i] == b'\r' {
                lines.push(&s[start..i]);
                if s[i] == b'\r' && s.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            i += 1;
        }
        // `s[start..]` is an unterminated line: discarded at EOF.
        let mut out = Vec::new();
        let (mut data, mut event, mut id, mut retry) = (Vec::new(), Vec::new(), Vec::new(), None);
        for line in lines {
            if line.is_empty() {
                if !data.is_empty() {
                    data.pop(); // the LF after the last data line
                    out.push(match (String::from_utf8(data.clone()), String::from_utf8(event.clone())) {
                        (Err(_), _) => Err(SseError::InvalidUtf8 { field: "data", raw: data.clone() }),
                        (_, Err(_)) => Err(SseError::InvalidUtf8 { field: "event", raw: event.clone() }),
                        (Ok(d), Ok(e)) => Ok(SseEvent {
                            event: Some(e).filter(|e| !e.is_empty()),
                            data: d,
                            id: Some(String::from_utf8_lossy(&id).into_owned()).filter(|i| !i.is_empty()),
                            retry,
                        }),
                    });
                }
                data.clear();
                event.clear();
                retry = None;
                continue;
            }
            if line[0] == b':' {
                continue;
            }
            let (name, value) = match line.iter().position(|&b| b == b':') {
                Some(c) => {
                    let v = &line[c + 1..];
                    (&line[..c], v.strip_prefix(b" ").unwrap_or(v))
                }
                None => (line, &b""[..]),
            };
            match name {
                b"data" => {
                    data.extend_from_slice(value);
                    data.push(b'\n');
                }
                b"event" => event = value.to_vec(),
                b"id" if !value.contains(&0) => id = value.to_vec(),
                b"retry" => {
                    if let Some(ms) = parse_retry(value) {
                        retry = Some(ms);
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn ev(data: &str) -> SseEvent {
        SseEvent { data: data.into(), ..SseEvent::default() }
    }

    fn full(event: Option<&str>, data: &str, id: Option<&str>, retry: Option<u64>) -> SseEvent {
        SseEvent { event: event.map(Into::into), data: data.into(), id: id.map(Into::into), retry }
    }

    fn ok(evs: Vec<SseEvent>) -> Vec<Item> {
        evs.into_iter().map(Ok).collect()
    }

    fn check(input: &[u8], expected: Vec<Item>) {
        assert_eq!(reference(input), expected, "reference: {:?}", String::from_utf8_lossy(input));
        assert_eq!(decode_all_ways(input, DEFAULT_MAX_EVENT_SIZE), expected, "{:?}", String::from_utf8_lossy(input));
    }

    #[test]
    fn line_endings_lf() {
        check(b"data: hello\n\ndata: world\n\n", ok(vec![ev("hello"), ev("world")]));
    }

    #[test]
    fn line_endings_cr() {
        check(b"data: hello\r\rdata: world\r\r", ok(vec![ev("hello"), ev("world")]));
        check(b"data: a\rdata: b\r\r", ok(vec![ev("a\nb")]));
    }

    #[test]
    fn line_endings_crlf() {
        check(b"data: hello\r\n\r\ndata: world\r\n\r\n", ok(vec![ev("hello"), ev("world")]));
        // A CR that may be split from its LF must not end the event early.
        check(b"data: a\r\ndata: b\r\n\r\n", ok(vec![ev("a\nb")]));
    }

    #[test]
    fn line_endings_mixed() {
        check(
            b"data: a\r\ndata: b\rdata: c\n\r\nevent: x\rdata: d\n\ndata: e\r\r\ndata: f\n\r",
            ok(vec![
                ev("a\nb\nc"),
                full(Some("x"), "d", None, None),
                // "\r\r\n" is CR (end of line) then CRLF (blank line).
                ev("e"),
                ev("f"),
            ]),
        );
        // LF CR is two line endings, CR LF one.
        check(b"data: a\n\rdata: b\r\n\n", ok(vec![ev("a"), ev("b")]));
    }

    #[test]
    fn multi_line_data() {
        check(
            b"data: line1\ndata: line2\ndata:\ndata:  indented\ndata\n\n",
            ok(vec![ev("line1\nline2\n\n indented\n")]),
        );
        check(b"data:\n\n", ok(vec![ev("")]));
        check(b"data\n\n", ok(vec![ev("")]));
        check(b"data:\ndata:\n\n", ok(vec![ev("\n")]));
    }

    #[test]
    fn value_space_handling() {
        check(
            b"data:no-space\n\ndata:  two\n\ndata: \n\ndata:\tx\n\n",
            ok(vec![ev("no-space"), ev(" two"), ev(""), ev("\tx")]),
        );
        check(b"data: a:b: c\n\n", ok(vec![ev("a:b: c")]));
    }

    #[test]
    fn event_id_retry_fields() {
        check(
            b"event: update\nid: 42\nretry: 3000\ndata: {}\n\n\
              data: second\n\n\
              id\ndata: third\n\n\
              event: a\nevent: b\ndata: fourth\nid: 7\n\n\
              event:\ndata: fifth\n\n",
            ok(vec![
                full(Some("update"), "{}", Some("42"), Some(3000)),
                // id is sticky; event and retry are not.
                full(None, "second", Some("42"), None),
                // an empty id clears it
                full(None, "third", None, None),
                // last event name wins; id applies to its own event
                full(Some("b"), "fourth", Some("7"), None),
                // empty event name means the default type
                full(None, "fifth", Some("7"), None),
            ]),
        );
    }

    #[test]
    fn id_rules() {
        check(
            b"id: 1\n\ndata: a\n\nid: 2\0x\ndata: b\n\nid: caf\xc3\xa9\ndata: c\n\n",
            ok(vec![
                // an id in an event without data still sets the last id
                full(None, "a", Some("1"), None),
                // an id containing NUL is ignored
                full(None, "b", Some("1"), None),
                full(None, "c", Some("café"), None),
            ]),
        );
    }

    #[test]
    fn retry_rules() {
        check(
            b"retry: 12a\ndata: x\n\nretry:\ndata: y\n\n\
              retry: 99999999999999999999999\ndata: z\n\nretry: -1\ndata: w\n\n\
              retry:0\ndata: v\n\nretry: 5\n\ndata: u\n\n",
            ok(vec![
                ev("x"),
                ev("y"),
                ev("z"),
                ev("w"),
                full(None, "v", None, Some(0)),
                // retry in an undispatched event does not leak into the next
                ev("u"),
            ]),
        );
    }

    #[test]
    fn comments_and_keep_alives() {
        check(
            b": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n\
              data: {\"a\":1}\n\n:comment\ndata: b\n: mid\ndata: c\n\n:\n\n",
            ok(vec![ev("{\"a\":1}"), ev("b\nc")]),
        );
    }

    #[test]
    fn unknown_fields_and_undispatched_events() {
        check(
            b"foo: bar\ndata: x\n\nevent: ping\n\ndata: y\n\nData: z\n\n DATA: q\n\ndata : r\n\n",
            ok(vec![ev("x"), ev("y")]),
        );
        check(b"\n\n\r\n\r\r", vec![]);
        check(b"", vec![]);
    }

    #[test]
    fn bom() {
        check(b"\xEF\xBB\xBFdata: bom\n\n", ok(vec![ev("bom")]));
        // Only at the start of the stream: later it is part of a field name.
        check(b"data: a\n\n\xEF\xBB\xBFdata: b\n\n", ok(vec![ev("a")]));
        // Only one.
        check(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n", ok(vec![ev("b")]));
        // A BOM prefix that is not a BOM is data.
        check(
            b"\xEF\xBBdata: a\n\n",
            vec![], // field name "\xEF\xBBdata" is unknown
        );
        check(b"\xEF\xBB\xBF", vec![]);
        check(b"\xEF\xBB\xBF\n\ndata: a\n\n", ok(vec![ev("a")]));
    }

    #[test]
    fn utf8_multibyte() {
        check(
            "data: héllo 👋\n\nevent: café\ndata: 日本語\ndata: ✓\n\n".as_bytes(),
            ok(vec![ev("héllo 👋"), full(Some("café"), "日本語\n✓", None, None)]),
        );
    }

    #[test]
    fn invalid_utf8_is_an_error_with_raw_bytes() {
        let input = b"data: \xff\xfe ok\n\ndata: fine\n\ndata: a\ndata: \xc3\n\nevent: \xff\ndata: x\n\n";
        let got = decode_all_ways(input, DEFAULT_MAX_EVENT_SIZE);
        assert_eq!(reference(input), got);
        assert_eq!(
            got,
            vec![
                Err(SseError::InvalidUtf8 { field: "data", raw: b"\xff\xfe ok".to_vec() }),
                Ok(ev("fine")),
                Err(SseError::InvalidUtf8 { field: "data", raw: b"a\n\xc3".to_vec() }),
                Err(SseError::InvalidUtf8 { field: "event", raw: b"\xff".to_vec() }),
            ]
        );
        let e = got[0].clone().unwrap_err();
        assert_eq!(e.raw(), b"\xff\xfe ok");
        assert_eq!(e.lossy(), "\u{FFFD}\u{FFFD} ok");
        assert!(e.to_string().contains("not valid UTF-8"));
    }

    #[test]
    fn unterminated_event_at_eof_is_discarded() {
        check(b"data: a\n\ndata: b\n", ok(vec![ev("a")]));
        check(b"data: a\n\ndata: b", ok(vec![ev("a")]));
        check(b"data: a\n\ndata: b\r", ok(vec![ev("a")]));
        check(b"data: a\n\n: keep-alive", ok(vec![ev("a")]));
    }

    #[test]
    fn partial_event_detection() {
        let mut d = SseDecoder::new();
        d.feed(b"data: a\n\n: ping\n\n");
        assert!(d.next_event().is_some());
        assert!(d.next_event().is_none());
        assert!(!d.has_partial_event());
        d.feed(b"data: b\n");
        assert!(d.next_event().is_none());
        assert!(d.has_partial_event());
        assert!(d.finish().is_none());
        assert!(!d.has_partial_event());
        d.feed(b"data: c");
        assert!(d.next_event().is_none());
        assert!(d.has_partial_event());
        // Trailing CR waiting for a possible LF is a complete line ending.
        let mut d = SseDecoder::new();
        d.feed(b"data: a\r\r");
        assert_eq!(d.next_event().unwrap().unwrap().data, "a");
        assert!(d.next_event().is_none());
        assert!(!d.has_partial_event());
    }

    #[test]
    fn finish_returns_undrained_events_and_resets() {
        let mut d = SseDecoder::new();
        d.feed(b"id: 9\ndata: a\n\ndata: b\n\ndata: c");
        let mut out = Vec::new();
        finish(&mut d, &mut out);
        assert_eq!(out, ok(vec![full(None, "a", Some("9"), None), full(None, "b", Some("9"), None)]));
        // Reset for a new stream: BOM skipped again, last id kept.
        d.feed(b"\xEF\xBB\xBFdata: d\n\n");
        assert_eq!(d.next_event().unwrap().unwrap().into_owned(), full(None, "d", Some("9"), None));
    }

    #[test]
    fn done_marker() {
        let got = decode_all_ways(b"data: {}\n\ndata: [DONE]\n\n", DEFAULT_MAX_EVENT_SIZE);
        let flags: Vec<bool> = got.iter().map(|r| r.as_ref().unwrap().is_done()).collect();
        assert_eq!(flags, [false, true]);
        let mut d = SseDecoder::new();
        d.feed(b"data: [DONE]\n\ndata: [DONE] \n\n");
        assert!(d.next_event().unwrap().unwrap().is_done());
        assert!(!d.next_event().unwrap().unwrap().is_done());
    }

    #[test]
    fn borrowed_single_line_data_is_not_copied() {
        let mut d = SseDecoder::new();
        d.feed(b"data: {\"x\":1}\n\n");
        let data = d.next_event().unwrap().unwrap().data.as_ptr();
        assert!(d.buf.as_ptr_range().contains(&data));
    }

    #[test]
    fn oversized_event_is_an_error_then_decoding_resumes() {
        let big = format!("data: {}\n\ndata: ok\n\n", "x".repeat(200));
        let got = decode_all_ways(big.as_bytes(), 100);
        assert_eq!(got, vec![Err(SseError::EventTooLarge { limit: 100 }), Ok(ev("ok"))]);

        // Many small lines adding up past the limit; comments inside count.
        let mut s = String::new();
        for _ in 0..10 {
            s.push_str("data: 0123456789abcdef\n: comment\n");
        }
        s.push_str("\ndata: after\n\n");
        let got = decode_all_ways(s.as_bytes(), 100);
        assert_eq!(got, vec![Err(SseError::EventTooLarge { limit: 100 }), Ok(ev("after"))]);

        // Exactly at the limit is fine: the raw event "data: xxxx" is 100 bytes.
        let at = format!("data: {}\n\n", "x".repeat(94));
        assert_eq!(decode_all_ways(at.as_bytes(), 100), ok(vec![ev(&"x".repeat(94))]));
        let over = format!("data: {}\n\n", "x".repeat(95));
        assert_eq!(decode_all_ways(over.as_bytes(), 100), vec![Err(SseError::EventTooLarge { limit: 100 })]);
        assert!(SseError::EventTooLarge { limit: 100 }.to_string().contains("100"));
    }

    #[test]
    fn oversized_event_does_not_grow_memory() {
        let limit = 1 << 20;
        let mut d = SseDecoder::with_max_event_size(limit);
        let chunk = vec![b'y'; 16 * 1024];
        d.feed(b"data: ");
        let mut errors = 0;
        for _ in 0..(10 << 20) / chunk.len() {
            d.feed(&chunk);
            while let Some(r) = d.next_event() {
                assert_eq!(r.unwrap_err(), SseError::EventTooLarge { limit });
                errors += 1;
            }
            assert!(d.buf.capacity() <= 3 * limit, "buffer grew to {}", d.buf.capacity());
        }
        d.feed(b"\n\ndata: next\n\n");
        assert_eq!(d.next_event().unwrap().unwrap().data, "next");
        assert_eq!(errors, 1);
    }

    #[test]
    fn buffers_shrink_after_a_large_event() {
        let mut d = SseDecoder::new();
        let line = format!("data: {}\n", "b".repeat(1 << 20));
        d.feed(format!("{line}{line}\n").as_bytes());
        assert_eq!(d.next_event().unwrap().unwrap().data.len(), (2 << 20) + 1);
        assert!(d.next_event().is_none());
        d.feed(b"data: small\n\n");
        assert_eq!(d.next_event().unwrap().unwrap().data, "small");
        assert!(d.buf.capacity() <= SHRINK_ABOVE && d.data_buf.capacity() <= SHRINK_ABOVE);
    }

    #[test]
    fn comment_only_stream_does_not_accumulate() {
        let mut d = SseDecoder::with_max_event_size(64);
        for _ in 0..10_000 {
            d.feed(b": OPENROUTER PROCESSING\n");
            assert!(d.next_event().is_none());
        }
        assert!(d.buf.capacity() < 1024);
        d.feed(b"data: x\n\n");
        assert_eq!(d.next_event().unwrap().unwrap().data, "x");
    }

    #[test]
    fn long_line_in_small_chunks_is_linear() {
        // An 8 MiB line fed 256 bytes at a time: the terminator search resumes
        // where it stopped; rescanning from the line start would scan ~128 GB.
        let mut d = SseDecoder::new();
        let chunk = vec![b'z'; 256];
        d.feed(b"data: ");
        for _ in 0..(8 << 20) / chunk.len() {
            d.feed(&chunk);
            assert!(d.next_event().is_none());
            assert_eq!(d.searched, d.buf.len());
        }
        d.feed(b"\n\n");
        assert_eq!(d.next_event().unwrap().unwrap().data.len(), 8 << 20);
    }

    /// xorshift64*: tiny deterministic PRNG for the randomized tests.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// A chat-like stream of `n` events and the events it must decode to.
    fn chat_stream(rng: &mut Rng, n: usize, eol: &str) -> (Vec<u8>, Vec<SseEvent>) {
        const WORDS: [&str; 8] = [" the", " quick", " brown", " héllo", " 👋", " 日本", "\\n", " fox"];
        let mut s = String::new();
        let mut expected = Vec::with_capacity(n + 1);
        let mut id: Option<String> = None;
        s.push_str(": OPENROUTER PROCESSING");
        s.push_str(eol);
        s.push_str(eol);
        for i in 0..n {
            if i % 50 == 25 {
                s.push_str(": OPENROUTER PROCESSING");
                s.push_str(eol);
                s.push_str(eol);
            }
            let content: String = (0..1 + rng.below(3)).map(|_| WORDS[rng.below(WORDS.len())]).collect();
            let data = format!(
                "{{\"id\":\"gen-1740000000-AbCdEfGhIjKlMnOp\",\"provider\":\"OpenAI\",\"model\":\"openai/gpt-4o\",\
                 \"object\":\"chat.completion.chunk\",\"created\":1740000000,\"choices\":[{{\"index\":0,\
                 \"delta\":{{\"role\":\"assistant\",\"content\":\"{content}\"}},\"finish_reason\":null}}],\"n\":{i}}}"
            );
            let mut event = None;
            let mut retry = None;
            if i % 97 == 0 {
                s.push_str("event: chunk");
                s.push_str(eol);
                event = Some("chunk".to_string());
            }
            if i % 131 == 0 {
                id = Some(i.to_string());
                s.push_str(&format!("id: {i}{eol}"));
            }
            if i % 173 == 0 {
                retry = Some(i as u64);
                s.push_str(&format!("retry:{i}{eol}"));
            }
            let mut data = data;
            if i % 61 == 0 {
                // multi-line data with a comment in between
                s.push_str(&format!("data: {data}{eol}: mid{eol}data:second line{eol}"));
                data.push_str("\nsecond line");
            } else {
                s.push_str(&format!("data: {data}{eol}"));
            }
            s.push_str(eol);
            expected.push(SseEvent { event, data, id: id.clone(), retry });
        }
        s.push_str(&format!("data: [DONE]{eol}{eol}"));
        expected.push(SseEvent { event: None, data: "[DONE]".into(), id, retry: None });
        (s.into_bytes(), expected)
    }

    fn random_chunks<'a>(rng: &mut Rng, input: &'a [u8]) -> Vec<&'a [u8]> {
        let mut chunks = Vec::new();
        let mut rest = input;
        while !rest.is_empty() {
            let max = match rng.below(4) {
                0 => 4,
                1 => 64,
                2 => 1024,
                _ => 16 * 1024,
            };
            let n = (1 + rng.below(max)).min(rest.len());
            let (a, b) = rest.split_at(n);
            chunks.push(a);
            rest = b;
        }
        chunks
    }

    #[test]
    fn random_chunking_of_a_10k_event_chat_stream() {
        for (seed, eol) in [(1u64, "\n"), (2, "\r\n"), (3, "\r"), (4, "\n"), (5, "\r\n")] {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
            let (input, expected) = chat_stream(&mut rng, 10_000, eol);
            let expected = ok(expected);
            assert_eq!(reference(&input), expected, "reference, eol {eol:?}");
            assert_eq!(decode_chunks(&[&input]), expected, "whole, eol {eol:?}");
            for _ in 0..3 {
                let chunks = random_chunks(&mut rng, &input);
                assert_eq!(decode_chunks(&chunks), expected, "seed {seed}, eol {eol:?}");
            }
        }
    }

    #[test]
    fn arbitrary_bytes_match_the_reference_whatever_the_chunking() {
        const PIECES: [&[u8]; 16] = [
            b"data",
            b"data:",
            b": ",
            b":",
            b"\n",
            b"\r",
            b"\r\n",
            b"event",
            b"id",
            b"retry",
            b" ",
            b"\xEF\xBB\xBF",
            b"\xc3",
            b"\xa9",
            b"\0",
            b"123",
        ];
        let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
        for round in 0..5_000 {
            let input = if round % 2 == 0 {
                // Byte soup from SSE-ish pieces.
                let mut input = Vec::new();
                for _ in 0..rng.below(200) {
                    if rng.below(4) == 0 {
                        input.push(rng.next() as u8);
                    } else {
                        input.extend_from_slice(PIECES[rng.below(PIECES.len())]);
                    }
                }
                input
            } else {
                // Line-structured: fields, comments and blank lines.
                const NAMES: [&[u8]; 9] =
                    [b"data", b"data", b"data", b"event", b"id", b"retry", b"", b"x", b"\xEF\xBB\xBFdata"];
                const VALUES: [&[u8]; 10] =
                    [b"", b" ", b"a", b"12", b" 7", b"\0", b"\xc3\xa9", b"\xc3", b":", b"[DONE]"];
                const EOLS: [&[u8]; 3] = [b"\n", b"\r", b"\r\n"];
                let mut input = Vec::new();
                for _ in 0..rng.below(40) {
                    if rng.below(3) == 0 {
                        input.extend_from_slice(EOLS[rng.below(3)]); // blank line
                        continue;
                    }
                    input.extend_from_slice(NAMES[rng.below(NAMES.len())]);
                    match rng.below(4) {
                        0 => {}
                        1 => input.push(b':'),
                        _ => input.extend_from_slice(b": "),
                    }
                    for _ in 0..rng.below(3) {
                        input.extend_from_slice(VALUES[rng.below(VALUES.len())]);
                    }
                    input.extend_from_slice(EOLS[rng.below(3)]);
                }
                input
            };
            let limit = [8, 32, 1 << 20][round % 3];
            let whole = decode_chunks_with(&mut SseDecoder::with_max_event_size(limit), &[&input]);
            if limit > input.len() {
                assert_eq!(whole, reference(&input), "input {:?}", String::from_utf8_lossy(&input));
            }
            for _ in 0..4 {
                let mut chunks = Vec::new();
                let mut rest = &input[..];
                while !rest.is_empty() {
                    let n = (1 + rng.below(8)).min(rest.len());
                    chunks.push(&rest[..n]);
                    rest = &rest[n..];
                }
                let got = decode_chunks_with(&mut SseDecoder::with_max_event_size(limit), &chunks);
                assert_eq!(got, whole, "input {:?}, limit {limit}", String::from_utf8_lossy(&input));
            }
        }
    }
}
