//! Embeddings helpers: the vector of each result item. (`CreateEmbeddingsRequestBody::new(input,
//! model)` needs nothing here: the input converts from `&str`, `String`, `Vec<&str>` and
//! `Vec<String>`.)

use crate::models::{CreateEmbeddingsResponseDataItem, CreateEmbeddingsResponseDataItemEmbedding};

impl CreateEmbeddingsResponseDataItem {
    /// The embedding as numbers; `None` when it came base64-encoded
    /// (`encoding_format: "base64"`) or in a shape this SDK does not know.
    ///
    /// ```no_run
    /// use openrouter::models::CreateEmbeddingsRequestBody;
    ///
    /// # async fn run(core: openrouter::OpenRouterCore) -> Result<(), openrouter::Error> {
    /// let body = CreateEmbeddingsRequestBody::new(vec!["first text", "second text"], "openai/text-embedding-3-small");
    /// let response = openrouter::funcs::embeddings_generate(&core, body).await?;
    /// for item in &response.data {
    ///     println!("{:?}", item.vector().map(<[f64]>::len));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn vector(&self) -> Option<&[f64]> {
        match &self.embedding {
            CreateEmbeddingsResponseDataItemEmbedding::Numbers(numbers) => Some(numbers),
            _ => None,
        }
    }
}
