//! The state of a run: what it takes to continue it later, in this process or another.

use serde::{Deserialize, Serialize};

use super::run::RunUsage;
use super::tool::ToolCall;
use super::AgentError;
use crate::models::{FunctionCallOutputItem, InputsObjectsItem};
use crate::Error;

/// The version of [`AgentState`]'s JSON this SDK writes and reads.
pub const STATE_VERSION: u32 = 1;

/// Where a run stands, in the state's JSON as `"complete"`, `"awaiting_approval"`,
/// `"awaiting_client_tools"` or `"interrupted"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// The run ended (the model answered, or a stop condition held).
    Complete,
    /// A call waits for `.approve(..)` or `.reject(..)`.
    AwaitingApproval,
    /// A manual tool's call waits for `.tool_result(..)`.
    AwaitingClientTools,
    /// The run was cancelled or failed part way (and a run still going, seen through
    /// [`AgentHandle::state`](super::AgentHandle::state)); resuming it makes the interrupted
    /// request again, or runs the interrupted tools again.
    Interrupted,
}

/// Why a call is pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingReason {
    /// Its tool requires approval.
    AwaitingApproval,
    /// Its tool is manual: the program gives the output.
    AwaitingResult,
    /// The run was stopped while the call ran; resuming runs it again.
    Interrupted,
}

/// A call that has no output yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingToolCall {
    #[serde(flatten)]
    pub call: ToolCall,
    pub reason: PendingReason,
}

/// Everything needed to continue a run: `Serialize + Deserialize`, so it can be stored and read
/// back later (`call_model(..).resume(state)`).
///
/// It holds the conversation so far as Responses input items: the input, then every item the
/// model produced, as received (reasoning items with their encrypted content and any
/// `reasoning_details`, function calls, messages: fields this SDK does not know are kept), and the
/// tool outputs. A JSON of another `version` than [`STATE_VERSION`] is refused with an error
/// that says so.
///
/// ```
/// # fn f(state: openrouter::agent::AgentState) -> Result<(), openrouter::Error> {
/// let json = state.to_json();
/// let again = openrouter::agent::AgentState::from_json(&json)?;
/// assert_eq!(again.status(), state.status());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentState {
    pub(crate) version: u32,
    pub(crate) status: AgentStatus,
    pub(crate) items: Vec<InputsObjectsItem>,
    /// The last response's id when the server stored it (`"store": true`); for reference: the
    /// run always sends the whole conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) previous_response_id: Option<String>,
    pub(crate) pending: Vec<PendingToolCall>,
    /// Outputs of the stopped turn's calls that are done, sent with the pending ones' outputs.
    pub(crate) outputs: Vec<FunctionCallOutputItem>,
    /// Model calls made so far, over every resume.
    pub(crate) model_calls: usize,
    pub(crate) usage: RunUsage,
}

#[derive(Deserialize)]
struct StateWire {
    version: u32,
    status: AgentStatus,
    items: Vec<InputsObjectsItem>,
    #[serde(default)]
    previous_response_id: Option<String>,
    #[serde(default)]
    pending: Vec<PendingToolCall>,
    #[serde(default)]
    outputs: Vec<FunctionCallOutputItem>,
    #[serde(default)]
    model_calls: usize,
    #[serde(default)]
    usage: RunUsage,
}

impl<'de> Deserialize<'de> for AgentState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(deserializer)?;
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(STATE_VERSION) => {}
            found => return Err(D::Error::custom(AgentError::UnsupportedStateVersion { found })),
        }
        let w = StateWire::deserialize(value).map_err(D::Error::custom)?;
        Ok(AgentState {
            version: w.version,
            status: w.status,
            items: w.items,
            previous_response_id: w.previous_response_id,
            pending: w.pending,
            outputs: w.outputs,
            model_calls: w.model_calls,
            usage: w.usage,
        })
    }
}

impl AgentState {
    pub(crate) fn new(items: Vec<InputsObjectsItem>) -> AgentState {
        AgentState {
            version: STATE_VERSION,
            status: AgentStatus::Interrupted,
            items,
            previous_response_id: None,
            pending: Vec::new(),
            outputs: Vec::new(),
            model_calls: 0,
            usage: RunUsage::default(),
        }
    }

    /// The version of its JSON ([`STATE_VERSION`]).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Where the run stands.
    pub fn status(&self) -> AgentStatus {
        self.status
    }

    /// The conversation so far, as Responses input items.
    pub fn items(&self) -> &[InputsObjectsItem] {
        &self.items
    }

    /// The calls waiting for the program (approval, a manual tool's output, or a run again
    /// after an interruption).
    pub fn pending_tool_calls(&self) -> &[PendingToolCall] {
        &self.pending
    }

    /// The last response's id when the server stored it.
    pub fn previous_response_id(&self) -> Option<&str> {
        self.previous_response_id.as_deref()
    }

    /// Usage and cost over every model call of the run, resumes included.
    pub fn usage(&self) -> &RunUsage {
        &self.usage
    }

    /// The state as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a state written by [`to_json`](Self::to_json) (or any JSON serialiser). An
    /// unknown version is an [`AgentError::UnsupportedStateVersion`]; other bad JSON a decode
    /// error.
    pub fn from_json(json: &str) -> Result<AgentState, Error> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| Error::decode_text("an agent state".into(), e, json))?;
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(STATE_VERSION) => {}
            found => return Err(AgentError::UnsupportedStateVersion { found }.into()),
        }
        serde_json::from_value(value).map_err(|e| Error::decode_text("an agent state".into(), e, json))
    }
}
