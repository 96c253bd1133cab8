//! A chat completion: a question in, the answer's text out.
//!
//! With `OPENROUTER_API_KEY` set it asks the real API; without it, a mock server answers
//! (`openrouter::mock::MockServer`, see `examples/common/mod.rs`).

use openrouter::models::{ChatMessages, ChatRequest};
use openrouter::OpenRouter;

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OpenRouter::from(common::core().await?); // with a key: OpenRouter::from_env()?
    let request = ChatRequest::new(vec![
        ChatMessages::system("Answer in one sentence."),
        ChatMessages::user("What is the capital of France?"),
    ])
    .model("openai/gpt-4o-mini");
    let result = client.chat().send(request).await?;
    println!("{}", result.text());
    Ok(())
}
