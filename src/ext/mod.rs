//! Hand-written helpers over the generated models, one file per group: the short forms of the
//! values users build most (messages, content parts, tools, response formats) and readers for
//! the answers (`text()`, `tool_calls()`, `output_text()`, `delta_text()`, …), compiled with
//! their group's feature. Most are inherent methods or trait impls on model types; the chat
//! stream's [`ChatAccumulator`](crate::ChatAccumulator) and [`collect_chat`](crate::collect_chat)
//! are re-exported at the crate root.

#[cfg(feature = "chat")]
pub(crate) mod chat;
#[cfg(feature = "embeddings")]
mod embeddings;
pub(crate) mod funcs;
#[cfg(feature = "oauth")]
pub(crate) mod oauth;
#[cfg(feature = "responses")]
mod responses;
