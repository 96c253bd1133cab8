//! OAuth PKCE ([RFC 7636](https://www.rfc-editor.org/rfc/rfc7636)): the code challenge and the
//! authorization URL a user is sent to. The user comes back to the callback URL with a `code`;
//! [`oauth_exchange_auth_code_for_api_key`](crate::funcs::oauth_exchange_auth_code_for_api_key)
//! with that code and the verifier completes the flow with an API key.

use std::fmt;

use crate::models::CreateAuthKeysCodeRequestBodyCodeChallengeMethod as CodeChallengeMethod;
use crate::{Error, OpenRouterCore};

/// A PKCE pair: the challenge goes into the authorization URL, the verifier stays with the
/// program until it exchanges the code for a key. `Debug` does not show the verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeChallenge {
    /// `BASE64URL(SHA-256(code_verifier))`, without padding (the `S256` method).
    pub code_challenge: String,
    /// The secret the challenge was made from: 43–128 characters of `A–Z a–z 0–9 - . _ ~`.
    pub code_verifier: String,
}

impl fmt::Debug for CodeChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeChallenge")
            .field("code_challenge", &self.code_challenge)
            .field("code_verifier", &"<redacted>")
            .finish()
    }
}

/// Makes a SHA-256 (`S256`) code challenge from `verifier`, or from a new verifier of 32 random
/// bytes (43 characters) when `None`.
///
/// A given verifier must be 43 to 128 characters of `A–Z a–z 0–9 - . _ ~`, as RFC 7636 says;
/// anything else is an [`is_invalid_request`](Error::is_invalid_request) error.
///
/// ```
/// use openrouter::funcs::oauth_create_sha256_code_challenge;
/// // RFC 7636, appendix B
/// let pair = oauth_create_sha256_code_challenge(Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))?;
/// assert_eq!(pair.code_challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
/// # Ok::<(), openrouter::Error>(())
/// ```
pub fn oauth_create_sha256_code_challenge(verifier: Option<&str>) -> Result<CodeChallenge, Error> {
    let code_verifier = match verifier {
        Some(v) => {
            check_verifier(v)?;
            v.to_owned()
        }
        None => {
            let mut bytes = [0u8; 32];
            ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
                .map_err(|_| Error::invalid_request("the system's random number generator failed"))?;
            base64url(&bytes)
        }
    };
    let digest = ring::digest::digest(&ring::digest::SHA256, code_verifier.as_bytes());
    Ok(CodeChallenge { code_challenge: base64url(digest.as_ref()), code_verifier })
}

fn check_verifier(v: &str) -> Result<(), Error> {
    if !(43..=128).contains(&v.len()) {
        return Err(Error::invalid_request(format!(
            "a PKCE code verifier has 43 to 128 characters (RFC 7636); this one has {}",
            v.chars().count()
        )));
    }
    if let Some(c) = v.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))) {
        return Err(Error::invalid_request(format!(
            "a PKCE code verifier has only the characters A-Z a-z 0-9 - . _ ~ (RFC 7636); found {c:?}"
        )));
    }
    Ok(())
}

/// Base64url without padding (RFC 4648, section 5).
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Inputs of [`oauth_create_authorization_url`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuthorizationUrlRequest {
    /// Where OpenRouter sends the user back, with `?code=…`: an `http://` or `https://` URL.
    pub callback_url: String,
    /// The PKCE code challenge (recommended): [`CodeChallenge::code_challenge`].
    pub code_challenge: Option<String>,
    /// How the challenge was made; `S256` when a challenge is given and this is not.
    pub code_challenge_method: Option<CodeChallengeMethod>,
    /// A credit limit for the key that the flow creates.
    pub limit: Option<f64>,
}

impl AuthorizationUrlRequest {
    /// A request with the callback URL; set the others with the setters.
    pub fn new(callback_url: impl Into<String>) -> Self {
        AuthorizationUrlRequest { callback_url: callback_url.into(), ..Default::default() }
    }

    /// The PKCE code challenge.
    pub fn code_challenge(mut self, value: impl Into<String>) -> Self {
        self.code_challenge = Some(value.into());
        self
    }

    /// How the challenge was made (`S256` by default).
    pub fn code_challenge_method(mut self, value: impl Into<CodeChallengeMethod>) -> Self {
        self.code_challenge_method = Some(value.into());
        self
    }

    /// A credit limit for the key that the flow creates.
    pub fn limit(mut self, value: f64) -> Self {
        self.limit = Some(value);
        self
    }
}

impl From<&CodeChallenge> for AuthorizationUrlRequest {
    /// Not a complete request: set [`callback_url`](AuthorizationUrlRequest::callback_url).
    fn from(pair: &CodeChallenge) -> Self {
        AuthorizationUrlRequest { code_challenge: Some(pair.code_challenge.clone()), ..Default::default() }
    }
}

/// The URL to send a user to, to authorise the program: `<origin>/auth?callback_url=…`, with
/// `code_challenge` and `code_challenge_method` when a challenge is given, and `limit`.
///
/// The origin is the core's base URL without its path (`https://openrouter.ai` for the default
/// `https://openrouter.ai/api/v1`). Nothing is sent.
///
/// ```
/// use openrouter::funcs::{oauth_create_authorization_url, oauth_create_sha256_code_challenge};
/// use openrouter::funcs::AuthorizationUrlRequest;
/// # let core = openrouter::OpenRouterCore::builder().build()?;
/// let pair = oauth_create_sha256_code_challenge(None)?;
/// let request = AuthorizationUrlRequest::new("https://myapp.example/callback").code_challenge(&pair.code_challenge);
/// let url = oauth_create_authorization_url(&core, request)?;
/// assert!(url.starts_with("https://openrouter.ai/auth?callback_url=https%3A%2F%2Fmyapp.example%2Fcallback&code_challenge="));
/// # Ok::<(), openrouter::Error>(())
/// ```
pub fn oauth_create_authorization_url(
    core: &OpenRouterCore,
    request: impl Into<AuthorizationUrlRequest>,
) -> Result<String, Error> {
    let request = request.into();
    let callback = request.callback_url.trim();
    let valid = callback
        .parse::<http::Uri>()
        .ok()
        .is_some_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some_and(|h| !h.is_empty()));
    if !valid {
        return Err(Error::invalid_request(format!(
            "the callback URL must be an absolute http:// or https:// URL; got {:?}",
            request.callback_url
        )));
    }
    let mut url = format!("{}/auth?callback_url=", core.origin());
    crate::core::encode_component(&mut url, callback);
    match (&request.code_challenge, &request.code_challenge_method) {
        (Some(challenge), method) => {
            if challenge.is_empty() {
                return Err(Error::invalid_request("the code challenge is empty"));
            }
            url.push_str("&code_challenge=");
            crate::core::encode_component(&mut url, challenge);
            url.push_str("&code_challenge_method=");
            crate::core::encode_component(&mut url, method.as_ref().map_or("S256", |m| m.as_str()));
        }
        (None, Some(_)) => {
            return Err(Error::invalid_request("a code challenge method is set without a code challenge"));
        }
        (None, None) => {}
    }
    if let Some(limit) = request.limit {
        if !limit.is_finite() || limit < 0.0 {
            return Err(Error::invalid_request(format!("the limit must be a finite number >= 0; got {limit}")));
        }
        url.push_str("&limit=");
        url.push_str(&limit.to_string());
    }
    Ok(url)
}
