//! The client object: `client.<group>().<operation>(..)` for every operation, cheap to clone
//! and share between tasks, over the same core the free functions take.
//!
//! With `OPENROUTER_API_KEY` set it asks the real API; without it, a mock server answers
//! (`openrouter::mock::MockServer`, see `examples/common/mod.rs`).

use openrouter::funcs::generations_get_generation;
use openrouter::models::GetGenerationRequest;
use openrouter::OpenRouter;

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // OpenRouter::from_env()? reads OPENROUTER_API_KEY; OpenRouter::from(core) wraps a core you built.
    let client = OpenRouter::from(common::core().await?);
    println!("{client:?}\n"); // the key is never shown

    let credits = client.credits().get_credits().await?; // an operation with no inputs takes none
    println!("credits: {:.2} used of {:.2}", credits.data.total_usage, credits.data.total_credits);

    // A clone shares the connection pool; the client is Send + Sync.
    let task = tokio::spawn({
        let client = client.clone();
        async move {
            client.generations().get_generation(GetGenerationRequest::new("gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG")).await
        }
    });
    match task.await? {
        Ok(generation) => println!("generation {} cost ${}", generation.data.id, generation.data.total_cost),
        Err(e) if e.status() == Some(404) => println!("no such generation (a real key sees only its own)"),
        Err(e) => return Err(e.into()),
    }

    // The same call as a free function, for programs that want only what they call.
    let request = GetGenerationRequest::new("gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG");
    match generations_get_generation(client.core(), request).await {
        Ok(generation) => println!("the free function: generation {}", generation.data.id),
        Err(e) => println!("the free function: {e}"),
    }
    Ok(())
}
