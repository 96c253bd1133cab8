//! A tool-calling round trip: the model asks for `get_weather`, we run it and send the answer
//! back, the model puts it in words.
//!
//! With `OPENROUTER_API_KEY` set it asks the real API; without it, a mock server answers
//! (`openrouter::mock::MockServer`, see `examples/common/mod.rs`).

use openrouter::models::{ChatFunctionTool, ChatMessages, ChatRequest};
use openrouter::OpenRouter;
use serde_json::json;

mod common;

#[derive(serde::Deserialize)]
struct WeatherArgs {
    city: String,
}

fn get_weather(city: &str) -> String {
    json!({"city": city, "temperature_c": 18, "sky": "sunny"}).to_string()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OpenRouter::from(common::core().await?); // with a key: OpenRouter::from_env()?
    let tools = vec![ChatFunctionTool::function(
        "get_weather",
        "The current weather in a city",
        json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
    )];
    let mut messages = vec![ChatMessages::user("What is the weather in Paris?")];
    let request = ChatRequest::new(messages.clone()).model("openai/gpt-4o-mini").tools(tools.clone());
    let result = client.chat().send(request).await?;
    if let Some(reply) = result.message() {
        messages.push(reply.into()); // the reply goes back into the history, tool calls included
    }
    for call in result.tool_calls() {
        let args: WeatherArgs = call.parse_arguments()?;
        messages.push(ChatMessages::tool(&call.id, get_weather(&args.city)));
    }
    let request = ChatRequest::new(messages).model("openai/gpt-4o-mini").tools(tools);
    println!("{}", client.chat().send(request).await?.text());
    Ok(())
}
