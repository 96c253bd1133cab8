//! The agent loop's own failures, typed.

use std::fmt;

use crate::Error;

/// Why an agent run failed on its own account (not the transport's or the API's): read it from
/// an [`Error`] with [`Error::agent_error`]; [`Error::is_agent`] says there is one.
///
/// Failures of a single tool call are not among these: a handler's error, a call to a tool the
/// run does not have, arguments that are not JSON and a call past its timeout are sent back to
/// the model as that call's error output (see [`ToolResult`](super::ToolResult)), and the run
/// goes on.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AgentError {
    /// The model's last turn had no text, no refusal and no tool call (reasoning at most):
    /// there is no answer to return.
    EmptyFinalTurn {
        /// The response's status (`completed`, `incomplete`).
        status: String,
    },
    /// The final answer turn (tool choice `none`) still asked only for tools, which the run
    /// does not call any more.
    ToolOnlyFinalTurn {
        /// The tools it asked for.
        tools: Vec<String>,
    },
    /// The response stream ended without `response.completed` (nor `response.incomplete`).
    StreamEndedEarly,
    /// An [`AgentState`](super::AgentState) of another version than this SDK reads
    /// ([`STATE_VERSION`](super::STATE_VERSION)); `None` when it has no numeric version.
    UnsupportedStateVersion { found: Option<u64> },
    /// `.approve`, `.reject` or `.tool_result` named a call that is not pending in the state.
    NotPending { call_id: String },
    /// `.approve` named a call whose tool is not among the run's tools (or is manual), so it
    /// cannot be run.
    NoHandler { call_id: String, tool: String },
    /// A decision was given without `.resume(state)`.
    NothingToResume,
}

impl fmt::Display for AgentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AgentError::EmptyFinalTurn { status } => {
                write!(f, "the model's final turn is empty (status {status}): no text and no tool call")
            }
            AgentError::ToolOnlyFinalTurn { tools } => write!(
                f,
                "the model's final turn (tool choice none) asked only for tools ({}) and gave no answer",
                tools.join(", ")
            ),
            AgentError::StreamEndedEarly => f.write_str("the response stream ended without response.completed"),
            AgentError::UnsupportedStateVersion { found: Some(v) } => {
                write!(f, "agent state version {v} is not supported (this SDK reads version {})", super::STATE_VERSION)
            }
            AgentError::UnsupportedStateVersion { found: None } => {
                write!(f, "agent state has no numeric `version` (this SDK reads version {})", super::STATE_VERSION)
            }
            AgentError::NotPending { call_id } => write!(f, "no pending tool call has the id `{call_id}`"),
            AgentError::NoHandler { call_id, tool } => {
                write!(f, "call `{call_id}` was approved, but the run has no handler for its tool `{tool}`")
            }
            AgentError::NothingToResume => {
                f.write_str("approve, reject and tool_result need a state to continue: call .resume(state) first")
            }
        }
    }
}

impl std::error::Error for AgentError {}

impl From<AgentError> for Error {
    fn from(e: AgentError) -> Error {
        Error::agent(e.to_string(), e)
    }
}

impl Error {
    /// The agent loop's typed reason, when this error is one ([`Error::is_agent`]).
    pub fn agent_error(&self) -> Option<&AgentError> {
        std::error::Error::source(self)?.downcast_ref::<AgentError>()
    }
}
