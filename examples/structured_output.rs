//! Structured output: the answer is JSON matching a schema, read into a Rust type.
//!
//! With `OPENROUTER_API_KEY` set it asks the real API; without it, a mock server answers
//! (`openrouter::mock::MockServer`, see `examples/common/mod.rs`).

use openrouter::models::{ChatMessages, ChatRequest, ChatRequestResponseFormat};
use openrouter::OpenRouter;
use serde_json::json;

mod common;

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)] // read through Debug
struct City {
    name: String,
    country: String,
    population: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OpenRouter::from(common::core().await?); // with a key: OpenRouter::from_env()?
    let schema = json!({
        "type": "object",
        "properties": {"name": {"type": "string"}, "country": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["name", "country", "population"],
        "additionalProperties": false
    });
    let request = ChatRequest::new(vec![ChatMessages::user("Which city is the capital of France?")])
        .model("openai/gpt-4o-mini")
        .response_format(ChatRequestResponseFormat::json_schema("city", schema));
    let city: City = client.chat().send(request).await?.parse_json()?;
    println!("{city:#?}");
    Ok(())
}
