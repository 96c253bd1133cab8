//! Streams a chat completion and prints the text as it arrives, then the usage.
//!
//! With `OPENROUTER_API_KEY` set it asks the real API; without it, a mock server streams a
//! canned answer the way OpenRouter does (`openrouter::mock::MockServer`, see `examples/common/mod.rs`).

use std::io::Write;

use openrouter::models::{ChatMessages, ChatRequest};
use openrouter::{ChatAccumulator, OpenRouter};

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OpenRouter::from(common::core().await?); // with a key: OpenRouter::from_env()?
    let request =
        ChatRequest::new(vec![ChatMessages::user("Name three rivers of France, briefly.")]).model("openai/gpt-4o-mini");
    let mut stream = client.chat().send_stream(request).await?;
    let mut all = ChatAccumulator::new(); // the whole answer and its usage, even if you stop early
    while let Some(chunk) = stream.next_event().await {
        let chunk = chunk?; // an error inside the stream is an Err item
        print!("{}", chunk.delta_text().unwrap_or(""));
        std::io::stdout().flush()?;
        all.push(&chunk);
    }
    if let Some(usage) = all.result().usage {
        println!("\n\n{} prompt + {} completion tokens", usage.prompt_tokens, usage.completion_tokens);
    }
    Ok(())
}
