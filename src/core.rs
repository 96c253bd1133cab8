//! [`OpenRouterCore`]: the transport every operation function is given, and the one send path.
//!
//! The generated functions describe a request as a plain `HttpRequest` (no generics) and hand
//! it to the core's one send path; only the final decode is generic. Read in the order a call
//! takes:
//!
//! - `request`: the plain request and response descriptions and their encoding;
//! - `send`: send, attempts, retries (`body` reads and limits bodies, `conn` counts the bytes
//!   each connection read, `retry` is the policy);
//! - `config`: the core, its builder and the per-call options, one definition of each setting
//!   and their resolution;
//! - `hooks`: the program's own code at each step of a call (linked only when registered).
//!
//! Event streams start beside [`EventStream`](crate::EventStream), in [`crate::stream`].

mod body;
mod config;
mod conn;
mod hooks;
mod operations;
#[cfg(feature = "proxy")]
mod proxy;
mod request;
mod retry;
mod send;
#[cfg(feature = "tracing")]
mod trace;

pub(crate) use body::Multipart;
pub use body::{FileUpload, RawResponse};
pub use config::{
    OpenRouterCore, OpenRouterCoreBuilder, RequestOptions, DEFAULT_BASE_URL, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_BODY_SIZE,
};
#[cfg(feature = "tracing")]
pub(crate) use hooks::operation_id;
pub use hooks::{Hook, HookError, HookRequest, HookResponse, HookRetry, RetryReason};
#[cfg(fuzzing)]
pub(crate) use request::HttpResponse;
pub(crate) use request::SuccessBody;
pub(crate) use request::{encode_component, encode_path_segment, HttpRequest};
pub use retry::RetryConfig;
#[cfg(feature = "tracing")]
pub(crate) use trace::stream_end;
