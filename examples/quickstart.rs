//! Fetches a generation's metadata by id.
//!
//! With `OPENROUTER_API_KEY` set, it asks the real API (pass the generation id
//! as the first argument). Without a key, it starts a small server on 127.0.0.1
//! that answers like OpenRouter (with the API spec's example) and points the
//! core at it, so `cargo run --example quickstart` works offline.

use openrouter::{funcs::generations_get_generation, models::GetGenerationRequest, OpenRouterCore};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let id = std::env::args().nth(1).unwrap_or_else(|| "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG".to_owned());

    let core = if std::env::var("OPENROUTER_API_KEY").is_ok_and(|k| !k.trim().is_empty()) {
        OpenRouterCore::from_env()?
    } else {
        let url = local_server::start().await?;
        println!("OPENROUTER_API_KEY is not set: using a local server that answers like OpenRouter ({url})");
        OpenRouterCore::builder()
            .api_key("sk-or-local-demo")
            .base_url(&url)
            .app_title("openrouter quickstart")
            .build()?
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

/// A loopback server answering `GET /api/v1/generation` with the spec's example.
mod local_server {
    use http_body_util::Full;
    use hyper::body::{Bytes, Incoming};
    use hyper::{Request, Response};
    use hyper_util::rt::TokioIo;
    use tokio::net::TcpListener;

    const EXAMPLE: &str = include_str!("fixtures/generation.json");

    pub async fn start() -> std::io::Result<String> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/api/v1", listener.local_addr()?);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let service = hyper::service::service_fn(|req: Request<Incoming>| async move {
                    let (status, body) = match (req.uri().path(), req.headers().get("authorization")) {
                        (_, None) => (401, r#"{"error":{"code":401,"message":"Missing Authentication header"}}"#),
                        ("/api/v1/generation", Some(_)) => (200, EXAMPLE),
                        _ => (404, r#"{"error":{"code":404,"message":"Not Found"}}"#),
                    };
                    Response::builder()
                        .status(status)
                        .header("content-type", "application/json")
                        .body(Full::new(Bytes::from_static(body.as_bytes())))
                });
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(url)
    }
}
