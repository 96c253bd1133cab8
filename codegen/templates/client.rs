//! The client object: [`OpenRouter`], with one accessor per API group and one method per
//! operation, over the free functions of [`funcs`](crate::funcs).
//!
//! `client.generations().get_generation(..)` and
//! `funcs::generations_get_generation(client.core(), ..)` are the same call: each method hands
//! its arguments to the free function and returns that function's future, so the client costs
//! a program nothing beside the functions it calls.

#![allow(unused_imports)]

use std::future::Future;

use crate::models::*;
use crate::{Error, OpenRouterCore, OpenRouterCoreBuilder};

/// The OpenRouter API client: `client.<group>().<operation>(..)`.
///
/// A thin handle over an [`OpenRouterCore`] (the connection pool and settings): cheap to clone
/// (the clones share the pool), `Send + Sync`, and its `Debug` never shows the API key.
///
/// ```no_run
/// # async fn run() -> Result<(), openrouter::Error> {
/// let client = openrouter::OpenRouter::from_env()?;
/// let request = openrouter::models::GetGenerationRequest::new("gen-123");
/// let generation = client.generations().get_generation(request).await?;
/// println!("{} cost ${}", generation.data.model, generation.data.total_cost);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct OpenRouter {
    core: OpenRouterCore,
}

impl OpenRouter {
    /// A client configured from the environment, as [`OpenRouterCore::from_env`] is:
    /// `OPENROUTER_API_KEY` (required), `OPENROUTER_BASE_URL`, `OPENROUTER_HTTP_REFERER`,
    /// `OPENROUTER_APP_TITLE`, `OPENROUTER_APP_CATEGORIES`.
    pub fn from_env() -> Result<Self, Error> {
        OpenRouterCore::from_env().map(Self::from)
    }

    /// A builder with the settings of [`OpenRouterCore::builder`] (key, base URL, timeouts,
    /// retries, app headers, …) whose `build()` makes a client.
    ///
    /// ```
    /// let client = openrouter::OpenRouter::builder().api_key("sk-or-…").app_title("My app").build()?;
    /// # let _ = client;
    /// # Ok::<(), openrouter::Error>(())
    /// ```
    pub fn builder() -> OpenRouterCoreBuilder<OpenRouter> {
        OpenRouterCoreBuilder::default()
    }

    /// The transport under this client, for the free functions of [`funcs`](crate::funcs).
    pub fn core(&self) -> &OpenRouterCore {
        &self.core
    }
}

impl From<OpenRouterCore> for OpenRouter {
    fn from(core: OpenRouterCore) -> Self {
        OpenRouter { core }
    }
}
