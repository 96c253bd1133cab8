//! Hand-written helpers over the generated models: the short forms of the values users build
//! most (messages, content parts, tools, response formats, inputs) and readers for the answers
//! (`text()`, `tool_calls()`, `output_text()`, `delta_text()`, …). One file per API group,
//! compiled with its group's feature. Everything here is an inherent method or a trait impl on a
//! model type, except the chat stream's [`ChatAccumulator`](crate::ChatAccumulator) and
//! [`collect_chat`](crate::collect_chat), re-exported at the crate root.

#[cfg(feature = "chat")]
pub(crate) mod chat;
#[cfg(feature = "embeddings")]
mod embeddings;
#[cfg(feature = "responses")]
mod responses;
