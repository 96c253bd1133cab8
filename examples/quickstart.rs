//! Fetches a generation's metadata by id.
//!
//! With `OPENROUTER_API_KEY` set, it asks the real API (pass the generation id
//! as the first argument). Without a key, it starts `openrouter::mock::MockServer` on 127.0.0.1,
//! which answers like OpenRouter (with the API spec's example), and points the core at it, so
//! `cargo run --example quickstart --features mock` works offline.

use openrouter::mock::MockServer;
use openrouter::{funcs::generations_get_generation, models::GetGenerationRequest, OpenRouterCore};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let id = std::env::args().nth(1).unwrap_or_else(|| "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG".to_owned());
    let mock; // the mock server serves while this lives
    let core = if std::env::var("OPENROUTER_API_KEY").is_ok_and(|k| !k.trim().is_empty()) {
        OpenRouterCore::from_env()?
    } else {
        mock = MockServer::start().await?;
        println!("(OPENROUTER_API_KEY is not set: answering from a mock server at {})\n", mock.url());
        mock.core()
    };

    match generations_get_generation(&core, GetGenerationRequest::new(id)).await {
        Ok(generation) => {
            let g = &generation.data;
            println!("generation {}", g.id);
            println!("  model:    {}", g.model);
            println!("  provider: {}", g.provider_name.as_deref().unwrap_or("-"));
            println!(
                "  tokens:   {} prompt, {} completion",
                g.tokens_prompt.unwrap_or(0),
                g.tokens_completion.unwrap_or(0)
            );
            println!("  cost:     ${}", g.total_cost);
            println!("  created:  {}", g.created_at);
        }
        Err(e) if e.status() == Some(404) => println!("no generation with that id: {e}"),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
