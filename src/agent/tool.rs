//! Tools: what the model may call, and how a call is answered.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::models::ResponsesRequestToolsItemFunction;

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A handler with its error already turned into the text sent back to the model.
pub(crate) type Handler = Arc<dyn Fn(Value) -> BoxFuture<Result<Value, String>> + Send + Sync>;

/// Decides from a call's arguments whether it needs approval.
pub(crate) type ApprovalCheck = Arc<dyn Fn(&Value) -> bool + Send + Sync>;

/// A tool the model may call: its name, description and JSON Schema, and either a handler that
/// the run calls by itself ([`Tool::function`], or [`Tool::typed`](Tool#method.typed) with the
/// `schemars` feature) or none, for a tool the program answers itself ([`Tool::manual`]).
///
/// A handler's `Ok(value)` is the tool's output (a JSON string is sent as its text, any other
/// value as JSON text); its `Err(e)` is sent back to the model as the tool's error output,
/// `{"error": "<e>"}`, and the run goes on: the model can try again or explain. The same holds
/// for arguments that are not JSON, a handler that runs past its [`timeout`](Tool::timeout),
/// and a call to a tool name the run does not have.
///
/// ```
/// use openrouter::agent::Tool;
/// use serde_json::json;
///
/// let weather = Tool::function(
///     "get_weather",
///     "The current weather in a city",
///     json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
///     |args| async move {
///         let city = args["city"].as_str().ok_or("no city")?;
///         Ok::<_, &str>(json!({"city": city, "temperature_c": 18}))
///     },
/// )
/// .strict(true);
/// # let _ = weather;
/// ```
#[derive(Clone)]
pub struct Tool {
    pub(crate) definition: ResponsesRequestToolsItemFunction,
    pub(crate) handler: Option<Handler>,
    pub(crate) require_approval: bool,
    pub(crate) approval_check: Option<ApprovalCheck>,
    pub(crate) timeout: Option<Duration>,
    /// Why the tool cannot be sent (parameters that are not a JSON object): `send` fails with it.
    pub(crate) invalid: Option<String>,
}

impl Tool {
    /// A tool the run calls by itself: `handler` gets the parsed arguments and returns the
    /// output, or an error whose text goes back to the model as the tool's error output.
    ///
    /// `parameters` is the JSON Schema of the arguments (a JSON object; anything else makes the
    /// run fail before it sends anything).
    pub fn function<F, Fut, E>(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: Value,
        handler: F,
    ) -> Tool
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, E>> + Send + 'static,
        E: fmt::Display,
    {
        let handler: Handler = Arc::new(move |args| {
            let fut = handler(args);
            Box::pin(async move { fut.await.map_err(|e| e.to_string()) })
        });
        Tool::new(name.into(), description.into(), parameters, Some(handler))
    }

    /// A tool the program answers itself: when the model calls it, the run stops with the call
    /// among [`AgentRun::pending_tool_calls`](super::AgentRun::pending_tool_calls) and the
    /// state [`AwaitingClientTools`](super::AgentStatus::AwaitingClientTools); the program
    /// continues it with `.resume(state).tool_result(call_id, output)`.
    pub fn manual(name: impl Into<String>, description: impl Into<String>, parameters: Value) -> Tool {
        Tool::new(name.into(), description.into(), parameters, None)
    }

    /// A tool whose arguments are a Rust type: the schema is derived with `schemars`, the
    /// arguments are decoded into `Args` (arguments that do not fit go back to the model as a
    /// tool error, naming the problem), and the handler's output is serialised.
    ///
    /// ```
    /// # #[cfg(feature = "schemars")] {
    /// use openrouter::agent::Tool;
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Weather {
    ///     /// The city, in English.
    ///     city: String,
    /// }
    ///
    /// let tool = Tool::typed::<Weather, _>("get_weather", "The current weather", |args: Weather| async move {
    ///     Ok::<_, std::io::Error>(format!("18 °C in {}", args.city))
    /// });
    /// # let _ = tool; }
    /// ```
    #[cfg(feature = "schemars")]
    #[cfg_attr(docsrs, doc(cfg(feature = "schemars")))]
    pub fn typed<Args, F>(name: impl Into<String>, description: impl Into<String>, handler: F) -> Tool
    where
        Args: schemars::JsonSchema + serde::de::DeserializeOwned + Send + 'static,
        F: TypedHandler<Args>,
    {
        let mut schema = serde_json::to_value(schemars::schema_for!(Args)).unwrap_or(Value::Null);
        if let Some(object) = schema.as_object_mut() {
            object.remove("$schema");
            object.remove("title");
        }
        let name = name.into();
        let handler = Arc::new(handler);
        let handler: Handler = Arc::new(move |args: Value| match serde_json::from_value::<Args>(args) {
            Ok(args) => handler.call(args),
            Err(e) => Box::pin(std::future::ready(Err(format!("the arguments do not fit the schema: {e}")))),
        });
        Tool::new(name, description.into(), schema, Some(handler))
    }

    fn new(name: String, description: String, parameters: Value, handler: Option<Handler>) -> Tool {
        let mut definition = ResponsesRequestToolsItemFunction::new(name);
        if !description.is_empty() {
            definition.description = Some(description);
        }
        let mut invalid = None;
        match parameters {
            Value::Object(map) => definition.parameters = Some(map),
            Value::Null => {}
            other => {
                let kind = match other {
                    Value::Array(_) => "an array",
                    Value::String(_) => "a string",
                    Value::Number(_) => "a number",
                    _ => "a boolean",
                };
                invalid = Some(format!(
                    "the parameters of tool `{}` are {kind}; they must be a JSON Schema object",
                    definition.name
                ));
            }
        }
        if definition.name.trim().is_empty() {
            invalid = Some("a tool has an empty name".into());
        }
        Tool { definition, handler, require_approval: false, approval_check: None, timeout: None, invalid }
    }

    /// Asks the program before each call (human in the loop): the run stops with the call
    /// pending and the state [`AwaitingApproval`](super::AgentStatus::AwaitingApproval); the
    /// program continues it with `.resume(state).approve(call_id)` (the handler runs then) or
    /// `.reject(call_id, reason)` (the model is told the call was rejected, and why).
    pub fn require_approval(mut self, require: bool) -> Tool {
        self.require_approval = require;
        self
    }

    /// Asks the program before the calls for which `check` holds, given the parsed arguments
    /// (a call whose arguments do not parse needs approval too); the others run at once.
    ///
    /// ```
    /// # use openrouter::agent::Tool;
    /// # use serde_json::json;
    /// let delete = Tool::manual("delete_file", "Deletes a file", json!({"type": "object"}))
    ///     .require_approval_when(|args| !args["path"].as_str().unwrap_or("").starts_with("/tmp/"));
    /// # let _ = delete;
    /// ```
    pub fn require_approval_when(mut self, check: impl Fn(&Value) -> bool + Send + Sync + 'static) -> Tool {
        self.approval_check = Some(Arc::new(check));
        self
    }

    /// Whether this call waits for the program's approval.
    pub(crate) fn needs_approval(&self, call: &ToolCall) -> bool {
        self.require_approval
            || self.approval_check.as_ref().is_some_and(|check| call.arguments_json().map_or(true, |args| check(&args)))
    }

    /// Asks the model to follow the schema exactly (`"strict": true` in the tool's definition).
    pub fn strict(mut self, strict: bool) -> Tool {
        self.definition.strict = Some(strict);
        self
    }

    /// The longest a call of this tool may run; past it the handler is dropped and the model
    /// gets an error output saying so. No limit by default.
    pub fn timeout(mut self, timeout: Duration) -> Tool {
        self.timeout = Some(timeout);
        self
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.definition.name
    }

    /// The definition sent to the model.
    pub fn definition(&self) -> &ResponsesRequestToolsItemFunction {
        &self.definition
    }

    /// Whether the program answers this tool itself ([`Tool::manual`]).
    pub fn is_manual(&self) -> bool {
        self.handler.is_none()
    }
}

impl fmt::Debug for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tool")
            .field("name", &self.definition.name)
            .field("manual", &self.handler.is_none())
            .field("require_approval", &self.require_approval)
            .field("approval_check", &self.approval_check.is_some())
            .field("strict", &self.definition.strict)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A handler of [`Tool::typed`]: an async closure `|args: Args| async move { … }` returning
/// `Result<T, E>` with `T: Serialize` and `E: Display`. Implemented for every such closure.
#[cfg(feature = "schemars")]
#[cfg_attr(docsrs, doc(cfg(feature = "schemars")))]
pub trait TypedHandler<Args>: Send + Sync + 'static {
    #[doc(hidden)]
    fn call(&self, args: Args) -> BoxFuture<Result<Value, String>>;
}

#[cfg(feature = "schemars")]
impl<Args, F, Fut, T, E> TypedHandler<Args> for F
where
    F: Fn(Args) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    T: Serialize,
    E: fmt::Display,
{
    fn call(&self, args: Args) -> BoxFuture<Result<Value, String>> {
        let fut = self(args);
        Box::pin(async move {
            let value = fut.await.map_err(|e| e.to_string())?;
            serde_json::to_value(value).map_err(|e| format!("the tool's output could not be serialised: {e}"))
        })
    }
}

/// A function call the model made: `call_id`, the tool's `name` and its `arguments` (JSON
/// text, as the model wrote it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub call_id: String,
    pub name: String,
    pub arguments: String,
}

impl ToolCall {
    /// The arguments parsed as JSON.
    pub fn arguments_json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(if self.arguments.trim().is_empty() { "{}" } else { &self.arguments })
    }
}

/// What went back to the model for one call: the output text sent, and `error` when it was an
/// error output (the handler failed, the tool does not exist, the arguments did not parse, the
/// call timed out or was rejected).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolResult {
    pub call_id: String,
    pub name: String,
    /// The text of the `function_call_output` item.
    pub output: String,
    /// The error's text when the output is an error output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ToolResult {
    pub(crate) fn ok(call: &ToolCall, value: Value) -> ToolResult {
        let output = match value {
            Value::String(text) => text,
            other => other.to_string(),
        };
        ToolResult { call_id: call.call_id.clone(), name: call.name.clone(), output, error: None }
    }

    pub(crate) fn error(call: &ToolCall, error: String) -> ToolResult {
        let output = serde_json::json!({ "error": error }).to_string();
        ToolResult { call_id: call.call_id.clone(), name: call.name.clone(), output, error: Some(error) }
    }

    /// Whether this is an error output.
    pub fn is_error(&self) -> bool {
        self.error.is_some()
    }
}

/// Runs one call of an auto tool: parses the arguments, calls the handler within the timeout.
pub(crate) fn execute(tool: &Tool, handler: &Handler, call: ToolCall) -> BoxFuture<ToolResult> {
    let handler = handler.clone();
    let timeout = tool.timeout;
    Box::pin(async move {
        let args = match call.arguments_json() {
            Ok(args) => args,
            Err(e) => {
                let error = format!("the arguments of `{}` are not valid JSON ({e}): {}", call.name, call.arguments);
                return ToolResult::error(&call, error);
            }
        };
        let fut = handler(args);
        let outcome = match timeout {
            Some(limit) => match tokio::time::timeout(limit, fut).await {
                Ok(outcome) => outcome,
                Err(_) => Err(format!("the tool `{}` did not answer within {} ms", call.name, limit.as_millis())),
            },
            None => fut.await,
        };
        match outcome {
            Ok(value) => ToolResult::ok(&call, value),
            Err(error) => ToolResult::error(&call, error),
        }
    })
}

/// Waits for every future, polling them together, and returns their outputs in the order given.
pub(crate) async fn join_in_order<T>(futures: Vec<BoxFuture<T>>) -> Vec<T> {
    let mut futures: Vec<Option<BoxFuture<T>>> = futures.into_iter().map(Some).collect();
    let mut outputs: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut pending = false;
        for (slot, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(outputs.iter_mut().filter_map(Option::take).collect())
        }
    })
    .await
}
