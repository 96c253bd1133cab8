//! The agent layer (feature `agent`): a tool the run calls by itself, the answer streamed as
//! the model writes it, then the same tool behind an approval that the program gives.
//!
//! `cargo run --example agent --features agent`. With `OPENROUTER_API_KEY` set it asks the real
//! API; without it, the mock server answers (`examples/common/mod.rs`).

use std::io::Write;

use openrouter::agent::{stop, AgentEvent, Tool};
use openrouter::models::ResponsesRequest;
use openrouter::OpenRouter;
use serde_json::{json, Value};

mod common;

fn weather() -> Tool {
    let schema = json!({
        "type": "object",
        "properties": {"city": {"type": "string", "description": "The city, in English"}},
        "required": ["city"],
        "additionalProperties": false
    });
    Tool::function("get_weather", "The current weather in a city", schema, |args: Value| async move {
        let city = args["city"].as_str().ok_or("`city` is missing")?;
        Ok::<_, &str>(json!({"city": city, "temperature_c": 18, "sky": "sunny"}))
    })
    .strict(true)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OpenRouter::from(common::core().await?); // with a key: OpenRouter::from_env()?
    let request = || ResponsesRequest::new().model(common::model()).input("What is the weather in Paris?");

    // 1. The run calls the tool itself and streams the answer.
    let mut events = client.call_model(request()).tool(weather()).stop_when(stop::max_cost(0.05)).stream();
    while let Some(event) = events.next_event().await {
        match event? {
            AgentEvent::ToolCallStarted { name, .. } => println!("[calling {name}]"),
            AgentEvent::ToolResult(result) => println!("[{} -> {}]", result.name, result.output),
            AgentEvent::TextDelta(text) => {
                print!("{text}");
                std::io::stdout().flush()?;
            }
            AgentEvent::Finished(run) => {
                let usage = run.usage();
                println!(
                    "\n({} steps, {} tokens, ${:.6}, stopped: {:?})\n",
                    run.steps().len(),
                    usage.total_tokens,
                    run.cost(),
                    run.stop_reason()
                );
            }
            _ => {}
        }
    }

    // 2. The same tool behind an approval: the run stops with the call pending; the state can
    //    be stored (it is JSON), read back and resumed once the program has decided.
    let run = client.call_model(request()).tool(weather().require_approval(true)).send().await?;
    let stored = run.state().to_json();
    for pending in run.pending_tool_calls() {
        println!("approve {}({})? yes", pending.call.name, pending.call.arguments);
    }
    let state = openrouter::agent::AgentState::from_json(&stored)?;
    let Some(call_id) = state.pending_tool_calls().first().map(|p| p.call.call_id.clone()) else {
        println!("{}", run.text()); // the model answered without the tool
        return Ok(());
    };
    let run = client
        .call_model(ResponsesRequest::new().model(common::model()))
        .tool(weather().require_approval(true))
        .resume(state)
        .approve(call_id)
        .send()
        .await?;
    println!("{}", run.text());
    Ok(())
}
