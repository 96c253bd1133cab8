//! Hand-written helpers over the generated models, one file per group.

pub(crate) mod funcs;
#[cfg(feature = "oauth")]
pub(crate) mod oauth;
