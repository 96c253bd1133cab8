use crate::core::HttpRequest;
use crate::models::{GenerationResponse, GetGenerationRequest};
use crate::{Error, OpenRouterCore};

/// Get request & usage metadata for a generation
///
/// `GET /generation`
pub async fn generations_get_generation(
    core: &OpenRouterCore,
    request: GetGenerationRequest,
) -> Result<GenerationResponse, Error> {
    let http = encode_get_generation(request)?;
    core.send(http).await?.json()
}

fn encode_get_generation(request: GetGenerationRequest) -> Result<HttpRequest, Error> {
    if request.id.is_empty() {
        return Err(Error::invalid_request("`id` must not be empty (minLength 1)"));
    }
    let mut http = HttpRequest::new(http::Method::GET, "/generation".to_owned(), "application/json");
    http.query("id", &request.id);
    Ok(http)
}
