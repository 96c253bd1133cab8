//! `size_probe` written with the client object: the same call as
//! `client.generations().get_generation(..)`, for the size report's facade row.
//!
//! ```text
//! cargo build --profile size --example size_probe_client --no-default-features --features generations,webpki-roots
//! ```

use openrouter::{models::GetGenerationRequest, OpenRouter};

fn main() {
    let id = std::env::args().nth(1).unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let result = runtime.block_on(async {
        let client = OpenRouter::from_env()?;
        client.generations().get_generation(GetGenerationRequest::new(id)).await
    });
    match result {
        Ok(g) => println!("{} {} {}", g.data.id, g.data.model, g.data.total_cost),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
