//! A chat completion: a question in, the answer's text out.
//!
//! With `OPENROUTER_API_KEY` set it asks the real API; without it, a local server answers
//! (`examples/common/offline.rs`).

use openrouter::models::{ChatMessages, ChatRequest};
use openrouter::OpenRouter;

#[path = "common/offline.rs"]
mod offline;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OpenRouter::from(offline::core().await?); // with a key: OpenRouter::from_env()?
    let request = ChatRequest::new(vec![
        ChatMessages::system("Answer in one sentence."),
        ChatMessages::user("What is the capital of France?"),
    ])
    .model("openai/gpt-4o-mini");
    let result = client.chat().send(request).await?;
    println!("{}", result.text());
    Ok(())
}
