//! An in-process `CONNECT` proxy on 127.0.0.1 that records what it is told and what it relays,
//! and an https server for `localhost` that records the `Authorization` it receives (the proxy
//! tests: `proxy.rs` and `proxy_env.rs`).
// Each test binary uses a part of it.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

pub const GENERATION: &str = include_str!("../../examples/fixtures/generation.json");

/// What the proxy saw.
#[derive(Default, Debug)]
pub struct ProxyLog {
    /// The request head of each connection made to the proxy (`CONNECT host:port HTTP/1.1…`).
    pub heads: Vec<String>,
    /// Every byte the client sent through a tunnel, as the proxy relayed it.
    pub tunneled: Vec<u8>,
}

pub struct Proxy {
    pub port: u16,
    pub log: Arc<Mutex<ProxyLog>>,
}

impl Proxy {
    /// A proxy that opens a tunnel for each `CONNECT` whose `Proxy-Authorization` is `auth`
    /// (any, when `None`), answers 407 to the others, and 502 to everything when `refuse`.
    pub async fn start(auth: Option<&str>, refuse: bool) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(ProxyLog::default()));
        let (shared, auth) = (log.clone(), auth.map(str::to_owned));
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(tunnel(client, shared.clone(), auth.clone(), refuse));
            }
        });
        Proxy { port, log }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn heads(&self) -> Vec<String> {
        self.log.lock().unwrap().heads.clone()
    }

    pub fn tunneled(&self) -> Vec<u8> {
        self.log.lock().unwrap().tunneled.clone()
    }
}

/// The value of header `name` in a request head, if it is there.
pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

async fn tunnel(mut client: TcpStream, log: Arc<Mutex<ProxyLog>>, auth: Option<String>, refuse: bool) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        match client.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 64 * 1024 {
            return;
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    log.lock().unwrap().heads.push(head.clone());
    let mut words = head.split(' ');
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or("").to_owned());
    let refusal = if method != "CONNECT" {
        Some("400 Bad Request")
    } else if auth.as_deref().is_some_and(|a| header(&head, "proxy-authorization") != Some(a)) {
        Some("407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"")
    } else if refuse {
        Some("502 Bad Gateway")
    } else {
        None
    };
    if let Some(status) = refusal {
        let _ = client.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes()).await;
        return;
    }
    let Ok(upstream) = TcpStream::connect(target.as_str()).await else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n").await;
        return;
    };
    if client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_err() {
        return;
    }
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_upstream, mut to_upstream) = upstream.into_split();
    let early = buf[end..].to_vec();
    let up = tokio::spawn(async move {
        log.lock().unwrap().tunneled.extend_from_slice(&early);
        if to_upstream.write_all(&early).await.is_err() {
            return;
        }
        let mut chunk = [0u8; 4096];
        loop {
            match from_client.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    log.lock().unwrap().tunneled.extend_from_slice(&chunk[..n]);
                    if to_upstream.write_all(&chunk[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to_upstream.shutdown().await;
    });
    let _ = tokio::io::copy(&mut from_upstream, &mut to_client).await;
    let _ = to_client.shutdown().await;
    up.abort();
}

/// An https server for `localhost` answering the example generation; returns its port, its
/// certificate (DER) and the `Authorization` values it received.
pub async fn https_server() -> (u16, Vec<u8>, Arc<Mutex<Vec<String>>>) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let cert_der = cert.cert.der().to_vec();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert_der.clone().into()], key)
        .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, record) = (acceptor.clone(), record.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let auth = req.headers().get("authorization").map(|v| v.to_str().unwrap_or("").to_owned());
                    record.lock().unwrap().extend(auth);
                    async move {
                        Response::builder()
                            .header("content-type", "application/json")
                            .header("x-generation-id", "gen-via-proxy")
                            .body(Full::new(Bytes::from_static(GENERATION.as_bytes())))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tls), service).await;
            });
        }
    });
    (port, cert_der, seen)
}
