//! The models on offer (with their prices) and the account's credits.
//!
//! With `OPENROUTER_API_KEY` set it asks the real API; without it, a mock server answers
//! (`openrouter::mock::MockServer`, see `examples/common/mod.rs`).

use openrouter::models::GetModelsRequest;
use openrouter::OpenRouter;

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OpenRouter::from(common::core().await?); // with a key: OpenRouter::from_env()?
    let models = client.models().list(GetModelsRequest::new()).await?;
    println!("{} models, for example:", models.data.len());
    for model in models.data.iter().take(5) {
        let context = model.context_length.unwrap_or(0);
        println!("  {:<40} {context:>8} tokens  ${}/prompt token", model.id, model.pricing.prompt);
    }
    let credits = client.credits().get_credits().await?.data;
    println!("credits: {:.2} used of {:.2}", credits.total_usage, credits.total_credits);
    Ok(())
}
