//! The agent layer (issue 12) against a scripted loopback server that plays multi-step
//! Responses streams and records every request body.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openrouter::agent::{
    call_model, stop, AgentError, AgentEvent, AgentHandle, AgentState, AgentStatus, PendingReason, StopReason, Tool,
};
use openrouter::models::ResponsesRequest;
use openrouter::{OpenRouterCore, RetryConfig};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

// ---------------------------------------------------------------------------------------------
// The scripted server: each request gets the next scripted Responses stream.
// ---------------------------------------------------------------------------------------------

/// One piece of a scripted answer.
#[derive(Clone)]
enum Part {
    /// Bytes written as they are.
    Data(String),
    /// Waits until the test notifies, then goes on.
    Gate(Arc<Notify>),
    /// Writes nothing more and waits for the client to close the connection (counted).
    Hang,
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<Vec<Part>>>,
    bodies: Mutex<Vec<String>>,
    closed_by_client: AtomicUsize,
}

struct Server {
    url: String,
    shared: Arc<Shared>,
}

impl Server {
    async fn start(script: Vec<Vec<Part>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api/v1", listener.local_addr().unwrap());
        let shared = Arc::new(Shared { script: Mutex::new(script.into()), ..Shared::default() });
        let state = shared.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, state.clone()));
            }
        });
        Server { url, shared }
    }

    fn core(&self) -> OpenRouterCore {
        OpenRouterCore::builder()
            .api_key("sk-or-test-agent")
            .base_url(&self.url)
            .retry(RetryConfig::none())
            .build()
            .unwrap()
    }

    /// The request bodies so far, parsed.
    fn requests(&self) -> Vec<Value> {
        self.shared.bodies.lock().unwrap().iter().map(|b| serde_json::from_str(b).unwrap()).collect()
    }

    fn raw_requests(&self) -> Vec<String> {
        self.shared.bodies.lock().unwrap().clone()
    }

    fn request_count(&self) -> usize {
        self.shared.bodies.lock().unwrap().len()
    }

    fn closed_by_client(&self) -> usize {
        self.shared.closed_by_client.load(Ordering::SeqCst)
    }
}

/// Reads one HTTP/1.1 request, records its body, answers with the next script entry and
/// closes the connection.
async fn serve(mut socket: TcpStream, shared: Arc<Shared>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).map(|v| v.trim().parse().unwrap()).unwrap_or(0);
    while buf.len() < head_end + length {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8(buf[head_end..head_end + length].to_vec()).unwrap();
    shared.bodies.lock().unwrap().push(body);
    let Some(parts) = shared.script.lock().unwrap().pop_front() else {
        let body = r#"{"error":{"code":500,"message":"the script is used up"}}"#;
        let reply = format!(
            "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = socket.write_all(reply.as_bytes()).await;
        return;
    };
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
    if socket.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    for part in parts {
        match part {
            Part::Data(data) => {
                if socket.write_all(data.as_bytes()).await.is_err() {
                    shared.closed_by_client.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                let _ = socket.flush().await;
            }
            Part::Gate(gate) => gate.notified().await,
            Part::Hang => {
                let mut sink = [0u8; 64];
                loop {
                    match socket.read(&mut sink).await {
                        Ok(0) | Err(_) => {
                            shared.closed_by_client.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                        Ok(_) => {}
                    }
                }
            }
        }
    }
    let _ = socket.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Responses streams, as OpenRouter sends them.
// ---------------------------------------------------------------------------------------------

fn event(value: Value) -> String {
    format!("event: {}\ndata: {value}\n\n", value["type"].as_str().unwrap())
}

fn response(id: &str, output: Vec<Value>, cost: f64) -> Value {
    json!({
        "id": id, "object": "response", "created_at": 1761800000, "model": "openai/gpt-4o-mini",
        "status": "completed", "output": output, "parallel_tool_calls": true, "tool_choice": "auto",
        "tools": [], "error": null, "incomplete_details": null,
        "usage": {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 40}, "output_tokens": 20,
                  "output_tokens_details": {"reasoning_tokens": 5}, "total_tokens": 120, "cost": cost}
    })
}

fn message(text: &str) -> Value {
    json!({"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
           "content": [{"type": "output_text", "text": text, "annotations": []}]})
}

fn function_call(call_id: &str, name: &str, arguments: &str) -> Value {
    json!({"type": "function_call", "id": format!("fc_{call_id}"), "call_id": call_id, "name": name,
           "arguments": arguments, "status": "completed"})
}

/// A whole stream: created, each item added / (deltas) / done, completed.
fn stream_of(id: &str, output: Vec<Value>, cost: f64) -> Vec<Part> {
    let mut parts = vec![Part::Data(event(json!({"type": "response.created", "sequence_number": 0,
        "response": {"id": id, "object": "response", "created_at": 1761800000, "model": "openai/gpt-4o-mini",
                     "status": "in_progress", "output": [], "parallel_tool_calls": true, "tool_choice": "auto",
                     "tools": []}})))];
    for (i, item) in output.iter().enumerate() {
        parts.push(Part::Data(event(json!({"type": "response.output_item.added", "sequence_number": 1,
                                           "output_index": i, "item": item}))));
        if item["type"] == "message" {
            let text = item["content"][0]["text"].as_str().unwrap();
            for word in text.split_inclusive(' ') {
                parts.push(Part::Data(event(json!({"type": "response.output_text.delta", "sequence_number": 2,
                    "item_id": item["id"], "output_index": i, "content_index": 0, "delta": word, "logprobs": []}))));
            }
        }
        if item["type"] == "function_call" {
            parts.push(Part::Data(event(json!({"type": "response.function_call_arguments.delta",
                "sequence_number": 3, "item_id": item["id"], "output_index": i, "delta": item["arguments"]}))));
        }
        parts.push(Part::Data(event(json!({"type": "response.output_item.done", "sequence_number": 4,
                                           "output_index": i, "item": item}))));
    }
    parts.push(Part::Data(event(json!({"type": "response.completed", "sequence_number": 9,
                                       "response": response(id, output, cost)}))));
    parts.push(Part::Data("data: [DONE]\n\n".into()));
    parts
}

fn text_turn(text: &str) -> Vec<Part> {
    stream_of("resp_text", vec![message(text)], 0.001)
}

fn calls_turn(calls: &[(&str, &str, &str)], cost: f64) -> Vec<Part> {
    stream_of("resp_calls", calls.iter().map(|(id, name, args)| function_call(id, name, args)).collect(), cost)
}

fn weather_schema() -> Value {
    json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
}

fn request() -> ResponsesRequest {
    ResponsesRequest::new().model("openai/gpt-4o-mini").input("What is the weather in Paris and Rome?")
}

/// The input items of a recorded request.
fn input(request: &Value) -> Vec<Value> {
    request["input"].as_array().cloned().unwrap_or_default()
}

/// The `function_call_output` items of a recorded request: (call_id, output).
fn outputs(request: &Value) -> Vec<(String, String)> {
    input(request)
        .iter()
        .filter(|i| i["type"] == "function_call_output")
        .map(|i| (i["call_id"].as_str().unwrap().to_owned(), i["output"].as_str().unwrap().to_owned()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The issue's scenarios.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn weather_tool_called_twice_in_parallel_then_final_answer() {
    let server = Server::start(vec![
        calls_turn(
            &[("call_paris", "get_weather", r#"{"city":"Paris"}"#), ("call_rome", "get_weather", r#"{"city":"Rome"}"#)],
            0.002,
        ),
        text_turn("Paris is 18 °C and Rome is 24 °C."),
    ])
    .await;
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (r, m) = (running.clone(), most.clone());
    let weather = Tool::function("get_weather", "The weather in a city", weather_schema(), move |args: Value| {
        let (running, most) = (r.clone(), m.clone());
        async move {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            // Paris answers last: the outputs must still go back in call order.
            let city = args["city"].as_str().unwrap_or_default().to_owned();
            tokio::time::sleep(Duration::from_millis(if city == "Paris" { 150 } else { 10 })).await;
            running.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, String>(json!({"city": city, "temperature_c": if city == "Paris" { 18 } else { 24 }}))
        }
    });
    let run = call_model(&server.core(), request()).tool(weather).send().await.unwrap();

    assert_eq!(run.text(), "Paris is 18 °C and Rome is 24 °C.");
    assert_eq!(most.load(Ordering::SeqCst), 2, "the two calls of one turn run at the same time");
    assert_eq!(*run.stop_reason(), StopReason::Completed);
    assert_eq!(run.steps().len(), 2);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["stream"], true);
    let tool = &requests[0]["tools"][0];
    assert_eq!((tool["type"].as_str(), tool["name"].as_str()), (Some("function"), Some("get_weather")));
    assert_eq!(tool["parameters"], weather_schema());
    assert_eq!(
        outputs(&requests[1]),
        vec![
            ("call_paris".to_owned(), r#"{"city":"Paris","temperature_c":18}"#.to_owned()),
            ("call_rome".to_owned(), r#"{"city":"Rome","temperature_c":24}"#.to_owned()),
        ]
    );
    // The second request carries the whole conversation: the question, both calls, both outputs.
    let kinds: Vec<String> = input(&requests[1]).iter().map(|i| i["type"].as_str().unwrap_or("?").to_owned()).collect();
    assert_eq!(kinds, ["message", "function_call", "function_call", "function_call_output", "function_call_output"]);
    // Usage and cost over both model calls.
    assert_eq!(run.usage().model_calls, 2);
    assert_eq!(run.usage().total_tokens, 240);
    assert_eq!(run.usage().cached_tokens, 80);
    assert!((run.cost() - 0.003).abs() < 1e-12, "cost {}", run.cost());
    assert_eq!(run.state().status(), AgentStatus::Complete);
}

#[tokio::test]
async fn a_handler_error_is_sent_back_and_the_model_recovers() {
    let server = Server::start(vec![
        calls_turn(&[("call_1", "get_weather", r#"{"city":"Atlantis"}"#)], 0.001),
        calls_turn(&[("call_2", "get_weather", r#"{"city":"Paris"}"#)], 0.001),
        text_turn("Atlantis is not a real city; Paris is 18 °C."),
    ])
    .await;
    let weather = Tool::function("get_weather", "", weather_schema(), |args: Value| async move {
        match args["city"].as_str() {
            Some("Paris") => Ok(json!("18 °C")),
            Some(other) => Err(format!("city not found: {other}")),
            None => Err("no city".to_owned()),
        }
    });
    let run = call_model(&server.core(), request()).tool(weather).send().await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        outputs(&requests[1]),
        vec![("call_1".to_owned(), r#"{"error":"city not found: Atlantis"}"#.to_owned())]
    );
    assert_eq!(outputs(&requests[2])[1], ("call_2".to_owned(), "18 °C".to_owned()));
    assert!(run.steps()[0].tool_results[0].is_error());
    assert_eq!(run.text(), "Atlantis is not a real city; Paris is 18 °C.");
    assert_eq!(*run.stop_reason(), StopReason::Completed);
}

#[tokio::test]
async fn a_manual_tool_stops_the_run_and_resuming_sends_the_programs_answer() {
    let server = Server::start(vec![
        calls_turn(&[("call_ask", "ask_user", r#"{"question":"Which colour?"}"#)], 0.001),
        text_turn("Blue it is."),
    ])
    .await;
    let ask = || Tool::manual("ask_user", "Ask the user a question", json!({"type": "object"}));
    let run = call_model(&server.core(), request()).tool(ask()).send().await.unwrap();
    assert_eq!(*run.stop_reason(), StopReason::AwaitingClientTools);
    assert_eq!(run.state().status(), AgentStatus::AwaitingClientTools);
    let pending = run.pending_tool_calls();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].call.call_id.as_str(), pending[0].reason), ("call_ask", PendingReason::AwaitingResult));
    assert_eq!(server.request_count(), 1, "nothing is sent with a call unanswered");

    let run = call_model(&server.core(), ResponsesRequest::new().model("openai/gpt-4o-mini"))
        .tool(ask())
        .resume(run.into_state())
        .tool_result("call_ask", "blue")
        .send()
        .await
        .unwrap();
    assert_eq!(run.text(), "Blue it is.");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(outputs(&requests[1]), vec![("call_ask".to_owned(), "blue".to_owned())]);
    assert_eq!(input(&requests[1])[0], input(&requests[0])[0], "the question is still first");
    assert_eq!(run.usage().model_calls, 2, "usage counts the model calls before the resume too");
}

#[tokio::test]
async fn an_approval_rejected_is_told_to_the_model_and_the_tool_never_runs() {
    let server = Server::start(vec![
        calls_turn(&[("call_rm", "delete_file", r#"{"path":"/etc/passwd"}"#)], 0.001),
        text_turn("I will not delete it."),
    ])
    .await;
    let ran = Arc::new(AtomicUsize::new(0));
    let tool = |ran: Arc<AtomicUsize>| {
        Tool::function("delete_file", "Deletes a file", json!({"type": "object"}), move |_args: Value| {
            let ran = ran.clone();
            async move {
                ran.fetch_add(1, Ordering::SeqCst);
                Ok::<_, String>(json!("deleted"))
            }
        })
        .require_approval(true)
    };
    let run = call_model(&server.core(), request()).tool(tool(ran.clone())).send().await.unwrap();
    assert_eq!(format!("{:?}", run.stop_reason()), "awaiting_approval");
    assert_eq!(run.pending_tool_calls()[0].reason, PendingReason::AwaitingApproval);
    assert_eq!(run.pending_tool_calls()[0].call.name, "delete_file");
    let json = serde_json::to_value(run.state()).unwrap();
    assert_eq!(json["status"], "awaiting_approval");

    let run = call_model(&server.core(), ResponsesRequest::new())
        .tool(tool(ran.clone()))
        .resume(run.into_state())
        .reject("call_rm", "system files are off limits")
        .send()
        .await
        .unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0, "a rejected call does not run");
    let sent = outputs(&server.requests()[1]);
    assert_eq!(sent[0].0, "call_rm");
    assert!(sent[0].1.contains("rejected") && sent[0].1.contains("system files are off limits"), "{}", sent[0].1);
    assert_eq!(run.text(), "I will not delete it.");
}

#[tokio::test]
async fn a_stop_on_cost_ends_with_one_answer_turn_with_tool_choice_none() {
    let call = |id| (id, "get_weather", r#"{"city":"Paris"}"#);
    let server = Server::start(vec![
        calls_turn(&[call("c1")], 0.02),
        calls_turn(&[call("c2")], 0.02),
        text_turn("It is 18 °C."),
        calls_turn(&[call("c4")], 0.02),
    ])
    .await;
    let weather = Tool::function("get_weather", "", weather_schema(), |_| async { Ok::<_, String>(json!("18 °C")) });
    let run = call_model(&server.core(), request()).tool(weather).stop_when(stop::max_cost(0.03)).send().await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "two tool turns, then the answer turn, and no more");
    assert_eq!(requests[2]["tool_choice"], "none");
    assert_eq!(requests[2]["tools"][0]["name"], "get_weather", "the tools stay for the prompt cache");
    assert!(requests[1].get("tool_choice").is_none());
    assert_eq!(run.text(), "It is 18 °C.");
    assert!(format!("{:?}", run.stop_reason()).contains("cost"), "{:?}", run.stop_reason());
    assert!(matches!(run.stop_reason(), StopReason::Cost { spent, .. } if (*spent - 0.04).abs() < 1e-12));
    assert!((run.cost() - 0.041).abs() < 1e-12, "{}", run.cost());
    assert!(run.steps()[2].final_answer_turn);
}

#[tokio::test]
async fn cancelling_mid_stream_closes_the_connection_and_sends_nothing_more() {
    let mut first = stream_of("resp_1", vec![message("Once upon a time")], 0.001);
    first.truncate(3); // created, item added, the first delta
    first.push(Part::Hang);
    let server = Server::start(vec![first, text_turn("never sent")]).await;
    let handle = AgentHandle::new();
    let mut stream = call_model(&server.core(), request()).cancel_handle(&handle).stream();
    let mut saw_text = false;
    let outcome = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.next_event().await {
                Some(Ok(AgentEvent::TextDelta(text))) => {
                    assert_eq!(text, "Once ");
                    saw_text = true;
                    handle.cancel();
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => break e,
                None => panic!("the stream ended without the cancellation error"),
            }
        }
    })
    .await
    .expect("cancelling ends the run at once");
    assert!(saw_text);
    assert!(outcome.is_cancelled(), "{outcome:?}");
    assert!(stream.next_event().await.is_none());
    wait_until(|| server.closed_by_client() == 1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.request_count(), 1, "no request after the cancellation");
    let state = handle.state().expect("the handle keeps the state");
    assert_eq!(state.status(), AgentStatus::Interrupted);
    assert_eq!(state.items().len(), 1, "the question, nothing half-received");
}

#[tokio::test]
async fn dropping_the_run_future_closes_the_connection() {
    let mut first = stream_of("resp_1", vec![message("Once upon a time")], 0.001);
    first.truncate(3);
    first.push(Part::Hang);
    let server = Server::start(vec![first]).await;
    let run = call_model(&server.core(), request()).send();
    assert!(tokio::time::timeout(Duration::from_millis(300), run).await.is_err(), "the server hangs");
    wait_until(|| server.closed_by_client() == 1).await;
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn a_state_serialised_read_back_and_resumed_continues_the_same_conversation() {
    let server =
        Server::start(vec![calls_turn(&[("call_ask", "ask_user", "{}")], 0.001), text_turn("Thanks, Ada.")]).await;
    let ask = || Tool::manual("ask_user", "Ask the user their name", json!({"type": "object"}));
    let run = call_model(&server.core(), request()).tool(ask()).send().await.unwrap();
    let stored = run.state().to_json();
    let json: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["status"], "awaiting_client_tools");

    let state = AgentState::from_json(&stored).unwrap();
    assert_eq!(&state, run.state());
    let run = call_model(&server.core(), ResponsesRequest::new().model("openai/gpt-4o-mini"))
        .tool(ask())
        .resume(state)
        .tool_result("call_ask", json!({"name": "Ada"}))
        .send()
        .await
        .unwrap();
    assert_eq!(run.text(), "Thanks, Ada.");
    let requests = server.requests();
    let resumed = input(&requests[1]);
    assert_eq!(resumed[0], input(&requests[0])[0]);
    assert_eq!(resumed[1], function_call("call_ask", "ask_user", "{}"), "the model's call, as it sent it");
    assert_eq!(
        resumed[2],
        json!({"type": "function_call_output", "call_id": "call_ask", "output": r#"{"name":"Ada"}"#})
    );
    assert_eq!(resumed.len(), 3);
}

#[tokio::test]
async fn reasoning_items_and_details_go_back_byte_for_byte() {
    let encrypted = "gAAAAABo+x/9Zq==\\u00e9-ünïcödé_0123456789";
    let reasoning = json!({
        "type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Think about Paris."}],
        "encrypted_content": encrypted, "format": "anthropic-claude-v1", "signature": "sig/+=abc",
        "reasoning_details": [{"type": "reasoning.encrypted", "data": "ZW5jcnlwdGVk", "id": "rd_1",
                               "format": "anthropic-claude-v1", "index": 0}]
    });
    let call = function_call("call_1", "get_weather", r#"{"city":"Paris"}"#);
    let server =
        Server::start(vec![stream_of("resp_1", vec![reasoning.clone(), call.clone()], 0.001), text_turn("18 °C.")])
            .await;
    let weather = Tool::function("get_weather", "", weather_schema(), |_| async { Ok::<_, String>(json!("18 °C")) });
    call_model(&server.core(), request()).tool(weather).send().await.unwrap();
    let requests = server.requests();
    let sent = input(&requests[1]);
    assert_eq!(sent[1], reasoning, "the reasoning item goes back unchanged, unknown fields included");
    assert_eq!(sent[2], call);
    let raw = &server.raw_requests()[1];
    let encoded = serde_json::to_string(&json!(encrypted)).unwrap();
    assert!(raw.contains(&format!("\"encrypted_content\":{encoded}")), "{raw}");
    let details = serde_json::to_string(&reasoning["reasoning_details"]).unwrap();
    assert!(raw.contains(&details), "{raw}");
}

#[tokio::test]
async fn a_tool_name_the_model_invents_is_an_error_output_naming_it() {
    let server = Server::start(vec![
        calls_turn(&[("call_1", "get_wether", r#"{"city":"Paris"}"#)], 0.001),
        text_turn("Sorry, 18 °C."),
    ])
    .await;
    let weather = Tool::function("get_weather", "", weather_schema(), |_| async { Ok::<_, String>(json!("18 °C")) });
    let run = call_model(&server.core(), request()).tool(weather).send().await.unwrap();
    let result = &run.steps()[0].tool_results[0];
    assert!(result.is_error());
    let error = result.error.as_deref().unwrap();
    assert!(error.contains("`get_wether`") && error.contains("get_weather"), "{error}");
    let sent = outputs(&server.requests()[1]);
    assert!(sent[0].1.contains("get_wether"), "{}", sent[0].1);
    assert_eq!(run.text(), "Sorry, 18 °C.");
}

// ---------------------------------------------------------------------------------------------
// The other behaviours.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn max_steps_is_the_reason_when_it_ends_a_run() {
    let call = |id| (id, "get_weather", r#"{"city":"Paris"}"#);
    let server =
        Server::start(vec![calls_turn(&[call("c1")], 0.001), calls_turn(&[call("c2")], 0.001), text_turn("Done.")])
            .await;
    let weather = Tool::function("get_weather", "", weather_schema(), |_| async { Ok::<_, String>(json!("18 °C")) });
    let run = call_model(&server.core(), request()).tool(weather).max_steps(2).send().await.unwrap();
    assert_eq!(*run.stop_reason(), StopReason::MaxSteps(2));
    assert_eq!(format!("{:?}", run.stop_reason()), "max_steps(2)");
    assert_eq!(server.request_count(), 3);
    assert_eq!(server.requests()[2]["tool_choice"], "none");
    assert_eq!(run.text(), "Done.");
}

#[tokio::test]
async fn without_the_final_answer_turn_a_stop_ends_the_run_at_once() {
    let server = Server::start(vec![calls_turn(&[("c1", "get_weather", "{}")], 0.001), text_turn("unused")]).await;
    let weather = Tool::function("get_weather", "", weather_schema(), |_| async { Ok::<_, String>(json!("18 °C")) });
    let run = call_model(&server.core(), request())
        .tool(weather)
        .stop_when(stop::step_count_is(1))
        .final_answer_turn(false)
        .send()
        .await
        .unwrap();
    assert_eq!(*run.stop_reason(), StopReason::StepCount(1));
    assert_eq!(server.request_count(), 1);
    // The outputs are in the state, so a resume sends them.
    let last = run.state().items().last().map(|i| serde_json::to_value(i).unwrap()).unwrap();
    assert_eq!(last["type"], "function_call_output");
}

#[tokio::test]
async fn a_closure_condition_and_or_stop_the_run() {
    let call = |id| (id, "get_weather", "{}");
    let server =
        Server::start(vec![calls_turn(&[call("c1")], 0.0), calls_turn(&[call("c2")], 0.0), text_turn("ok")]).await;
    let weather = Tool::function("get_weather", "", weather_schema(), |_| async { Ok::<_, String>(json!("18 °C")) });
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    let run = call_model(&server.core(), request())
        .tool(weather)
        .stop_when(stop::max_tokens_used(1_000_000).or(|run: &openrouter::agent::AgentRun| run.steps().len() == 2))
        .on_step(move |_| {
            s.fetch_add(1, Ordering::SeqCst);
        })
        .send()
        .await
        .unwrap();
    assert_eq!(*run.stop_reason(), StopReason::Custom);
    assert_eq!(seen.load(Ordering::SeqCst), 3, "on_step sees each step, the answer turn included");
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn a_stream_that_ends_without_response_completed_is_an_error() {
    let mut cut = text_turn("Half an answer");
    cut.truncate(4);
    let server = Server::start(vec![cut]).await;
    let error = call_model(&server.core(), request()).send().await.unwrap_err();
    assert!(error.is_agent(), "{error:?}");
    assert_eq!(error.agent_error(), Some(&AgentError::StreamEndedEarly));
    assert!(error.to_string().contains("response.completed"), "{error}");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn an_empty_final_turn_is_an_error_not_an_empty_answer() {
    let reasoning = json!({"type": "reasoning", "id": "rs_1", "summary": []});
    let server = Server::start(vec![stream_of("resp_1", vec![reasoning, message("  ")], 0.001)]).await;
    let error = call_model(&server.core(), request()).send().await.unwrap_err();
    assert!(matches!(error.agent_error(), Some(AgentError::EmptyFinalTurn { .. })), "{error:?}");
    assert!(error.to_string().contains("empty"), "{error}");
}

#[tokio::test]
async fn a_final_turn_that_asks_only_for_tools_is_an_error() {
    let call = ("c1", "get_weather", "{}");
    let server = Server::start(vec![calls_turn(&[call], 0.0), calls_turn(&[("c2", "get_weather", "{}")], 0.0)]).await;
    let weather = Tool::function("get_weather", "", weather_schema(), |_| async { Ok::<_, String>(json!("18 °C")) });
    let error = call_model(&server.core(), request()).tool(weather).max_steps(1).send().await.unwrap_err();
    assert_eq!(error.agent_error(), Some(&AgentError::ToolOnlyFinalTurn { tools: vec!["get_weather".into()] }));
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn a_state_of_an_unknown_version_is_a_clear_error() {
    let json = r#"{"version": 99, "status": "complete", "items": []}"#;
    let error = AgentState::from_json(json).unwrap_err();
    assert_eq!(error.agent_error(), Some(&AgentError::UnsupportedStateVersion { found: Some(99) }));
    assert!(error.to_string().contains("version 99"), "{error}");
    let serde_error = serde_json::from_str::<AgentState>(json).unwrap_err();
    assert!(serde_error.to_string().contains("version 99 is not supported"), "{serde_error}");
    assert!(AgentState::from_json(r#"{"status": "complete"}"#).unwrap_err().is_agent());
}

#[tokio::test]
async fn text_deltas_arrive_as_the_model_writes_them_and_the_run_comes_last() {
    let gate = Arc::new(Notify::new());
    let parts = calls_turn(&[("c1", "get_weather", r#"{"city":"Paris"}"#)], 0.001);
    let mut answer = text_turn("It is sunny");
    // Hold the answer after its first word until the test has seen that word.
    answer.insert(3, Part::Gate(gate.clone()));
    let server = Server::start(vec![parts, answer]).await;
    let weather = Tool::function("get_weather", "", weather_schema(), |_| async { Ok::<_, String>(json!("sunny")) });
    let mut stream = call_model(&server.core(), request()).tool(weather).stream();
    let mut seen = Vec::new();
    let run = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(event) = stream.next_event().await {
            let event = event.unwrap();
            match &event {
                AgentEvent::TextDelta(text) if text == "It " => {
                    gate.notify_one();
                    seen.push("text".to_owned());
                }
                AgentEvent::TextDelta(_) => seen.push("text".to_owned()),
                AgentEvent::ToolCallStarted { call_id, name } => seen.push(format!("start {call_id} {name}")),
                AgentEvent::ToolCallArgumentsDelta { call_id, delta } => seen.push(format!("args {call_id} {delta}")),
                AgentEvent::ToolResult(r) => seen.push(format!("result {} {}", r.call_id, r.output)),
                AgentEvent::StepFinished(step) => seen.push(format!("step {}", step.tool_calls.len())),
                AgentEvent::Finished(run) => return run.clone(),
                _ => {}
            }
        }
        panic!("no Finished event");
    })
    .await
    .expect("the first word arrives before the rest is sent");
    assert!(stream.next_event().await.is_none());
    assert_eq!(
        seen,
        [
            "start c1 get_weather",
            r#"args c1 {"city":"Paris"}"#,
            "result c1 sunny",
            "step 1",
            "text",
            "text",
            "text",
            "step 0"
        ]
    );
    assert_eq!(run.text(), "It is sunny");
}

#[tokio::test]
async fn bad_tools_are_refused_before_anything_is_sent() {
    let server = Server::start(vec![text_turn("unused")]).await;
    let bad = Tool::manual("broken", "", json!(["not", "a", "schema"]));
    let error = call_model(&server.core(), request()).tool(bad).send().await.unwrap_err();
    assert!(error.is_invalid_request() && error.to_string().contains("broken"), "{error}");
    let twice = || Tool::manual("same", "", json!({"type": "object"}));
    let error = call_model(&server.core(), request()).tool(twice()).tool(twice()).send().await.unwrap_err();
    assert!(error.to_string().contains("two tools are named `same`"), "{error}");
    let error = call_model(&server.core(), request()).approve("call_x").send().await.unwrap_err();
    assert_eq!(error.agent_error(), Some(&AgentError::NothingToResume));
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn a_decision_for_a_call_that_is_not_pending_is_an_error() {
    let server = Server::start(vec![calls_turn(&[("call_ask", "ask_user", "{}")], 0.0)]).await;
    let ask = || Tool::manual("ask_user", "", json!({"type": "object"}));
    let run = call_model(&server.core(), request()).tool(ask()).send().await.unwrap();
    let error = call_model(&server.core(), ResponsesRequest::new())
        .tool(ask())
        .resume(run.into_state())
        .tool_result("call_other", "x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.agent_error(), Some(&AgentError::NotPending { call_id: "call_other".into() }));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn a_slow_tool_times_out_into_an_error_output() {
    let server = Server::start(vec![calls_turn(&[("c1", "slow", "{}")], 0.0), text_turn("It took too long.")]).await;
    let slow = Tool::function("slow", "", json!({"type": "object"}), |_| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok::<_, String>(json!("late"))
    })
    .timeout(Duration::from_millis(50));
    let run = tokio::time::timeout(Duration::from_secs(5), call_model(&server.core(), request()).tool(slow).send())
        .await
        .expect("the timeout ends the call")
        .unwrap();
    let sent = outputs(&server.requests()[1]);
    assert!(sent[0].1.contains("did not answer within 50 ms"), "{}", sent[0].1);
    assert_eq!(run.text(), "It took too long.");
}

#[cfg(feature = "chat")]
#[tokio::test]
async fn a_chat_history_with_tool_calls_goes_on_as_an_agent_run() {
    use openrouter::agent::convert::{chat_to_input, input_to_chat};
    use openrouter::models::{ChatMessages, ChatToolMessage};

    let assistant: ChatMessages = serde_json::from_value(json!({"role": "assistant", "content": null,
        "tool_calls": [{"id": "call_0", "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}]}))
    .unwrap();
    let history = vec![
        ChatMessages::system("Be brief."),
        ChatMessages::user("Weather in Oslo?"),
        assistant,
        ChatToolMessage::new("-3 °C", "call_0").into(),
    ];
    let items = chat_to_input(&history);
    assert_eq!(input_to_chat(&items), history, "the round trip keeps the tool call and its result");

    let server = Server::start(vec![text_turn("It is -3 °C in Oslo.")]).await;
    let request = ResponsesRequest::new().model("openai/gpt-4o-mini").input(items);
    let run = call_model(&server.core(), request).send().await.unwrap();
    assert_eq!(run.text(), "It is -3 °C in Oslo.");
    let sent = input(&server.requests()[0]);
    assert_eq!(
        sent[2],
        json!({"type": "function_call", "call_id": "call_0", "name": "get_weather",
                                "arguments": "{\"city\":\"Oslo\"}"})
    );
    assert_eq!(sent[3], json!({"type": "function_call_output", "call_id": "call_0", "output": "-3 °C"}));
    let back = input_to_chat(run.state().items());
    assert_eq!(back.len(), 5);
    assert_eq!(serde_json::to_value(&back[4]).unwrap()["content"], "It is -3 °C in Oslo.");
}

#[cfg(feature = "schemars")]
#[tokio::test]
async fn a_typed_tool_derives_its_schema_and_decodes_its_arguments() {
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    struct Weather {
        /// The city, in English.
        city: String,
    }
    let server = Server::start(vec![
        calls_turn(&[("c1", "get_weather", r#"{"city":"Paris"}"#), ("c2", "get_weather", r#"{"town":"Rome"}"#)], 0.0),
        text_turn("ok"),
    ])
    .await;
    let tool = Tool::typed::<Weather, _>("get_weather", "The weather", |args: Weather| async move {
        Ok::<_, String>(format!("18 °C in {}", args.city))
    });
    call_model(&server.core(), request()).tool(tool).send().await.unwrap();
    let requests = server.requests();
    let schema = &requests[0]["tools"][0]["parameters"];
    assert_eq!(schema["properties"]["city"]["type"], "string");
    assert_eq!(schema["required"], json!(["city"]));
    let sent = outputs(&requests[1]);
    assert_eq!(sent[0].1, "18 °C in Paris");
    assert!(sent[1].1.contains("error") && sent[1].1.contains("city"), "{}", sent[1].1);
}

async fn wait_until(condition: impl Fn() -> bool) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the condition did not hold within 2 s");
}

#[tokio::test]
async fn approval_can_depend_on_the_arguments() {
    let server = Server::start(vec![
        calls_turn(
            &[("c_tmp", "delete_file", r#"{"path":"/tmp/x"}"#), ("c_etc", "delete_file", r#"{"path":"/etc/x"}"#)],
            0.0,
        ),
        text_turn("Deleted /tmp/x."),
    ])
    .await;
    let deleted = Arc::new(Mutex::new(Vec::new()));
    let tool = |deleted: Arc<Mutex<Vec<String>>>| {
        Tool::function("delete_file", "", json!({"type": "object"}), move |args: Value| {
            let deleted = deleted.clone();
            async move {
                deleted.lock().unwrap().push(args["path"].as_str().unwrap_or_default().to_owned());
                Ok::<_, String>(json!("deleted"))
            }
        })
        .require_approval_when(|args| !args["path"].as_str().unwrap_or_default().starts_with("/tmp/"))
    };
    let run = call_model(&server.core(), request()).tool(tool(deleted.clone())).send().await.unwrap();
    assert_eq!(*deleted.lock().unwrap(), ["/tmp/x"], "the call that needs no approval ran at once");
    let pending: Vec<&str> = run.pending_tool_calls().iter().map(|p| p.call.call_id.as_str()).collect();
    assert_eq!(pending, ["c_etc"]);
    assert_eq!(run.state().status(), AgentStatus::AwaitingApproval);

    call_model(&server.core(), ResponsesRequest::new())
        .tool(tool(deleted.clone()))
        .resume(run.into_state())
        .approve("c_etc")
        .send()
        .await
        .unwrap();
    assert_eq!(*deleted.lock().unwrap(), ["/tmp/x", "/etc/x"]);
    // Both outputs go back together, in call order.
    let sent: Vec<String> = outputs(&server.requests()[1]).into_iter().map(|(id, _)| id).collect();
    assert_eq!(sent, ["c_tmp", "c_etc"]);
}

#[tokio::test]
async fn on_turn_start_changes_the_next_request() {
    let server = Server::start(vec![calls_turn(&[("c1", "get_weather", "{}")], 0.0), text_turn("ok")]).await;
    let weather = Tool::function("get_weather", "", weather_schema(), |_| async { Ok::<_, String>(json!("18 °C")) });
    call_model(&server.core(), request())
        .tool(weather)
        .on_turn_start(|run, request| {
            if !run.steps().is_empty() {
                *request = request.clone().model("openai/gpt-4o").temperature(0.0);
            }
        })
        .send()
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests[0]["model"], "openai/gpt-4o-mini");
    assert_eq!(
        (requests[1]["model"].as_str(), requests[1]["temperature"].as_f64()),
        (Some("openai/gpt-4o"), Some(0.0))
    );
    assert_eq!(outputs(&requests[1]).len(), 1, "the run still sets the conversation");
}

#[tokio::test]
async fn raw_events_pass_the_responses_stream_through() {
    let server = Server::start(vec![text_turn("Hello there")]).await;
    let mut stream = call_model(&server.core(), request()).raw_events(true).stream();
    let (mut completed, mut deltas) = (0, 0);
    while let Some(event) = stream.next_event().await {
        match event.unwrap() {
            AgentEvent::Response(event) => {
                completed += matches!(*event, openrouter::models::StreamEvents::ResponseCompleted(_)) as usize
            }
            AgentEvent::TextDelta(_) => deltas += 1,
            _ => {}
        }
    }
    assert_eq!((completed, deltas), (1, 2));
}

#[tokio::test]
async fn arguments_that_are_not_json_go_back_as_an_error_output() {
    let server =
        Server::start(vec![calls_turn(&[("c1", "get_weather", r#"{"city": "Par"#)], 0.0), text_turn("ok")]).await;
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let weather = Tool::function("get_weather", "", weather_schema(), move |_| {
        r.fetch_add(1, Ordering::SeqCst);
        async { Ok::<_, String>(json!("18 °C")) }
    });
    let run = call_model(&server.core(), request()).tool(weather).send().await.unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0, "the handler does not see arguments that do not parse");
    let sent = outputs(&server.requests()[1]);
    assert!(sent[0].1.contains("not valid JSON") && sent[0].1.contains("get_weather"), "{}", sent[0].1);
    assert!(run.steps()[0].tool_results[0].is_error());
}

#[tokio::test]
async fn cancelling_while_a_tool_runs_drops_it_and_resuming_runs_it_again() {
    let server = Server::start(vec![calls_turn(&[("c1", "slow", "{}")], 0.001), text_turn("Done at last.")]).await;
    let started = Arc::new(Notify::new());
    let finished = Arc::new(AtomicUsize::new(0));
    let slow = |started: Arc<Notify>, finished: Arc<AtomicUsize>, pause: u64| {
        Tool::function("slow", "", json!({"type": "object"}), move |_| {
            let (started, finished) = (started.clone(), finished.clone());
            async move {
                started.notify_one();
                tokio::time::sleep(Duration::from_millis(pause)).await;
                finished.fetch_add(1, Ordering::SeqCst);
                Ok::<_, String>(json!("slow answer"))
            }
        })
    };
    let handle = AgentHandle::new();
    let run = tokio::spawn(
        call_model(&server.core(), request())
            .tool(slow(started.clone(), finished.clone(), 30_000))
            .cancel_handle(&handle)
            .send(),
    );
    started.notified().await;
    handle.cancel();
    let error = tokio::time::timeout(Duration::from_secs(2), run).await.expect("at once").unwrap().unwrap_err();
    assert!(error.is_cancelled(), "{error:?}");
    assert_eq!(finished.load(Ordering::SeqCst), 0);
    let state = handle.state().unwrap();
    assert_eq!(state.status(), AgentStatus::Interrupted);
    assert_eq!(state.pending_tool_calls()[0].reason, PendingReason::Interrupted);
    assert_eq!(server.request_count(), 1);

    let run = call_model(&server.core(), ResponsesRequest::new())
        .tool(slow(started, finished.clone(), 1))
        .resume(state)
        .send()
        .await
        .unwrap();
    assert_eq!(finished.load(Ordering::SeqCst), 1, "the interrupted call ran again");
    assert_eq!(outputs(&server.requests()[1]), vec![("c1".to_owned(), "slow answer".to_owned())]);
    assert_eq!(run.text(), "Done at last.");
}

#[tokio::test]
async fn a_final_turn_with_text_and_a_call_answers_and_keeps_the_call_pending() {
    let final_turn =
        stream_of("resp_2", vec![message("Here is what I found."), function_call("c2", "get_weather", "{}")], 0.0);
    let server = Server::start(vec![calls_turn(&[("c1", "get_weather", "{}")], 0.0), final_turn]).await;
    let weather = Tool::function("get_weather", "", weather_schema(), |_| async { Ok::<_, String>(json!("18 °C")) });
    let run = call_model(&server.core(), request()).tool(weather).max_steps(1).send().await.unwrap();
    assert_eq!(run.text(), "Here is what I found.");
    assert_eq!(*run.stop_reason(), StopReason::MaxSteps(1));
    assert_eq!(run.pending_tool_calls()[0].call.call_id, "c2", "the unanswered call is not lost");
    assert_eq!(server.request_count(), 2);
}

#[cfg(feature = "messages")]
#[tokio::test]
async fn a_claude_history_with_tool_use_goes_on_as_an_agent_run() {
    use openrouter::agent::convert::{claude_to_input, input_to_claude};
    use openrouter::models::MessagesMessageParam;

    let history: Vec<MessagesMessageParam> = serde_json::from_value(json!([
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "-3 °C"}]}
    ]))
    .unwrap();
    let items = claude_to_input(&history);
    let sent: Vec<Value> = items.iter().map(|i| serde_json::to_value(i).unwrap()).collect();
    assert_eq!(
        sent[2],
        json!({"type": "function_call", "call_id": "toolu_1", "name": "get_weather",
                                "arguments": "{\"city\":\"Oslo\"}"})
    );
    assert_eq!(sent[3], json!({"type": "function_call_output", "call_id": "toolu_1", "output": "-3 °C"}));
    let back: Vec<Value> = input_to_claude(&items).iter().map(|m| serde_json::to_value(m).unwrap()).collect();
    assert_eq!(
        back[1]["content"][1],
        json!({"type": "tool_use", "id": "toolu_1", "name": "get_weather",
                                             "input": {"city": "Oslo"}})
    );
    assert_eq!(
        back[2],
        json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1",
                                                            "content": "-3 °C"}]})
    );

    let server = Server::start(vec![text_turn("It is -3 °C in Oslo.")]).await;
    let run = call_model(&server.core(), ResponsesRequest::new().model("anthropic/claude-sonnet-4").input(items))
        .send()
        .await
        .unwrap();
    assert_eq!(input(&server.requests()[0]).len(), 4);
    let claude = input_to_claude(run.state().items());
    assert_eq!(serde_json::to_value(claude.last().unwrap()).unwrap()["content"][0]["text"], "It is -3 °C in Oslo.");
}
