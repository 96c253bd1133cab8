//! A binary that calls only `generations_get_generation`, for binary-size measurements:
//!
//! ```text
//! cargo build --profile size --example size_probe --no-default-features --features generations,webpki-roots
//! ```
//!
//! Run it with `OPENROUTER_API_KEY` set and a generation id as the argument.

use openrouter::{funcs::generations_get_generation, models::GetGenerationRequest, OpenRouterCore};

fn main() {
    let id = std::env::args().nth(1).unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let result = runtime.block_on(async {
        let core = OpenRouterCore::from_env()?;
        generations_get_generation(&core, GetGenerationRequest::new(id)).await
    });
    match result {
        Ok(g) => println!("{} {} {}", g.data.id, g.data.model, g.data.total_cost),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
