//! The run: the loop over model turns and tool calls, its result, its events and its handle.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::state::{AgentState, AgentStatus, PendingReason, PendingToolCall};
use super::stop::{StopCondition, StopReason};
use super::tool::{execute, join_in_order, BoxFuture, Tool, ToolCall, ToolResult};
use super::AgentError;
use crate::funcs::responses_send_stream;
use crate::models::{
    EasyInputMessage, EasyInputMessageContent, EasyInputMessageRole, EasyInputMessageType, FunctionCallOutputItem,
    Inputs, InputsObjectsItem, OpenAIResponsesResponseStatus, OpenAIResponsesToolChoice,
    OpenAIResponsesToolChoiceString, OpenResponsesResult, OutputItems, OutputMessageContentItem, ResponsesRequest,
    ResponsesRequestToolsItem, StreamEvents, Usage,
};
use crate::{Error, OpenRouterCore};

/// Tokens and cost added up over every model call of a run (those before a resume included).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunUsage {
    /// How many model calls the sums cover.
    pub model_calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub total_tokens: u64,
    /// Input tokens read from the prompt cache.
    pub cached_tokens: u64,
    pub reasoning_tokens: u64,
    /// USD, from each response's `usage.cost` (0 for a response that reports none).
    pub cost: f64,
}

impl RunUsage {
    fn add(&mut self, usage: Option<&Usage>) {
        self.model_calls += 1;
        let Some(u) = usage else { return };
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        self.input_tokens += n(u.input_tokens);
        self.output_tokens += n(u.output_tokens);
        self.total_tokens += n(u.total_tokens);
        self.cached_tokens += n(u.input_tokens_details.cached_tokens);
        self.reasoning_tokens += n(u.output_tokens_details.reasoning_tokens);
        self.cost += u.cost.filter(|c| c.is_finite() && *c > 0.0).unwrap_or(0.0);
    }
}

/// One model call of a run and what followed it.
#[derive(Debug, Clone)]
pub struct Step {
    /// The items this step's request added to the conversation: the input (first step), or
    /// the tool outputs of the step before.
    pub request_items: Vec<InputsObjectsItem>,
    /// The model's response.
    pub response: OpenResponsesResult,
    /// The function calls it asked for, in order.
    pub tool_calls: Vec<ToolCall>,
    /// The outputs sent back for them, in call order (calls left pending have none).
    pub tool_results: Vec<ToolResult>,
    /// The response's usage.
    pub usage: Option<Usage>,
    /// Whether this was the final answer turn made with tool choice `none` after a stop.
    pub final_answer_turn: bool,
}

impl Step {
    /// The text of the step's answer.
    pub fn text(&self) -> String {
        self.response.output_text()
    }

    /// Why the model stopped: `"tool_calls"` when it asked for tools, the reason of an
    /// incomplete response (`"max_output_tokens"`, `"content_filter"`), the status for another
    /// one that did not complete, else `"stop"`.
    pub fn finish_reason(&self) -> &str {
        if !self.tool_calls.is_empty() {
            return "tool_calls";
        }
        match &self.response.status {
            OpenAIResponsesResponseStatus::Completed => "stop",
            status => self
                .response
                .incomplete_details
                .as_ref()
                .and_then(|d| d.reason.as_ref())
                .map_or(status.as_str(), |r| r.as_str()),
        }
    }
}

/// A finished run (or one stopped to wait for the program): its steps, the answer, usage and
/// cost over every model call, why it stopped and the state to continue it.
#[derive(Debug, Clone)]
pub struct AgentRun {
    pub(crate) steps: Vec<Step>,
    pub(crate) state: AgentState,
    pub(crate) stop_reason: StopReason,
}

impl AgentRun {
    /// The answer: the text of the last response (empty when the run stopped before one, for
    /// a pending call).
    pub fn text(&self) -> String {
        self.response().map(OpenResponsesResult::output_text).unwrap_or_default()
    }

    /// The last response of the model.
    pub fn response(&self) -> Option<&OpenResponsesResult> {
        self.steps.last().map(|s| &s.response)
    }

    /// Each model call of this run, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Tokens and cost summed over every model call (those before a resume included).
    pub fn usage(&self) -> &RunUsage {
        &self.state.usage
    }

    /// The cost in USD summed over every model call.
    pub fn cost(&self) -> f64 {
        self.state.usage.cost
    }

    /// Why the run ended.
    pub fn stop_reason(&self) -> &StopReason {
        &self.stop_reason
    }

    /// The calls waiting for the program: approvals and manual tools' outputs.
    pub fn pending_tool_calls(&self) -> &[PendingToolCall] {
        &self.state.pending
    }

    /// The state to store or continue with `call_model(..).resume(state)`.
    pub fn state(&self) -> &AgentState {
        &self.state
    }

    /// The state, taken.
    pub fn into_state(self) -> AgentState {
        self.state
    }
}

/// What a run streams ([`CallModel::stream`](super::CallModel::stream)): the model's text and
/// reasoning as it writes them, tool calls as they start and their arguments as they are
/// written, tool results, step ends, and last the whole run.
#[derive(Debug, Clone)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)]
pub enum AgentEvent {
    /// Text of the answer, as the model writes it.
    TextDelta(String),
    /// Reasoning text (or its summary), as the model writes it.
    ReasoningDelta(String),
    /// The model started a function call.
    ToolCallStarted { call_id: String, name: String },
    /// A piece of a function call's arguments.
    ToolCallArgumentsDelta { call_id: String, delta: String },
    /// A call's output, sent back to the model with the next request.
    ToolResult(ToolResult),
    /// A step ended (its tool calls answered, or left pending).
    StepFinished(Box<Step>),
    /// An event of the Responses stream as received, before the events made from it (only
    /// with [`CallModel::raw_events`](super::CallModel::raw_events)).
    Response(Box<StreamEvents>),
    /// The run ended: the last event of the stream.
    Finished(AgentRun),
}

/// Cancels a run from elsewhere and keeps its state: pass it with
/// [`CallModel::cancel_handle`](super::CallModel::cancel_handle), then call
/// [`cancel`](Self::cancel) from any task or thread. The in-flight request is dropped at once
/// (its connection closed), running tools are dropped, and the run ends with an error that
/// [`is_cancelled`](crate::Error::is_cancelled). [`state`](Self::state) is the state up to that
/// point (status [`Interrupted`](AgentStatus::Interrupted)), ready to resume.
///
/// Dropping the run's future or stream has the same effect on the request and the tools.
#[derive(Clone, Default)]
pub struct AgentHandle {
    inner: Arc<HandleInner>,
}

#[derive(Default)]
struct HandleInner {
    cancelled: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
    state: Mutex<Option<AgentState>>,
}

impl AgentHandle {
    /// A new handle, not cancelled.
    pub fn new() -> AgentHandle {
        AgentHandle::default()
    }

    /// Cancels the run (and any later run given this handle).
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        let wakers = std::mem::take(&mut *self.inner.wakers.lock().unwrap_or_else(|e| e.into_inner()));
        for waker in wakers {
            waker.wake();
        }
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// The state of the run as of its last step (`None` before it started): while it runs or
    /// after it was cancelled its status is `interrupted`, and resuming it sends again only
    /// what had not been answered.
    pub fn state(&self) -> Option<AgentState> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set_state(&self, state: &AgentState, status: AgentStatus) {
        let mut state = state.clone();
        state.status = status;
        *self.inner.state.lock().unwrap_or_else(|e| e.into_inner()) = Some(state);
    }

    /// Runs `fut` until it ends or the handle is cancelled (then `fut` is dropped).
    async fn guard<F: Future>(&self, fut: F) -> Result<F::Output, Error> {
        let mut fut = std::pin::pin!(fut);
        std::future::poll_fn(|cx| {
            if self.is_cancelled() {
                return Poll::Ready(Err(cancelled()));
            }
            if let Poll::Ready(value) = fut.as_mut().poll(cx) {
                return Poll::Ready(Ok(value));
            }
            {
                let mut wakers = self.inner.wakers.lock().unwrap_or_else(|e| e.into_inner());
                if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
                    wakers.push(cx.waker().clone());
                }
            }
            if self.is_cancelled() {
                return Poll::Ready(Err(cancelled()));
            }
            Poll::Pending
        })
        .await
    }
}

fn cancelled() -> Error {
    Error::cancelled("the agent run was cancelled")
}

impl fmt::Debug for AgentHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentHandle").field("cancelled", &self.is_cancelled()).finish()
    }
}

/// Hands events to the stream one at a time: `emit` waits until the stream has taken the
/// last one, so that nothing is buffered (and a slow reader slows the run, not memory).
#[derive(Clone, Default)]
pub(crate) struct Emitter(Option<Arc<Mutex<Option<AgentEvent>>>>);

impl Emitter {
    async fn emit(&self, event: AgentEvent) {
        let Some(slot) = &self.0 else { return };
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(event);
        // Pending while the event waits: the stream that polls this future takes the event
        // before it returns, and polls again only after that (so no waker is needed).
        std::future::poll_fn(|_| {
            if slot.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await
    }
}

/// The events of a run ([`CallModel::stream`](super::CallModel::stream)): a
/// [`Stream`](futures_core::Stream) (`Unpin`) of `Result<AgentEvent, Error>` whose last item is
/// [`AgentEvent::Finished`], or an `Err` when the run fails. Dropping it cancels the run.
pub struct AgentStream {
    run: Option<BoxFuture<Result<AgentRun, Error>>>,
    slot: Arc<Mutex<Option<AgentEvent>>>,
}

impl AgentStream {
    pub(crate) fn new(runner: Runner) -> AgentStream {
        let slot = Arc::new(Mutex::new(None));
        let events = Emitter(Some(slot.clone()));
        AgentStream { run: Some(Box::pin(runner.run(events))), slot }
    }

    /// The next event, or `None` after the last.
    pub async fn next_event(&mut self) -> Option<Result<AgentEvent, Error>> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    fn take(&self) -> Option<AgentEvent> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<AgentEvent, Error>>> {
        if let Some(event) = self.take() {
            return Poll::Ready(Some(Ok(event)));
        }
        let Some(run) = self.run.as_mut() else { return Poll::Ready(None) };
        match run.as_mut().poll(cx) {
            Poll::Ready(outcome) => {
                self.run = None;
                Poll::Ready(Some(outcome.map(AgentEvent::Finished)))
            }
            Poll::Pending => match self.take() {
                Some(event) => Poll::Ready(Some(Ok(event))),
                None => Poll::Pending,
            },
        }
    }
}

impl futures_core::Stream for AgentStream {
    type Item = Result<AgentEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_event(cx)
    }
}

impl fmt::Debug for AgentStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentStream").field("finished", &self.run.is_none()).finish()
    }
}

/// What the program decided for a pending call.
#[derive(Debug, Clone)]
pub(crate) enum Decision {
    Approve,
    Reject(String),
    Output(Value),
}

/// The `on_step` callback.
pub(crate) type OnStep = Box<dyn FnMut(&Step) + Send>;

/// The `on_turn_start` callback.
pub(crate) type OnTurnStart = Box<dyn FnMut(&AgentRun, &mut ResponsesRequest) + Send>;

/// Everything a run needs, taken from the builder.
pub(crate) struct Runner {
    pub(crate) core: OpenRouterCore,
    pub(crate) request: ResponsesRequest,
    pub(crate) tools: Vec<Tool>,
    pub(crate) stop: Option<StopCondition>,
    pub(crate) max_steps: usize,
    pub(crate) final_answer_turn: bool,
    pub(crate) on_step: Option<Mutex<OnStep>>,
    pub(crate) on_turn_start: Option<Mutex<OnTurnStart>>,
    pub(crate) raw_events: bool,
    pub(crate) handle: AgentHandle,
    pub(crate) resume: Option<AgentState>,
    pub(crate) decisions: Vec<(String, Decision)>,
}

impl Runner {
    pub(crate) async fn run(mut self, events: Emitter) -> Result<AgentRun, Error> {
        self.check()?;
        let new_input = input_items(self.request.input.take())?;
        let resumed = self.resume.take();
        if resumed.is_none() && new_input.is_empty() {
            return Err(Error::invalid_request("call_model: the request has no input"));
        }
        let mut run = AgentRun {
            steps: Vec::new(),
            state: resumed.clone().unwrap_or_else(|| AgentState::new(Vec::new())),
            stop_reason: StopReason::NotStopped,
        };
        let mut request_items = Vec::new();
        if resumed.is_some() {
            let unresolved = Box::pin(self.resolve(&mut run, &events)).await?;
            if !unresolved.is_empty() {
                // Sending now would give the model calls without outputs: stop again instead.
                return Ok(self.wait_for_program(run, unresolved));
            }
            request_items = flush_outputs(&mut run.state);
        }
        run.state.items.extend(new_input.iter().cloned());
        request_items.extend(new_input);

        let mut final_reason: Option<StopReason> = None;
        loop {
            let final_turn = final_reason.is_some();
            self.handle.set_state(&run.state, AgentStatus::Interrupted);
            let mut request = self.request.clone();
            if let Some(hook) = self.on_turn_start.as_mut() {
                (hook.get_mut().unwrap_or_else(|e| e.into_inner()))(&run, &mut request);
            }
            let response = Box::pin(self.turn(request, &run.state.items, final_turn, &events)).await?;
            run.state.usage.add(response.usage.as_deref());
            run.state.model_calls += 1;
            if response.store == Some(true) {
                run.state.previous_response_id = Some(response.id.clone());
            }
            run.state.items.extend(response.output.iter().map(input_item));
            let calls: Vec<ToolCall> = response
                .function_calls()
                .map(|c| ToolCall { call_id: c.call_id.clone(), name: c.name.clone(), arguments: c.arguments.clone() })
                .collect();
            let mut step = Step {
                request_items: std::mem::take(&mut request_items),
                usage: response.usage.as_deref().cloned(),
                response,
                tool_calls: calls.clone(),
                tool_results: Vec::new(),
                final_answer_turn: final_turn,
            };

            if final_turn || calls.is_empty() {
                // Calls of the final answer turn are not run; they stay pending (a resume runs
                // them), so the conversation never holds a call without its output.
                run.state.pending = interrupted(&calls);
                let outcome = if has_answer(&step.response) {
                    Ok(())
                } else if !calls.is_empty() {
                    Err(AgentError::ToolOnlyFinalTurn { tools: calls.iter().map(|c| c.name.clone()).collect() })
                } else {
                    Err(AgentError::EmptyFinalTurn { status: step.response.status.as_str().to_owned() })
                };
                self.finish_step(&mut run, step, &events).await;
                if let Err(e) = outcome {
                    self.handle.set_state(&run.state, AgentStatus::Interrupted);
                    return Err(e.into());
                }
                run.stop_reason = final_reason.unwrap_or(StopReason::Completed);
                run.state.status = AgentStatus::Complete;
                self.handle.set_state(&run.state, AgentStatus::Complete);
                return Ok(run);
            }

            // While the tools run, the state resumes by running them again.
            run.state.pending = interrupted(&calls);
            self.handle.set_state(&run.state, AgentStatus::Interrupted);
            let (results, pending) = Box::pin(self.call_tools(&calls)).await?;
            for result in &results {
                events.emit(AgentEvent::ToolResult(result.clone())).await;
            }
            step.tool_results = results.clone();
            run.state.outputs = results.iter().map(output_item).collect();
            run.state.pending = pending;
            self.finish_step(&mut run, step, &events).await;
            if !run.state.pending.is_empty() {
                let pending = std::mem::take(&mut run.state.pending);
                return Ok(self.wait_for_program(run, pending));
            }
            request_items = flush_outputs(&mut run.state);
            self.handle.set_state(&run.state, AgentStatus::Interrupted);

            let reason = self
                .stop
                .as_ref()
                .and_then(|stop| stop.check(&run))
                .or_else(|| (run.steps.len() >= self.max_steps).then_some(StopReason::MaxSteps(self.max_steps)));
            if let Some(reason) = reason {
                if self.final_answer_turn {
                    final_reason = Some(reason);
                } else {
                    run.stop_reason = reason;
                    run.state.status = AgentStatus::Complete;
                    self.handle.set_state(&run.state, AgentStatus::Complete);
                    return Ok(run);
                }
            }
        }
    }

    /// Bad input the builder could not refuse: tools that cannot be sent, two tools of one name.
    fn check(&self) -> Result<(), Error> {
        for (i, tool) in self.tools.iter().enumerate() {
            if let Some(why) = &tool.invalid {
                return Err(Error::invalid_request(format!("call_model: {why}")));
            }
            if self.tools[..i].iter().any(|t| t.name() == tool.name()) {
                return Err(Error::invalid_request(format!("call_model: two tools are named `{}`", tool.name())));
            }
        }
        if self.max_steps == 0 {
            return Err(Error::invalid_request("call_model: max_steps must be at least 1"));
        }
        if self.resume.is_none() && !self.decisions.is_empty() {
            return Err(AgentError::NothingToResume.into());
        }
        Ok(())
    }

    fn tool(&self, name: &str) -> Option<&Tool> {
        self.tools.iter().find(|t| t.name() == name)
    }

    async fn finish_step(&mut self, run: &mut AgentRun, step: Step, events: &Emitter) {
        if let Some(on_step) = self.on_step.as_mut() {
            (on_step.get_mut().unwrap_or_else(|e| e.into_inner()))(&step);
        }
        if events.0.is_some() {
            events.emit(AgentEvent::StepFinished(Box::new(step.clone()))).await;
        }
        run.steps.push(step);
    }

    /// Ends the run with calls waiting for the program.
    fn wait_for_program(&self, mut run: AgentRun, pending: Vec<PendingToolCall>) -> AgentRun {
        let approval = pending.iter().any(|p| p.reason == PendingReason::AwaitingApproval);
        let (status, reason) = if approval {
            (AgentStatus::AwaitingApproval, StopReason::AwaitingApproval)
        } else {
            (AgentStatus::AwaitingClientTools, StopReason::AwaitingClientTools)
        };
        run.state.pending = pending;
        run.state.status = status;
        run.stop_reason = reason;
        self.handle.set_state(&run.state, status);
        run
    }

    /// One model call, streamed: forwards the deltas, returns the completed response.
    async fn turn(
        &self,
        mut request: ResponsesRequest,
        items: &[InputsObjectsItem],
        final_turn: bool,
        events: &Emitter,
    ) -> Result<OpenResponsesResult, Error> {
        request.input = Some(Inputs::Objects(items.to_vec()));
        if !self.tools.is_empty() {
            let mut tools = request.tools.take().unwrap_or_default();
            tools.extend(self.tools.iter().map(|t| ResponsesRequestToolsItem::Function(t.definition.clone())));
            request.tools = Some(tools);
        }
        if final_turn {
            request.tool_choice = Some(OpenAIResponsesToolChoice::Text(OpenAIResponsesToolChoiceString::None));
        }
        let mut stream = self.handle.guard(Box::pin(responses_send_stream(&self.core, request))).await??;
        // Argument deltas name the item; the program knows the call by its call id.
        let mut call_ids: Vec<(String, String)> = Vec::new();
        let mut done_items = Vec::new();
        loop {
            let event = match self.handle.guard(stream.next_event()).await? {
                None => return Err(AgentError::StreamEndedEarly.into()),
                Some(event) => event?,
            };
            if self.raw_events && events.0.is_some() {
                events.emit(AgentEvent::Response(Box::new(event.clone()))).await;
            }
            match event {
                StreamEvents::ResponseOutputTextDelta(e) => events.emit(AgentEvent::TextDelta(e.delta)).await,
                StreamEvents::ResponseReasoningTextDelta(e) => events.emit(AgentEvent::ReasoningDelta(e.delta)).await,
                StreamEvents::ResponseReasoningSummaryTextDelta(e) => {
                    events.emit(AgentEvent::ReasoningDelta(e.delta)).await
                }
                StreamEvents::ResponseOutputItemAdded(e) => {
                    if let OutputItems::FunctionCall(call) = e.item {
                        if let Some(id) = call.id {
                            call_ids.push((id, call.call_id.clone()));
                        }
                        events.emit(AgentEvent::ToolCallStarted { call_id: call.call_id, name: call.name }).await;
                    }
                }
                StreamEvents::ResponseFunctionCallArgumentsDelta(e) => {
                    let call_id = call_ids.iter().find(|(item, _)| *item == e.item_id).map(|(_, c)| c.clone());
                    let call_id = call_id.unwrap_or(e.item_id);
                    events.emit(AgentEvent::ToolCallArgumentsDelta { call_id, delta: e.delta }).await;
                }
                StreamEvents::ResponseOutputItemDone(e) => done_items.push(e.item),
                StreamEvents::ResponseCompleted(e) => return Ok(with_items(e.response, done_items)),
                StreamEvents::ResponseIncomplete(e) => return Ok(with_items(e.response, done_items)),
                _ => {}
            }
        }
    }

    /// Runs the auto tools of one turn together; returns the results in call order and the
    /// calls left for the program.
    async fn call_tools(&self, calls: &[ToolCall]) -> Result<(Vec<ToolResult>, Vec<PendingToolCall>), Error> {
        enum Slot {
            Done(ToolResult),
            Running,
            Pending(PendingReason),
        }
        let mut slots = Vec::with_capacity(calls.len());
        let mut running = Vec::new();
        for call in calls {
            let slot = match self.tool(&call.name) {
                None => Slot::Done(ToolResult::error(call, self.unknown_tool(&call.name))),
                Some(tool) => match &tool.handler {
                    None => Slot::Pending(PendingReason::AwaitingResult),
                    Some(_) if tool.needs_approval(call) => Slot::Pending(PendingReason::AwaitingApproval),
                    Some(handler) => {
                        running.push(execute(tool, handler, call.clone()));
                        Slot::Running
                    }
                },
            };
            slots.push(slot);
        }
        let mut outputs = self.handle.guard(join_in_order(running)).await?.into_iter();
        let (mut results, mut pending) = (Vec::new(), Vec::new());
        for (call, slot) in calls.iter().zip(slots) {
            match slot {
                Slot::Done(result) => results.push(result),
                Slot::Running => results.extend(outputs.next()),
                Slot::Pending(reason) => pending.push(PendingToolCall { call: call.clone(), reason }),
            }
        }
        Ok((results, pending))
    }

    fn unknown_tool(&self, name: &str) -> String {
        let names: Vec<&str> = self.tools.iter().map(Tool::name).collect();
        format!("there is no tool named `{name}`; the tools are: {}", names.join(", "))
    }

    /// Applies the program's decisions to the resumed state's pending calls and runs what
    /// they allow; returns the calls still waiting.
    async fn resolve(&mut self, run: &mut AgentRun, events: &Emitter) -> Result<Vec<PendingToolCall>, Error> {
        let pending = std::mem::take(&mut run.state.pending);
        for (call_id, _) in &self.decisions {
            if !pending.iter().any(|p| &p.call.call_id == call_id) {
                return Err(AgentError::NotPending { call_id: call_id.clone() }.into());
            }
        }
        let mut decisions = std::mem::take(&mut self.decisions);
        let mut unresolved = Vec::new();
        let mut done: Vec<(usize, ToolResult)> = Vec::new();
        let mut running: Vec<(usize, BoxFuture<ToolResult>)> = Vec::new();
        for (i, p) in pending.iter().enumerate() {
            let decision = decisions.iter().position(|(id, _)| *id == p.call.call_id).map(|at| decisions.remove(at).1);
            let call = &p.call;
            let tool = self.tool(&call.name);
            match (decision, p.reason) {
                (Some(Decision::Output(value)), _) => done.push((i, ToolResult::ok(call, value))),
                (Some(Decision::Reject(reason)), _) => {
                    let text = if reason.is_empty() {
                        "the user rejected this call".to_owned()
                    } else {
                        format!("the user rejected this call: {reason}")
                    };
                    done.push((i, ToolResult::error(call, text)));
                }
                (Some(Decision::Approve), _) => match tool.and_then(|t| t.handler.as_ref().map(|h| (t, h))) {
                    Some((tool, handler)) => running.push((i, execute(tool, handler, call.clone()))),
                    None => {
                        run.state.pending = pending.clone();
                        let e = AgentError::NoHandler { call_id: call.call_id.clone(), tool: call.name.clone() };
                        return Err(e.into());
                    }
                },
                (None, PendingReason::Interrupted) => {
                    match tool.map(|t| (t, &t.handler)) {
                        None => done.push((i, ToolResult::error(call, self.unknown_tool(&call.name)))),
                        Some((_, None)) => unresolved
                            .push(PendingToolCall { call: call.clone(), reason: PendingReason::AwaitingResult }),
                        Some((t, Some(_))) if t.needs_approval(call) => unresolved
                            .push(PendingToolCall { call: call.clone(), reason: PendingReason::AwaitingApproval }),
                        Some((t, Some(handler))) => running.push((i, execute(t, handler, call.clone()))),
                    }
                }
                (None, _) => unresolved.push(p.clone()),
            }
        }
        let (order, futures): (Vec<usize>, Vec<_>) = running.into_iter().unzip();
        run.state.pending = pending.clone();
        self.handle.set_state(&run.state, AgentStatus::Interrupted);
        let outputs = self.handle.guard(join_in_order(futures)).await?;
        done.extend(order.into_iter().zip(outputs));
        done.sort_by_key(|(i, _)| *i);
        for (_, result) in &done {
            events.emit(AgentEvent::ToolResult(result.clone())).await;
            run.state.outputs.push(output_item(result));
        }
        run.state.pending.clear();
        Ok(unresolved)
    }
}

/// The request's input as items: text is one user message.
fn input_items(input: Option<Inputs>) -> Result<Vec<InputsObjectsItem>, Error> {
    match input {
        None => Ok(Vec::new()),
        Some(Inputs::Text(text)) => {
            let mut message = EasyInputMessage::new(EasyInputMessageRole::User);
            message.r#type = Some(EasyInputMessageType::Message);
            message.content = Some(EasyInputMessageContent::Text(text));
            Ok(vec![InputsObjectsItem::EasyInputMessage(message)])
        }
        Some(Inputs::Objects(items)) => Ok(items),
        Some(Inputs::Unknown(Value::Array(items))) => Ok(items.into_iter().map(InputsObjectsItem::Unknown).collect()),
        Some(Inputs::Unknown(_)) => {
            Err(Error::invalid_request("call_model: the request's input must be text or a list of items"))
        }
    }
}

/// An output item as the input item that sends it back: its JSON unchanged (reasoning items
/// keep their encrypted content, signatures and any field this SDK does not know).
fn input_item(item: &OutputItems) -> InputsObjectsItem {
    let value = serde_json::to_value(item).unwrap_or(Value::Null);
    serde_json::from_value(value.clone()).unwrap_or(InputsObjectsItem::Unknown(value))
}

fn output_item(result: &ToolResult) -> FunctionCallOutputItem {
    FunctionCallOutputItem::new(result.call_id.clone(), result.output.clone())
}

fn interrupted(calls: &[ToolCall]) -> Vec<PendingToolCall> {
    calls.iter().map(|c| PendingToolCall { call: c.clone(), reason: PendingReason::Interrupted }).collect()
}

/// Moves the stopped turn's outputs into the conversation, in the order of their calls;
/// returns the items added.
fn flush_outputs(state: &mut AgentState) -> Vec<InputsObjectsItem> {
    let mut outputs = std::mem::take(&mut state.outputs);
    let order: Vec<String> = state.items.iter().filter_map(call_id_of).collect();
    outputs.sort_by_key(|o| order.iter().rposition(|id| *id == o.call_id).unwrap_or(usize::MAX));
    let items: Vec<InputsObjectsItem> = outputs.into_iter().map(InputsObjectsItem::FunctionCallOutputItem).collect();
    state.items.extend(items.iter().cloned());
    items
}

/// The call id of a `function_call` item.
fn call_id_of(item: &InputsObjectsItem) -> Option<String> {
    match item {
        InputsObjectsItem::FunctionCallItem(call) => Some(call.call_id.clone()),
        InputsObjectsItem::Unknown(v) if v["type"] == "function_call" => v["call_id"].as_str().map(str::to_owned),
        _ => None,
    }
}

/// The response, with the items of `output_item.done` when the completed event left its output
/// empty.
fn with_items(mut response: OpenResponsesResult, done: Vec<OutputItems>) -> OpenResponsesResult {
    if response.output.is_empty() {
        response.output = done;
    }
    response
}

/// Whether the response answers: text that is not blank, a refusal, or an item other than
/// reasoning and function calls (an image, a server tool's result).
fn has_answer(response: &OpenResponsesResult) -> bool {
    response.output.iter().any(|item| match item {
        OutputItems::Reasoning(_) | OutputItems::FunctionCall(_) => false,
        OutputItems::Message(message) => message
            .content
            .iter()
            .any(|part| !matches!(part, OutputMessageContentItem::OutputText(t) if t.text.trim().is_empty())),
        _ => true,
    })
}
