//! Embeddings: a vector for each of two texts, and how similar they are.
//!
//! With `OPENROUTER_API_KEY` set it asks the real API; without it, a mock server answers
//! (`openrouter::mock::MockServer`, see `examples/common/mod.rs`).

use openrouter::models::CreateEmbeddingsRequestBody;
use openrouter::OpenRouter;

mod common;

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OpenRouter::from(common::core().await?); // with a key: OpenRouter::from_env()?
    let texts = vec!["The cat sat on the mat.", "A kitten rested on the rug."];
    let body = CreateEmbeddingsRequestBody::new(texts, "openai/text-embedding-3-small");
    let response = client.embeddings().generate(body).await?;
    let vectors: Vec<&[f64]> = response.data.iter().filter_map(|item| item.vector()).collect();
    for (i, v) in vectors.iter().enumerate() {
        println!("text {i}: {} dimensions, starting {:?}", v.len(), &v[..v.len().min(3)]);
    }
    if let [a, b] = vectors[..] {
        println!("cosine similarity: {:.3}", cosine(a, b));
    }
    Ok(())
}
