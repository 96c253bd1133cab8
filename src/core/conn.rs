//! The connector: hyper-rustls's (rustls with the ring provider, the enabled feature's roots),
//! with a count of the bytes each connection has read.
//!
//! The retry loop must know whether any byte of a response arrived before a failure (a POST
//! whose answer had started may have been acted on, and is not sent again). hyper reports a
//! connection closed or reset before the response head was complete the same way whether it had
//! read nothing or half the head, so each connection counts what it reads (exactly for the first
//! 16 KiB of each response, then only that more came), and remembers the count when the current
//! request started: at its first write after a read. (HTTP/1.1 is not
//! pipelined: the previous response has been read whole before the next request is written.)
//! A request finds its connection's count through hyper-util's `capture_connection`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use hyper::rt::{Read, ReadBuf, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{CaptureConnection, Connected, Connection, HttpConnector};

use crate::Error;

/// What TLS runs over: TCP to the destination, or (the `proxy` feature) to a proxy's tunnel.
#[cfg(not(feature = "proxy"))]
pub(crate) type Tcp = HttpConnector;
#[cfg(feature = "proxy")]
pub(crate) type Tcp = super::proxy::Via;

/// The connector of the core's pooled client.
pub(crate) type Connector = Counting<hyper_rustls::HttpsConnector<Tcp>>;

/// The TLS connector: rustls with the ring provider and the roots of the enabled feature, over
/// `proxy` when there is one.
pub(crate) fn tls(
    needs_roots: bool,
    extra_roots: Vec<rustls::pki_types::TrustAnchor<'static>>,
    #[cfg(feature = "proxy")] route: Option<Arc<dyn super::proxy::Route>>,
) -> Result<hyper_rustls::HttpsConnector<Tcp>, Error> {
    // Without a roots feature, the extra roots are all there is.
    #[cfg_attr(not(any(feature = "webpki-roots", feature = "native-roots")), allow(unused_mut))]
    let mut roots = rustls::RootCertStore { roots: extra_roots };
    #[cfg(feature = "webpki-roots")]
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    #[cfg(feature = "native-roots")]
    {
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
    }
    if needs_roots && roots.is_empty() {
        return Err(Error::invalid_request(
            "no TLS trust roots: enable the `webpki-roots` or `native-roots` feature (or the system has no certificates)",
        ));
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::invalid_request(format!("TLS configuration: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let builder = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config).https_or_http();
    #[cfg(feature = "http2")]
    let builder = builder.enable_all_versions();
    #[cfg(not(feature = "http2"))]
    let builder = builder.enable_http1();
    #[cfg(not(feature = "proxy"))]
    return Ok(builder.build());
    #[cfg(feature = "proxy")]
    {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        Ok(builder.wrap_connector(super::proxy::Via { http, route }))
    }
}

/// Wraps a connector so that each of its connections counts the bytes it reads.
#[derive(Clone)]
pub(crate) struct Counting<C>(pub(crate) C);

impl<C> tower_service::Service<http::Uri> for Counting<C>
where
    C: tower_service::Service<http::Uri>,
    C::Future: Unpin,
{
    type Response = Counted<C::Response>;
    type Error = C::Error;
    type Future = CountingFuture<C::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), C::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        CountingFuture(self.0.call(dst))
    }
}

pub(crate) struct CountingFuture<F>(F);

impl<F, T, E> Future for CountingFuture<F>
where
    F: Future<Output = Result<T, E>> + Unpin,
{
    type Output = Result<Counted<T>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(|r| r.map(|io| Counted { io, reads: Arc::default() }))
    }
}

/// A connection that counts the bytes read from it.
pub(crate) struct Counted<T> {
    io: T,
    reads: Arc<ReadCount>,
}

#[derive(Default)]
struct ReadCount {
    /// Bytes read so far.
    total: AtomicU64,
    /// `total` at the last write.
    at_last_write: AtomicU64,
    /// `total` when the current request started (its first write after a read).
    request_start: AtomicU64,
    /// Whether reads of the current response went uncounted (past `EXACT_COUNT`).
    uncounted: AtomicBool,
}

/// The read count of a connection, found in its `Connected` extras.
#[derive(Clone)]
struct ReadProbe(Arc<ReadCount>);

/// Bytes of the response that the connection of `capture` has read for this request: 0 when
/// no connection was made or nothing arrived; `u64::MAX` when unknown (an HTTP/2 connection,
/// shared by many requests, or a response read past `EXACT_COUNT`), which counts as "something
/// arrived".
pub(crate) fn response_bytes(capture: &CaptureConnection) -> u64 {
    let connected = capture.connection_metadata();
    let Some(connected) = connected.as_ref() else { return 0 };
    if connected.is_negotiated_h2() {
        return u64::MAX;
    }
    let mut extensions = http::Extensions::new();
    connected.get_extras(&mut extensions);
    match extensions.get::<ReadProbe>() {
        Some(ReadProbe(count)) if count.uncounted.load(Relaxed) => u64::MAX,
        Some(ReadProbe(count)) => count.total.load(Relaxed).saturating_sub(count.request_start.load(Relaxed)),
        None => u64::MAX,
    }
}

impl<T> Counted<T> {
    fn note_write(&self) {
        let total = self.reads.total.load(Relaxed);
        if self.reads.at_last_write.swap(total, Relaxed) != total {
            self.reads.request_start.store(total, Relaxed);
            self.reads.uncounted.store(false, Relaxed);
        }
    }
}

impl<T: Connection> Connection for Counted<T> {
    fn connected(&self) -> Connected {
        self.io.connected().extra(ReadProbe(self.reads.clone()))
    }
}

/// Read through a buffer of this size, then copied: hyper's cursor does not tell how much an
/// inner read filled, and this crate has no `unsafe` to look.
const READ_CHUNK: usize = 16 * 1024;

/// How much of a response is counted exactly: enough to tell "nothing" from "something" and to
/// cover any response head; the rest is read without the copy (and reported as "started").
const EXACT_COUNT: u64 = 16 * 1024;

impl<T: Read + Unpin> Read for Counted<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, mut buf: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let reads = &this.reads;
        if reads.total.load(Relaxed).saturating_sub(reads.request_start.load(Relaxed)) >= EXACT_COUNT {
            // Well into the response: straight into hyper's buffer (the copy below slowed a
            // fast stream by a sixth), the count from here on unknown.
            reads.uncounted.store(true, Relaxed);
            return Pin::new(&mut this.io).poll_read(cx, buf);
        }
        let mut tmp = [0u8; READ_CHUNK];
        let want = buf.remaining().min(READ_CHUNK);
        let mut inner = ReadBuf::new(&mut tmp[..want]);
        ready!(Pin::new(&mut this.io).poll_read(cx, inner.unfilled()))?;
        let filled = inner.filled();
        buf.put_slice(filled);
        this.reads.total.fetch_add(filled.len() as u64, Relaxed);
        Poll::Ready(Ok(()))
    }
}

impl<T: Write + Unpin> Write for Counted<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.note_write();
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.note_write();
        Pin::new(&mut this.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
