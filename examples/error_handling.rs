//! What a failed call looks like: an error answer of the API, and a server that cannot be
//! reached.
//!
//! With `OPENROUTER_API_KEY` set the first call goes to the real API; without it, a local
//! server answers (`openrouter::mock::MockServer`, see `examples/common/mod.rs`).

use std::time::Duration;

use openrouter::models::{ChatMessages, ChatRequest};
use openrouter::{Error, OpenRouter, OpenRouterCore, RetryConfig};

mod common;

fn explain(e: &Error) {
    if let Some(api) = e.api_error() {
        println!("  the API said no: HTTP {:?}, code {}, {:?}", e.status(), api.code, api.message);
    } else if e.is_connect() || e.is_timeout() {
        println!("  the network failed: {e}");
    } else {
        println!("  other error: {e}");
    }
    println!("  worth retrying later: {}", e.is_retryable());
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OpenRouter::from(common::core().await?); // with a key: OpenRouter::from_env()?
    let request = ChatRequest::new(vec![ChatMessages::user("Hi!")]).model("openai/does-not-exist");
    println!("a model that does not exist:");
    match client.chat().send(request.clone()).await {
        Ok(result) => println!("  unexpected answer: {}", result.text()),
        Err(e) => explain(&e),
    }

    // Nothing listens on port 9 of this machine; one attempt, one second at most.
    let core = OpenRouterCore::builder()
        .api_key("sk-or-not-a-real-key")
        .base_url("http://127.0.0.1:9/api/v1")
        .retry(RetryConfig::none())
        .timeout(Duration::from_secs(1))
        .build()?;
    println!("a server that cannot be reached:");
    match OpenRouter::from(core).chat().send(request).await {
        Ok(result) => println!("  unexpected answer: {}", result.text()),
        Err(e) => explain(&e),
    }
    Ok(())
}
