//! Models (hand-written seed; the generator replaces this module).

use serde::{Deserialize, Serialize};

/// Tri-state fields: absent (`None`), `null` (`Some(None)`), or a value.
mod nullable {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

macro_rules! open_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $value:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $variant,)*
            /// A value this version of the SDK does not know.
            Unknown(String),
        }

        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok(Self::from(&*s))
            }
        }
    };
}

/// Input of [`generations_get_generation`](crate::funcs::generations_get_generation).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GetGenerationRequest {
    /// The generation ID (not empty).
    pub id: String,
}

impl GetGenerationRequest {
    /// A request for the generation `id`.
    pub fn new(id: impl Into<String>) -> Self {
        GetGenerationRequest { id: id.into() }
    }
}

/// Generation response
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationResponse {
    /// Generation data
    pub data: GenerationResponseData,
    /// Fields this version of the SDK does not know, kept as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Generation data
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationResponseData {
    /// Type of API used for the generation
    pub api_type: Option<GenerationResponseDataApiType>,
    /// ID of the app that made the request
    pub app_id: Option<i64>,
    /// Discount applied due to caching
    pub cache_discount: Option<f64>,
    /// Whether the generation was cancelled
    pub cancelled: Option<bool>,
    /// ISO 8601 timestamp of when the generation was created
    pub created_at: String,
    /// The data region this generation was routed through: 'global', 'europe', or 'us'.
    pub data_region: GenerationResponseDataDataRegion,
    /// External user identifier
    pub external_user: Option<String>,
    /// Reason the generation finished
    pub finish_reason: Option<String>,
    /// Time taken for generation in milliseconds
    pub generation_time: Option<f64>,
    /// Referer header from the request
    pub http_referer: Option<String>,
    /// Unique identifier for the generation
    pub id: String,
    /// Whether this used bring-your-own-key
    pub is_byok: bool,
    /// Total latency in milliseconds
    pub latency: Option<f64>,
    /// Model used for the generation
    pub model: String,
    /// Moderation latency in milliseconds
    pub moderation_latency: Option<f64>,
    /// Native finish reason as reported by provider
    pub native_finish_reason: Option<String>,
    /// Native cached tokens as reported by provider
    pub native_tokens_cached: Option<i64>,
    /// Native completion tokens as reported by provider
    pub native_tokens_completion: Option<i64>,
    /// Native completion image tokens as reported by provider
    pub native_tokens_completion_images: Option<i64>,
    /// Native prompt tokens as reported by provider
    pub native_tokens_prompt: Option<i64>,
    /// Native reasoning tokens as reported by provider
    pub native_tokens_reasoning: Option<i64>,
    /// Number of web fetches performed
    pub num_fetches: Option<i64>,
    /// Number of audio inputs in the prompt
    pub num_input_audio_prompt: Option<i64>,
    /// Number of media items in the completion
    pub num_media_completion: Option<i64>,
    /// Number of media items in the prompt
    pub num_media_prompt: Option<i64>,
    /// Number of search results included
    pub num_search_results: Option<i64>,
    /// Origin URL of the request
    pub origin: String,
    /// ID of the preset used for this generation, null if no preset was used
    pub preset_id: Option<String>,
    /// Name of the provider that served the request
    pub provider_name: Option<String>,
    /// List of provider responses for this generation, including fallback attempts
    pub provider_responses: Option<Vec<serde_json::Value>>,
    /// Unique identifier grouping all generations from a single API request
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub request_id: Option<Option<String>>,
    /// If this generation was served from response cache, contains the original generation ID. Null otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub response_cache_source_id: Option<Option<String>>,
    /// Router used for the request (e.g., openrouter/auto)
    pub router: Option<String>,
    /// Service tier the upstream provider reported running this request on, or null if it did not report one.
    pub service_tier: Option<String>,
    /// Session identifier grouping multiple generations in the same session
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub session_id: Option<Option<String>>,
    /// Whether the response was streamed
    pub streamed: Option<bool>,
    /// Number of tokens in the completion
    pub tokens_completion: Option<i64>,
    /// Number of tokens in the prompt
    pub tokens_prompt: Option<i64>,
    /// Total cost of the generation in USD
    pub total_cost: f64,
    /// Upstream provider's identifier for this generation
    pub upstream_id: Option<String>,
    /// Cost charged by the upstream provider
    pub upstream_inference_cost: Option<f64>,
    /// Usage amount in USD
    pub usage: f64,
    /// User-Agent header from the request
    pub user_agent: Option<String>,
    /// The resolved web search engine used for this generation (e.g. exa, firecrawl, parallel)
    pub web_search_engine: Option<String>,
    /// ID of the workspace this generation is attributed to. Null for accounts without workspaces. Generations created before workspace resolution existed are attributed to the account default workspace.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub workspace_id: Option<Option<String>>,
    /// Fields this version of the SDK does not know, kept as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

open_enum! {
    /// Type of API used for the generation
    GenerationResponseDataApiType {
        Completions = "completions",
        Embeddings = "embeddings",
        Rerank = "rerank",
        Tts = "tts",
        Stt = "stt",
        Video = "video",
        Image = "image",
    }
}

open_enum! {
    /// The data region this generation was routed through.
    GenerationResponseDataDataRegion {
        Global = "global",
        Europe = "europe",
        Us = "us",
    }
}
