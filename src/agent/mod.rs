//! The agent layer (feature `agent`): a streamed Responses API call that runs the model's tool
//! calls itself, in a loop, until the model answers or a stop condition holds.
//!
//! [`call_model`] (or [`OpenRouter::call_model`]) takes a [`ResponsesRequest`] and returns a
//! [`CallModel`] builder: add [`Tool`]s, [`stop`] conditions, then `.send().await` for the
//! whole [`AgentRun`] or `.stream()` for [`AgentEvent`]s as the model writes.
//!
//! ```no_run
//! use openrouter::agent::{stop, Tool};
//! use openrouter::models::ResponsesRequest;
//! use serde_json::json;
//!
//! # async fn run() -> Result<(), openrouter::Error> {
//! let client = openrouter::OpenRouter::from_env()?;
//! let weather = Tool::function(
//!     "get_weather",
//!     "The current weather in a city",
//!     json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
//!     |args| async move { Ok::<_, String>(json!({"city": args["city"], "temperature_c": 18})) },
//! );
//! let request = ResponsesRequest::new().model("openai/gpt-4o-mini").input("Weather in Paris and Rome?");
//! let run = client.call_model(request).tool(weather).stop_when(stop::max_cost(0.10)).send().await?;
//! println!("{} (${:.4}, {} steps, {:?})", run.text(), run.cost(), run.steps().len(), run.stop_reason());
//! # Ok(()) }
//! ```
//!
//! How a run goes:
//!
//! - Each turn streams one `POST /responses` with the conversation so far (the input, every
//!   item the model produced, unchanged, and the tool outputs) and the tools. A request is
//!   never sent twice: the transport does not retry a POST the server may have acted on, and
//!   the loop does not repeat a turn.
//! - The function calls of a turn run concurrently; their outputs go back in call order. A
//!   handler's error, arguments that are not JSON, a call past the tool's timeout and a tool
//!   name the model invented are sent back as that call's error output (`{"error": "…"}`, the
//!   invented name in it), and the model goes on.
//! - A turn without function calls ends the run ([`StopReason::Completed`]). There is no
//!   hidden cap besides [`CallModel::max_steps`] (default [`DEFAULT_MAX_STEPS`]), which is
//!   reported as [`StopReason::MaxSteps`] when it ends a run. When a stop condition (or
//!   `max_steps`) holds after tool calls were answered, one final turn asks for an answer
//!   with tool choice `none` (the tools stay, so the prompt cache holds); turn it off with
//!   `.final_answer_turn(false)`.
//! - A call of a [`Tool::manual`] tool, or of a tool that
//!   [requires approval](Tool::require_approval), stops the run with the call pending
//!   ([`AgentRun::pending_tool_calls`]) rather than send a history with a call unanswered; the
//!   program continues with `.resume(state)` and `.tool_result(..)`, `.approve(..)` or
//!   `.reject(..)`.
//! - Errors of the run itself are [`AgentError`]s inside [`Error`] ([`Error::agent_error`]):
//!   an empty final turn, a final turn that asked only for tools, a stream that ended without
//!   `response.completed`, a state of an unknown version. Cancelling
//!   ([`AgentHandle::cancel`], or dropping the future or stream) drops the in-flight request
//!   and the running tools; the error [`is_cancelled`](Error::is_cancelled) and the handle
//!   keeps the state.

mod error;
mod run;
mod state;
pub mod stop;
mod tool;

#[cfg(any(feature = "chat", feature = "messages"))]
pub mod convert;

use std::future::Future;

use serde_json::Value;

pub use self::error::AgentError;
pub use self::run::{AgentEvent, AgentHandle, AgentRun, AgentStream, RunUsage, Step};
pub use self::state::{AgentState, AgentStatus, PendingReason, PendingToolCall, STATE_VERSION};
pub use self::stop::{StopCondition, StopReason};
#[cfg(feature = "schemars")]
pub use self::tool::TypedHandler;
pub use self::tool::{Tool, ToolCall, ToolResult};

use self::run::{Decision, Emitter, OnStep, OnTurnStart, Runner};
use crate::models::ResponsesRequest;
use crate::{Error, OpenRouter, OpenRouterCore};

/// The step limit of a run that sets none: a loop that keeps calling tools ends after this many
/// model calls (plus the final answer turn) with [`StopReason::MaxSteps`].
pub const DEFAULT_MAX_STEPS: usize = 20;

/// Starts an agent run over `request` (model, instructions, input, settings; its `input` is
/// the first turn, or follows the resumed conversation). See the [module docs](self).
pub fn call_model(core: &OpenRouterCore, request: impl Into<ResponsesRequest>) -> CallModel {
    CallModel {
        core: core.clone(),
        request: request.into(),
        tools: Vec::new(),
        stop: None,
        max_steps: DEFAULT_MAX_STEPS,
        final_answer_turn: true,
        on_step: None,
        on_turn_start: None,
        raw_events: false,
        handle: None,
        resume: None,
        decisions: Vec::new(),
    }
}

impl OpenRouter {
    /// Starts an agent run over `request`: [`agent::call_model`](call_model) on this client's
    /// core.
    pub fn call_model(&self, request: impl Into<ResponsesRequest>) -> CallModel {
        call_model(self.core(), request)
    }
}

/// An agent run to start: add tools and conditions, then [`send`](Self::send) or
/// [`stream`](Self::stream).
#[must_use = "a run does nothing until `.send()` or `.stream()`"]
pub struct CallModel {
    core: OpenRouterCore,
    request: ResponsesRequest,
    tools: Vec<Tool>,
    stop: Option<StopCondition>,
    max_steps: usize,
    final_answer_turn: bool,
    on_step: Option<OnStep>,
    on_turn_start: Option<OnTurnStart>,
    raw_events: bool,
    handle: Option<AgentHandle>,
    resume: Option<AgentState>,
    decisions: Vec<(String, Decision)>,
}

impl CallModel {
    /// Adds a tool.
    pub fn tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }

    /// Adds tools.
    pub fn tools(mut self, tools: impl IntoIterator<Item = Tool>) -> Self {
        self.tools.extend(tools);
        self
    }

    /// Stops the loop when `condition` holds (a [`stop`] condition or a closure over the
    /// [`AgentRun`] so far); called again, either condition stops it.
    pub fn stop_when(mut self, condition: impl Into<StopCondition>) -> Self {
        let condition = condition.into();
        self.stop = Some(match self.stop.take() {
            Some(before) => before.or(condition),
            None => condition,
        });
        self
    }

    /// The most model calls the loop makes before it stops with [`StopReason::MaxSteps`]
    /// (default [`DEFAULT_MAX_STEPS`]; the final answer turn comes on top).
    pub fn max_steps(mut self, n: usize) -> Self {
        self.max_steps = n;
        self
    }

    /// Whether a stop that leaves tool outputs unanswered is followed by one turn with tool
    /// choice `none` for the model's answer (default `true`).
    pub fn final_answer_turn(mut self, enabled: bool) -> Self {
        self.final_answer_turn = enabled;
        self
    }

    /// Called with each step as it ends (after its tool calls ran).
    pub fn on_step(mut self, f: impl FnMut(&Step) + Send + 'static) -> Self {
        self.on_step = Some(Box::new(f));
        self
    }

    /// Called before each model call with the run so far and that call's request (a clone of
    /// the one given to `call_model`), which it may change: another model, temperature or
    /// instructions from the second turn on, say. The run sets `input` (the conversation),
    /// adds its tools and, for the final answer turn, tool choice `none` after it.
    pub fn on_turn_start(mut self, f: impl FnMut(&AgentRun, &mut ResponsesRequest) + Send + 'static) -> Self {
        self.on_turn_start = Some(Box::new(f));
        self
    }

    /// Also streams every event of the Responses streams as received
    /// ([`AgentEvent::Response`]), for what the other events leave out (annotations, server
    /// tool progress, …). Off by default.
    pub fn raw_events(mut self, enabled: bool) -> Self {
        self.raw_events = enabled;
        self
    }

    /// Lets `handle` cancel the run and read its state; see [`AgentHandle`].
    pub fn cancel_handle(mut self, handle: &AgentHandle) -> Self {
        self.handle = Some(handle.clone());
        self
    }

    /// Continues `state` (from [`AgentRun::state`] or [`AgentHandle::state`], maybe stored
    /// and read back) instead of starting anew; the request's `input`, if any, follows it.
    /// Give the same tools as before.
    pub fn resume(mut self, state: AgentState) -> Self {
        self.resume = Some(state);
        self
    }

    /// Approves a pending call: its handler runs, and its output goes to the model.
    pub fn approve(mut self, call_id: impl Into<String>) -> Self {
        self.decisions.push((call_id.into(), Decision::Approve));
        self
    }

    /// Rejects a pending call: the model gets an error output saying the user rejected it,
    /// with `reason`.
    pub fn reject(mut self, call_id: impl Into<String>, reason: impl Into<String>) -> Self {
        self.decisions.push((call_id.into(), Decision::Reject(reason.into())));
        self
    }

    /// Answers a pending call with the program's output (a JSON string is sent as its text,
    /// any other value as JSON text).
    pub fn tool_result(mut self, call_id: impl Into<String>, output: impl Into<Value>) -> Self {
        self.decisions.push((call_id.into(), Decision::Output(output.into())));
        self
    }

    fn into_runner(self) -> Runner {
        Runner {
            core: self.core,
            request: self.request,
            tools: self.tools,
            stop: self.stop,
            max_steps: self.max_steps,
            final_answer_turn: self.final_answer_turn,
            on_step: self.on_step.map(std::sync::Mutex::new),
            on_turn_start: self.on_turn_start.map(std::sync::Mutex::new),
            raw_events: self.raw_events,
            handle: self.handle.unwrap_or_default(),
            resume: self.resume,
            decisions: self.decisions,
        }
    }

    /// Runs the loop to its end; the run, or the error that stopped it.
    pub fn send(self) -> impl Future<Output = Result<AgentRun, Error>> + Send + 'static {
        // The loop's state (a response, a request, a stream) is large: it lives on the heap, so
        // that awaiting the run takes little of the caller's stack.
        Box::pin(self.into_runner().run(Emitter::default()))
    }

    /// Runs the loop as a stream of events, the whole run last ([`AgentEvent::Finished`]).
    pub fn stream(self) -> AgentStream {
        AgentStream::new(self.into_runner())
    }
}

impl std::fmt::Debug for CallModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallModel")
            .field("model", &self.request.model)
            .field("tools", &self.tools)
            .field("stop", &self.stop)
            .field("max_steps", &self.max_steps)
            .field("resume", &self.resume.as_ref().map(AgentState::status))
            .finish()
    }
}
