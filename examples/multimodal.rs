//! Multimodal input: a question about an image, sent as text and image parts.
//!
//! With `OPENROUTER_API_KEY` set it asks the real API; without it, a mock server answers
//! (`openrouter::mock::MockServer`, see `examples/common/mod.rs`).

use openrouter::models::{ChatContentItems, ChatMessages, ChatRequest};
use openrouter::OpenRouter;

mod common;

const IMAGE: &str = "https://upload.wikimedia.org/wikipedia/commons/3/3a/Cat03.jpg";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OpenRouter::from(common::core().await?); // with a key: OpenRouter::from_env()?
    let question = ChatMessages::user_parts(vec![
        ChatContentItems::text("What is in this picture? One sentence."),
        ChatContentItems::image_url(IMAGE), // or a data:image/png;base64,… URL
    ]);
    let request = ChatRequest::new(vec![question]).model("openai/gpt-4o-mini");
    println!("{}", client.chat().send(request).await?.text());
    Ok(())
}
