//! The floor: `GET {base}/generation?id=...` written directly on hyper-util's pooled client,
//! rustls (ring, webpki roots), HTTP/1.1 and a serde_json typed decode. What the same job costs
//! without the SDK; the benchmarks call [`get_generation`] side by side with the SDK's function.
//!
//! It uses only crates the SDK itself depends on, so a bench of the root crate can include this
//! file as a module (`#[path = "floor/src/lib.rs"] mod floor;`) without a dependency on this package.
// Included that way, the fields nobody reads would warn.
#![allow(dead_code)]

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

pub type Client = hyper_util::client::legacy::Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A pooled keep-alive client for `https://` (and plain `http://`, for a loopback server).
pub fn client() -> Client {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let tls = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    let https = HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http().enable_http1().build();
    hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(https)
}

/// `GET {base}/generation?id={id}` with a bearer key; the `data` of a 2xx answer, decoded.
pub async fn get_generation(client: &Client, base: &str, key: &str, id: &str) -> Result<Generation, Error> {
    let req = hyper::Request::get(format!("{base}/generation?id={id}"))
        .header("authorization", format!("Bearer {key}"))
        .body(Empty::new())?;
    let res = client.request(req).await?;
    let status = res.status();
    let body = res.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)).into());
    }
    Ok(serde_json::from_slice::<GenerationResponse>(&body)?.data)
}

#[derive(Deserialize)]
struct GenerationResponse {
    data: Generation,
}

/// `GenerationResponse.data` of the spec: non-null required fields as plain types, the rest as
/// `Option` (a field the answer leaves out decodes as `None`).
#[derive(Deserialize)]
pub struct Generation {
    pub id: String,
    pub total_cost: f64,
    pub created_at: String,
    pub model: String,
    pub origin: String,
    pub usage: f64,
    pub is_byok: bool,
    pub data_region: String,
    pub api_type: Option<String>,
    pub app_id: Option<i64>,
    pub cache_discount: Option<f64>,
    pub cancelled: Option<bool>,
    pub external_user: Option<String>,
    pub finish_reason: Option<String>,
    pub generation_time: Option<f64>,
    pub http_referer: Option<String>,
    pub latency: Option<f64>,
    pub moderation_latency: Option<f64>,
    pub native_finish_reason: Option<String>,
    pub native_tokens_cached: Option<i64>,
    pub native_tokens_completion: Option<i64>,
    pub native_tokens_completion_images: Option<i64>,
    pub native_tokens_prompt: Option<i64>,
    pub native_tokens_reasoning: Option<i64>,
    pub num_fetches: Option<i64>,
    pub num_input_audio_prompt: Option<i64>,
    pub num_media_completion: Option<i64>,
    pub num_media_prompt: Option<i64>,
    pub num_search_results: Option<i64>,
    pub preset_id: Option<String>,
    pub provider_name: Option<String>,
    pub provider_responses: Option<Vec<ProviderResponse>>,
    pub request_id: Option<String>,
    pub response_cache_source_id: Option<String>,
    pub router: Option<String>,
    pub service_tier: Option<String>,
    pub session_id: Option<String>,
    pub streamed: Option<bool>,
    pub tokens_completion: Option<i64>,
    pub tokens_prompt: Option<i64>,
    pub upstream_id: Option<String>,
    pub upstream_inference_cost: Option<f64>,
    pub user_agent: Option<String>,
    pub web_search_engine: Option<String>,
    pub workspace_id: Option<String>,
}

/// `ProviderResponse` of the spec.
#[derive(Deserialize)]
pub struct ProviderResponse {
    pub status: Option<i64>,
    pub endpoint_id: Option<String>,
    pub id: Option<String>,
    pub is_byok: Option<bool>,
    pub latency: Option<f64>,
    pub model_permaslug: Option<String>,
    pub provider_name: Option<String>,
    pub routed_service_tier: Option<String>,
}
