//! Streams a chat completion and prints the tokens as they arrive, then the usage.
//!
//! With `OPENROUTER_API_KEY` set it asks the real API (`OPENROUTER_MODEL` picks the
//! model, default `openai/gpt-4o-mini`); without it, a local server on 127.0.0.1
//! streams a canned answer the way OpenRouter does (keep-alive comments included).

use std::io::Write;

use openrouter::funcs::chat_send_stream;
use openrouter::models::{
    ChatMessages, ChatRequest, ChatUserMessage, ChatUserMessageContent, SendChatCompletionRequest,
};
use openrouter::stream::ChatAccumulator;
use openrouter::OpenRouterCore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let core = if std::env::var("OPENROUTER_API_KEY").is_ok_and(|k| !k.trim().is_empty()) {
        OpenRouterCore::from_env()?
    } else {
        let url = local_server::start().await?;
        println!("OPENROUTER_API_KEY is not set: streaming from a local server ({url})\n");
        OpenRouterCore::builder().api_key("sk-or-local-demo").base_url(&url).build()?
    };

    let question = ChatUserMessage::new(ChatUserMessageContent::Text("Name three rivers of France, briefly.".into()));
    let body = ChatRequest {
        model: Some(std::env::var("OPENROUTER_MODEL").unwrap_or_else(|_| "openai/gpt-4o-mini".into())),
        messages: vec![ChatMessages::User(question)],
        ..Default::default()
    };

    let mut stream = chat_send_stream(&core, SendChatCompletionRequest::new(body)).await?;
    let mut all = ChatAccumulator::new();
    while let Some(chunk) = stream.next_event().await {
        let chunk = chunk?;
        for choice in &chunk.choices {
            if let Some(text) = &choice.delta.content {
                print!("{text}");
                std::io::stdout().flush()?;
            }
        }
        all.push(&chunk);
    }
    let result = all.result();
    println!();
    if let Some(usage) = &result.usage {
        println!("\n{} prompt + {} completion tokens", usage.prompt_tokens, usage.completion_tokens);
    }
    Ok(())
}

/// A loopback server streaming a chat completion the way OpenRouter does.
mod local_server {
    use std::convert::Infallible;
    use std::time::Duration;

    use http_body_util::StreamBody;
    use hyper::body::{Bytes, Frame, Incoming};
    use hyper::{Request, Response};
    use hyper_util::rt::TokioIo;
    use tokio::net::TcpListener;
    use tokio::sync::mpsc;

    const WORDS: &[&str] = &["The", " Seine,", " the", " Loire", " and", " the", " Rhône."];

    pub async fn start() -> std::io::Result<String> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/api/v1", listener.local_addr()?);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let service = hyper::service::service_fn(|_req: Request<Incoming>| async move {
                    let (tx, rx) = mpsc::channel::<Result<Frame<Bytes>, Infallible>>(4);
                    tokio::spawn(async move {
                        let send = |s: String| tx.send(Ok(Frame::data(Bytes::from(s))));
                        let _ = send(": OPENROUTER PROCESSING\n\n".into()).await;
                        for (i, w) in WORDS.iter().enumerate() {
                            tokio::time::sleep(Duration::from_millis(120)).await;
                            let chunk = serde_json::json!({
                                "id": "gen-local", "object": "chat.completion.chunk", "created": 1_700_000_000,
                                "model": "openai/gpt-4o-mini",
                                "choices": [{"index": 0, "delta": {"role": "assistant", "content": w},
                                             "finish_reason": if i + 1 == WORDS.len() { Some("stop") } else { None }}]
                            });
                            let _ = send(format!("data: {chunk}\n\n")).await;
                        }
                        let usage = serde_json::json!({
                            "id": "gen-local", "object": "chat.completion.chunk", "created": 1_700_000_000,
                            "model": "openai/gpt-4o-mini", "choices": [],
                            "usage": {"prompt_tokens": 14, "completion_tokens": 9, "total_tokens": 23}
                        });
                        let _ = send(format!("data: {usage}\n\ndata: [DONE]\n\n")).await;
                    });
                    let body = StreamBody::new(tokio_stream(rx));
                    Response::builder().header("content-type", "text/event-stream").body(body)
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

    /// An `mpsc::Receiver` as a `Stream` (without pulling in tokio-stream).
    fn tokio_stream<T>(mut rx: mpsc::Receiver<T>) -> impl futures_core::Stream<Item = T> {
        struct S<F>(F);
        impl<T, F: FnMut(&mut std::task::Context<'_>) -> std::task::Poll<Option<T>> + Unpin> futures_core::Stream for S<F> {
            type Item = T;
            fn poll_next(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<T>> {
                (self.0)(cx)
            }
        }
        S(move |cx: &mut std::task::Context<'_>| rx.poll_recv(cx))
    }
}
