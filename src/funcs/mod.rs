//! One async function per API operation, grouped by API area.

#[cfg(feature = "generations")]
mod generations;
#[cfg(feature = "generations")]
pub use generations::*;
