//! # openrouter
//!
//! A Rust SDK for the whole [OpenRouter](https://openrouter.ai) HTTP API, built
//! like the official TypeScript SDK's standalone functions: a small
//! [`OpenRouterCore`] transport is created once and passed into free async
//! functions, one per operation (all 145 of the OpenRouter API spec of 2026-10-30), in
//! [`funcs`]. Each returns
//! `Result<Value, Error>`; the request and response types live in [`models`].
//!
//! ```no_run
//! use openrouter::{funcs::generations_get_generation, models::GetGenerationRequest, OpenRouterCore};
//!
//! # async fn run() -> Result<(), openrouter::Error> {
//! let core = OpenRouterCore::from_env()?; // OPENROUTER_API_KEY, …
//! match generations_get_generation(&core, GetGenerationRequest::new("gen-123")).await {
//!     Ok(generation) => println!("cost: {:?}", generation.data.total_cost),
//!     Err(error) if error.status() == Some(404) => println!("no such generation"),
//!     Err(error) => return Err(error),
//! }
//! # Ok(()) }
//! ```
//!
//! Only what a program calls ends up in its binary; Cargo features per API
//! group (`chat`, `generations`, `models`, …, all on by default) cut build time
//! further. The feature `mock` (off by default) adds `openrouter::mock::MockServer`, a local
//! mock of the whole API for your tests: the spec's example answers, scripted answers, and the
//! requests it received.
#![forbid(unsafe_code)]
// docs.rs (`--cfg docsrs`): each item shows the feature that enables it.
#![cfg_attr(docsrs, feature(doc_cfg))]
// With only some API groups enabled, parts of the shared transport have no caller;
// the full build (every group) keeps the dead-code check.
#![cfg_attr(
    not(all(
        feature = "analytics",
        feature = "api_keys",
        feature = "benchmarks",
        feature = "byok",
        feature = "chat",
        feature = "classifications",
        feature = "credits",
        feature = "datasets",
        feature = "embeddings",
        feature = "endpoints",
        feature = "files",
        feature = "generations",
        feature = "guardrails",
        feature = "images",
        feature = "messages",
        feature = "models",
        feature = "oauth",
        feature = "observability",
        feature = "organization",
        feature = "presets",
        feature = "providers",
        feature = "rerank",
        feature = "responses",
        feature = "scim",
        feature = "stt",
        feature = "tts",
        feature = "video_generation",
        feature = "workspaces"
    )),
    allow(dead_code, unused_imports)
)]
#![warn(missing_debug_implementations)]

#[cfg(feature = "agent")]
#[cfg_attr(docsrs, doc(cfg(feature = "agent")))]
pub mod agent;
pub mod client;
pub mod core;
mod errors;
mod ext;
pub mod funcs;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
mod headers;
mod json;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;
pub mod models;
mod pagination;
mod sse;
pub mod stream;

pub use crate::client::OpenRouter;
pub use crate::core::{FileUpload, OpenRouterCore, OpenRouterCoreBuilder, RawResponse, RequestOptions, RetryConfig};
pub use crate::errors::{ApiError, Error};
#[cfg(feature = "chat")]
pub use crate::ext::chat::{collect_chat, ChatAccumulator};
pub use crate::pagination::Pages;
pub use crate::stream::EventStream;

/// The README's examples, compiled as doctests so they cannot drift.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
