//! The Responses API: one answer, then one streamed as it is written.
//!
//! With `OPENROUTER_API_KEY` set it asks the real API; without it, a mock server answers
//! (`openrouter::mock::MockServer`, see `examples/common/mod.rs`).

use std::io::Write;

use openrouter::models::ResponsesRequest;
use openrouter::OpenRouter;

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OpenRouter::from(common::core().await?); // with a key: OpenRouter::from_env()?
    let request = ResponsesRequest::new().model("openai/gpt-4o-mini").input("Say hello in one sentence.");
    let result = client.responses().send(request).await?;
    println!("{}\n", result.output_text());

    let request = ResponsesRequest::new().model("openai/gpt-4o-mini").input("Tell a two-sentence story.");
    let mut stream = client.responses().send_stream(request).await?;
    while let Some(event) = stream.next_event().await {
        print!("{}", event?.text_delta().unwrap_or(""));
        std::io::stdout().flush()?;
    }
    println!();
    Ok(())
}
