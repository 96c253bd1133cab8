//! Hand-written functions re-exported from [`funcs`](crate::funcs) beside the generated ones.

#[cfg(feature = "oauth")]
pub use super::oauth::{
    oauth_create_authorization_url, oauth_create_sha256_code_challenge, AuthorizationUrlRequest, CodeChallenge,
};
