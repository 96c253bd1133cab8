//! OAuth PKCE end to end: a code challenge, the authorization URL the user is sent to, and the
//! exchange of the code OpenRouter sends back for the user's API key.
//!
//! The exchange needs a code from a real user's browser, so this example plays OpenRouter's
//! part with `openrouter::mock::MockServer`: its answer to `POST /auth/keys` checks that the
//! `code_verifier` sent is the one the challenge in the URL was made from, as OpenRouter does.
//! With the real API, serve `callback_url`, send the user to the URL, and exchange the `code`
//! query parameter of the request that comes back, with the same verifier.

use openrouter::funcs::{
    oauth_create_authorization_url, oauth_create_sha256_code_challenge, oauth_exchange_auth_code_for_api_key,
    AuthorizationUrlRequest,
};
use openrouter::mock::{MockResponse, MockServer};
use openrouter::models::ExchangeAuthCodeForAPIKeyRequestBody;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. A fresh verifier and its S256 challenge; the verifier stays with the program.
    let pair = oauth_create_sha256_code_challenge(None)?;

    // OpenRouter's part, scripted: a code for that challenge, and a key for the code and the
    // verifier the challenge was made from.
    let server = MockServer::start().await?;
    let challenge = pair.code_challenge.clone();
    server.on("oauth_exchange_auth_code_for_api_key")?.respond_with(move |request| {
        let body = request.json().unwrap_or_default();
        let verifier = body["code_verifier"].as_str().unwrap_or_default();
        let matches = oauth_create_sha256_code_challenge(Some(verifier)).is_ok_and(|p| p.code_challenge == challenge);
        if body["code"] != "code-from-the-callback" || body["code_challenge_method"] != "S256" || !matches {
            return MockResponse::error(403, "Invalid code or code_verifier");
        }
        MockResponse::json(
            200,
            json!({"key": "sk-or-v1-0123456789abcdef-users-own-key", "user_id": "user_2yOPcMpKoQhcd4bVgSMlELRaIah"}),
        )
    });
    let core = server.core();

    // 2. The URL to send the user to (on the core's origin: https://openrouter.ai by default).
    let request = AuthorizationUrlRequest::new("http://localhost:3000/callback").code_challenge(&pair.code_challenge);
    println!("send the user to:\n  {}\n", oauth_create_authorization_url(&core, request)?);

    // 3. The user comes back to http://localhost:3000/callback?code=...; exchange the code.
    let body = ExchangeAuthCodeForAPIKeyRequestBody::new("code-from-the-callback")
        .code_verifier(&pair.code_verifier)
        .code_challenge_method("S256");
    let answer = oauth_exchange_auth_code_for_api_key(&core, body).await?;
    let shown: String = answer.key.chars().take(12).collect(); // a key is a secret: never print it whole
    println!("the user's key: {shown}… (user {})", answer.user_id.as_deref().unwrap_or("-"));

    // Another verifier does not get the key.
    let other = oauth_create_sha256_code_challenge(None)?;
    let body = ExchangeAuthCodeForAPIKeyRequestBody::new("code-from-the-callback")
        .code_verifier(&other.code_verifier)
        .code_challenge_method("S256");
    match oauth_exchange_auth_code_for_api_key(&core, body).await {
        Ok(_) => Err("another verifier got a key: the check is broken".into()),
        Err(e) => {
            println!("with another verifier: {e}");
            Ok(())
        }
    }
}
