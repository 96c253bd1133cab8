//! Stop conditions: when the run stops calling the model with tool results.
//!
//! A condition is checked after each step whose tool calls were answered. When it holds, the
//! run makes one last turn with tool choice `none` (the tools stay in the request, so that the
//! prompt cache is kept) and ends with that answer; `.final_answer_turn(false)` ends it at once
//! instead. Conditions combine with [`StopCondition::or`]; a closure over the run so far is one
//! too.
//!
//! ```
//! use openrouter::agent::{stop, AgentRun, StopCondition};
//!
//! let when = stop::step_count_is(8)
//!     .or(stop::max_cost(0.05))
//!     .or(stop::has_tool_call("final_answer"))
//!     .or(|run: &AgentRun| run.usage().output_tokens > 20_000);
//! # let _: StopCondition = when;
//! ```

use std::fmt;
use std::sync::Arc;

use super::run::AgentRun;

/// One or more conditions, any of which stops the run; see the [module docs](self).
#[derive(Clone)]
pub struct StopCondition {
    checks: Vec<Check>,
}

#[derive(Clone)]
enum Check {
    Steps(usize),
    ToolCall(String),
    Tokens(u64),
    Cost(f64),
    FinishReason(String),
    Custom(Arc<dyn Fn(&AgentRun) -> bool + Send + Sync>),
}

impl StopCondition {
    /// A condition from a closure over the run so far (its steps, usage and cost).
    pub fn new(check: impl Fn(&AgentRun) -> bool + Send + Sync + 'static) -> StopCondition {
        StopCondition { checks: vec![Check::Custom(Arc::new(check))] }
    }

    /// Stops when this condition or `other` holds (the first that holds is the reason).
    pub fn or(mut self, other: impl Into<StopCondition>) -> StopCondition {
        self.checks.extend(other.into().checks);
        self
    }

    /// The reason the run stops now, if a condition holds.
    pub(crate) fn check(&self, run: &AgentRun) -> Option<StopReason> {
        self.checks.iter().find_map(|check| match check {
            Check::Steps(n) => (run.steps().len() >= *n).then_some(StopReason::StepCount(*n)),
            Check::ToolCall(name) => run
                .steps()
                .iter()
                .any(|s| s.tool_calls.iter().any(|c| &c.name == name))
                .then(|| StopReason::ToolCalled(name.clone())),
            Check::Tokens(limit) => {
                let used = run.usage().total_tokens;
                (used >= *limit).then_some(StopReason::TokensUsed { limit: *limit, used })
            }
            Check::Cost(limit) => {
                let spent = run.cost();
                (spent >= *limit).then_some(StopReason::Cost { limit: *limit, spent })
            }
            Check::FinishReason(reason) => run
                .steps()
                .last()
                .is_some_and(|s| s.finish_reason() == reason)
                .then(|| StopReason::FinishReason(reason.clone())),
            Check::Custom(f) => f(run).then_some(StopReason::Custom),
        })
    }
}

impl<F> From<F> for StopCondition
where
    F: Fn(&AgentRun) -> bool + Send + Sync + 'static,
{
    fn from(check: F) -> StopCondition {
        StopCondition::new(check)
    }
}

impl fmt::Debug for StopCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for check in &self.checks {
            match check {
                Check::Steps(n) => list.entry(&format_args!("step_count_is({n})")),
                Check::ToolCall(name) => list.entry(&format_args!("has_tool_call({name:?})")),
                Check::Tokens(n) => list.entry(&format_args!("max_tokens_used({n})")),
                Check::Cost(usd) => list.entry(&format_args!("max_cost({usd})")),
                Check::FinishReason(r) => list.entry(&format_args!("finish_reason_is({r:?})")),
                Check::Custom(_) => list.entry(&format_args!("custom")),
            };
        }
        list.finish()
    }
}

/// Stops once the run has made `n` steps (model calls, the final answer turn not counted).
pub fn step_count_is(n: usize) -> StopCondition {
    StopCondition { checks: vec![Check::Steps(n)] }
}

/// Stops once the model has called the tool `name` (after its call is answered).
pub fn has_tool_call(name: impl Into<String>) -> StopCondition {
    StopCondition { checks: vec![Check::ToolCall(name.into())] }
}

/// Stops once the run's total tokens (input plus output, summed over every model call) reach
/// `n`.
pub fn max_tokens_used(n: u64) -> StopCondition {
    StopCondition { checks: vec![Check::Tokens(n)] }
}

/// Stops once the run's cost (the `usage.cost` of every model call, summed, in USD) reaches
/// `usd`.
pub fn max_cost(usd: f64) -> StopCondition {
    StopCondition { checks: vec![Check::Cost(usd)] }
}

/// Stops when the last step finished for this reason; see
/// [`Step::finish_reason`](super::Step::finish_reason) for the values. Like every condition it
/// is checked after a step whose tool calls were answered: a turn without tool calls ends the
/// run anyway ([`StopReason::Completed`]; an empty one is an error).
pub fn finish_reason_is(reason: impl Into<String>) -> StopCondition {
    StopCondition { checks: vec![Check::FinishReason(reason.into())] }
}

/// Why a run ended. Its `Debug` names what fired, in the words of the API:
/// `completed`, `step_count_is(3)`, `max_cost(limit 0.01, spent 0.012)`, `max_steps(20)`, ….
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum StopReason {
    /// A turn asked for no tool: the model answered.
    Completed,
    /// [`step_count_is`] held.
    StepCount(usize),
    /// [`has_tool_call`] held: the model called this tool.
    ToolCalled(String),
    /// [`max_tokens_used`] held.
    TokensUsed { limit: u64, used: u64 },
    /// [`max_cost`] held.
    Cost { limit: f64, spent: f64 },
    /// [`finish_reason_is`] held.
    FinishReason(String),
    /// A closure condition held.
    Custom,
    /// The run reached its step limit ([`CallModel::max_steps`](super::CallModel::max_steps),
    /// default [`DEFAULT_MAX_STEPS`](super::DEFAULT_MAX_STEPS)).
    MaxSteps(usize),
    /// A call waits for the program's approval.
    AwaitingApproval,
    /// A call of a manual tool waits for the program's answer.
    AwaitingClientTools,
    /// The run has not stopped (what a stop condition sees of a run in progress).
    NotStopped,
}

impl fmt::Debug for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Completed => f.write_str("completed"),
            StopReason::StepCount(n) => write!(f, "step_count_is({n})"),
            StopReason::ToolCalled(name) => write!(f, "has_tool_call({name:?})"),
            StopReason::TokensUsed { limit, used } => write!(f, "max_tokens_used(limit {limit}, used {used})"),
            StopReason::Cost { limit, spent } => write!(f, "max_cost(limit {limit}, spent {spent})"),
            StopReason::FinishReason(r) => write!(f, "finish_reason_is({r:?})"),
            StopReason::Custom => f.write_str("custom"),
            StopReason::MaxSteps(n) => write!(f, "max_steps({n})"),
            StopReason::AwaitingApproval => f.write_str("awaiting_approval"),
            StopReason::AwaitingClientTools => f.write_str("awaiting_client_tools"),
            StopReason::NotStopped => f.write_str("not_stopped"),
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
