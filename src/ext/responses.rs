//! Responses helpers: the answer's text and function calls, and the stream's text deltas.
//! (`ResponsesRequest::new().input("text")` needs nothing here: `Inputs` converts from `&str`.)

use crate::models::{OpenResponsesResult, OutputFunctionCallItem, OutputItems, OutputMessageContentItem, StreamEvents};

impl OpenResponsesResult {
    /// The answer's text: the `output_text` parts of its message items, joined with no
    /// separator (reasoning and refusals are not included). Computed from `output`, so it does
    /// not depend on the wire's optional `output_text` field.
    ///
    /// ```no_run
    /// use openrouter::models::ResponsesRequest;
    ///
    /// # async fn run(core: openrouter::OpenRouterCore) -> Result<(), openrouter::Error> {
    /// let request = ResponsesRequest::new().model("openai/gpt-4o-mini").input("Say hello.");
    /// let result = openrouter::funcs::responses_send(&core, request).await?;
    /// println!("{}", result.output_text());
    /// # Ok(()) }
    /// ```
    pub fn output_text(&self) -> String {
        let mut text = String::new();
        for item in &self.output {
            if let OutputItems::Message(message) = item {
                for part in &message.content {
                    if let OutputMessageContentItem::OutputText(part) = part {
                        text.push_str(&part.text);
                    }
                }
            }
        }
        text
    }

    /// The function calls the model asked for, in order: each has `call_id`, `name` and
    /// `arguments` (a JSON string).
    ///
    /// ```
    /// fn show(result: &openrouter::models::OpenResponsesResult) {
    ///     for call in result.function_calls() {
    ///         println!("{} {}({})", call.call_id, call.name, call.arguments);
    ///     }
    /// }
    /// ```
    pub fn function_calls(&self) -> impl Iterator<Item = &OutputFunctionCallItem> {
        self.output.iter().filter_map(|item| match item {
            OutputItems::FunctionCall(call) => Some(call),
            _ => None,
        })
    }
}

impl StreamEvents {
    /// The text a `response.output_text.delta` event adds; `None` for every other event (the
    /// `.done` event repeats the whole text, so printing the deltas prints it once).
    ///
    /// ```no_run
    /// use openrouter::models::ResponsesRequest;
    ///
    /// # async fn run(core: openrouter::OpenRouterCore) -> Result<(), openrouter::Error> {
    /// let request = ResponsesRequest::new().model("openai/gpt-4o-mini").input("Tell me a story.");
    /// let mut stream = openrouter::funcs::responses_send_stream(&core, request).await?;
    /// while let Some(event) = stream.next_event().await {
    ///     print!("{}", event?.text_delta().unwrap_or(""));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn text_delta(&self) -> Option<&str> {
        match self {
            StreamEvents::ResponseOutputTextDelta(event) => Some(&event.delta),
            _ => None,
        }
    }
}
