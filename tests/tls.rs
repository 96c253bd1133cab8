//! The https path: a rustls server on 127.0.0.1 with a self-signed certificate for `localhost`.
//! The API is https only, so TLS is always compiled in; these tests prove the client speaks it,
//! verifies the server, and trusts only what it is told to.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use openrouter::funcs::generations_get_generation;
use openrouter::models::GetGenerationRequest;
use openrouter::{OpenRouterCore, RetryConfig};
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

const GENERATION: &str = include_str!("../examples/fixtures/generation.json");

/// Starts an https server for `localhost`; returns its port and the certificate (DER).
async fn https_server() -> (u16, Vec<u8>) {
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
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let service = hyper::service::service_fn(|req: Request<Incoming>| async move {
                    let body = if req.uri().path() == "/api/v1/generation" { GENERATION } else { "{}" };
                    Response::builder()
                        .header("content-type", "application/json")
                        .body(Full::new(Bytes::from_static(body.as_bytes())))
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tls), service).await;
            });
        }
    });
    (port, cert_der)
}

#[tokio::test]
async fn https_with_a_trusted_root_works() {
    let (port, cert) = https_server().await;
    let core = OpenRouterCore::builder()
        .api_key("sk-or-test")
        .base_url(&format!("https://localhost:{port}/api/v1"))
        .add_root_certificate(cert)
        .retry(RetryConfig::none())
        .build()
        .unwrap();
    let generation = generations_get_generation(&core, GetGenerationRequest::new("gen-1")).await.unwrap();
    assert_eq!(generation.data.id, "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG");
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    let (port, _cert) = https_server().await;
    let core = OpenRouterCore::builder()
        .api_key("sk-or-test")
        .base_url(&format!("https://localhost:{port}/api/v1"))
        .retry(RetryConfig::none())
        .build()
        .unwrap();
    let err = generations_get_generation(&core, GetGenerationRequest::new("gen-1")).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    let chain = format!("{err:?}");
    assert!(chain.to_lowercase().contains("certificate"), "the cause names the certificate: {chain}");
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused() {
    let (port, cert) = https_server().await;
    // The certificate is for `localhost`, not `127.0.0.1`.
    let core = OpenRouterCore::builder()
        .api_key("sk-or-test")
        .base_url(&format!("https://127.0.0.1:{port}/api/v1"))
        .add_root_certificate(cert)
        .retry(RetryConfig::none())
        .build()
        .unwrap();
    let err = generations_get_generation(&core, GetGenerationRequest::new("gen-1")).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}

#[test]
fn a_root_that_is_not_a_certificate_is_a_build_error() {
    let err =
        OpenRouterCore::builder().api_key("k").add_root_certificate(b"not a certificate".to_vec()).build().unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
}
