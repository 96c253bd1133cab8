//! OAuth PKCE: the S256 code challenge (RFC 7636's own example), the verifier rules, and the
//! authorization URL on the base URL's origin.

use openrouter::funcs::{oauth_create_authorization_url, oauth_create_sha256_code_challenge, AuthorizationUrlRequest};
use openrouter::models::CreateAuthKeysCodeRequestBodyCodeChallengeMethod as CodeChallengeMethod;
use openrouter::{OpenRouter, OpenRouterCore, RequestOptions};

#[test]
fn rfc_7636_appendix_b() {
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let pair = oauth_create_sha256_code_challenge(Some(verifier)).unwrap();
    assert_eq!(pair.code_challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    assert_eq!(pair.code_verifier, verifier);
    let debug = format!("{pair:?}");
    assert!(!debug.contains(verifier), "the verifier is a secret: {debug}");
    assert!(debug.contains("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"), "{debug}");
}

#[test]
fn a_new_verifier_is_43_unreserved_characters_and_fresh_each_time() {
    let a = oauth_create_sha256_code_challenge(None).unwrap();
    let b = oauth_create_sha256_code_challenge(None).unwrap();
    for pair in [&a, &b] {
        assert_eq!(pair.code_verifier.len(), 43, "{}", pair.code_verifier);
        assert!(pair.code_verifier.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        // the challenge is the one its verifier gives
        let again = oauth_create_sha256_code_challenge(Some(&pair.code_verifier)).unwrap();
        assert_eq!(again.code_challenge, pair.code_challenge);
        assert_eq!(pair.code_challenge.len(), 43, "32 bytes of SHA-256, base64url without padding");
    }
    assert_ne!(a.code_verifier, b.code_verifier);
}

#[test]
fn verifiers_outside_rfc_7636_are_refused_with_the_reason() {
    let ok43 = "a".repeat(43);
    let ok128 = "~._-".repeat(32);
    assert!(oauth_create_sha256_code_challenge(Some(&ok43)).is_ok());
    assert!(oauth_create_sha256_code_challenge(Some(&ok128)).is_ok());
    for (verifier, needle) in [
        ("a".repeat(42), "43 to 128"),
        ("a".repeat(129), "43 to 128"),
        (String::new(), "43 to 128"),
        (format!("{}+", "a".repeat(42)), "'+'"),
        (format!("{}/", "a".repeat(50)), "'/'"),
        (format!("{} ", "a".repeat(50)), "' '"),
        (format!("{}é", "a".repeat(50)), "'é'"),
    ] {
        let err = oauth_create_sha256_code_challenge(Some(&verifier)).unwrap_err();
        assert!(err.is_invalid_request(), "{err:?}");
        assert!(err.to_string().contains(needle), "{verifier:?}: {err}");
    }
}

fn core(base: &str) -> OpenRouterCore {
    OpenRouterCore::builder().base_url(base).allow_insecure_http(true).build().unwrap()
}

#[test]
fn the_authorization_url_is_on_the_origin_with_every_parameter_encoded() {
    let core = core("https://openrouter.ai/api/v1");
    let pair = oauth_create_sha256_code_challenge(Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).unwrap();
    let request = AuthorizationUrlRequest::new("https://app.example/cb?next=/home&x=1")
        .code_challenge(&pair.code_challenge)
        .limit(10.0);
    assert_eq!(
        oauth_create_authorization_url(&core, request).unwrap(),
        "https://openrouter.ai/auth?callback_url=https%3A%2F%2Fapp.example%2Fcb%3Fnext%3D%2Fhome%26x%3D1\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&limit=10"
    );
    // just the callback
    let url = oauth_create_authorization_url(&core, AuthorizationUrlRequest::new("http://localhost:3000")).unwrap();
    assert_eq!(url, "https://openrouter.ai/auth?callback_url=http%3A%2F%2Flocalhost%3A3000");
    // plain, a fractional limit
    let request = AuthorizationUrlRequest::new("https://a.example/")
        .code_challenge("verifier-as-is")
        .code_challenge_method(CodeChallengeMethod::Plain)
        .limit(2.5);
    let url = oauth_create_authorization_url(&core, request).unwrap();
    assert!(url.ends_with("&code_challenge=verifier-as-is&code_challenge_method=plain&limit=2.5"), "{url}");
}

#[test]
fn the_origin_follows_the_base_url_in_effect() {
    let gateway = core("http://127.0.0.1:8080/gateway/openrouter/api/v1");
    let url = oauth_create_authorization_url(&gateway, AuthorizationUrlRequest::new("https://a.example/cb")).unwrap();
    assert!(url.starts_with("http://127.0.0.1:8080/auth?"), "{url}");
    let other = gateway.with_options(RequestOptions::new().base_url("https://eu.example.com/api/v1"));
    let url = oauth_create_authorization_url(&other, AuthorizationUrlRequest::new("https://a.example/cb")).unwrap();
    assert!(url.starts_with("https://eu.example.com/auth?"), "{url}");
    // and through the client object
    let client = OpenRouter::from(gateway);
    let pair = client.oauth().create_sha256_code_challenge(None).unwrap();
    let url = client
        .oauth()
        .create_authorization_url(
            AuthorizationUrlRequest::new("https://a.example/cb").code_challenge(&pair.code_challenge),
        )
        .unwrap();
    assert!(url.contains(&format!("&code_challenge={}&code_challenge_method=S256", pair.code_challenge)), "{url}");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let core = core("https://openrouter.ai/api/v1");
    for callback in ["", "   ", "not a url", "/relative/path", "ftp://files.example/x", "https://"] {
        let err = oauth_create_authorization_url(&core, AuthorizationUrlRequest::new(callback)).unwrap_err();
        assert!(err.is_invalid_request(), "{callback:?}: {err:?}");
        assert!(err.to_string().contains("callback URL"), "{callback:?}: {err}");
    }
    let cb = || AuthorizationUrlRequest::new("https://a.example/cb");
    for (request, needle) in [
        (cb().code_challenge_method(CodeChallengeMethod::S256), "without a code challenge"),
        (cb().code_challenge(""), "empty"),
        (cb().limit(f64::NAN), "limit"),
        (cb().limit(-1.0), "limit"),
        (cb().limit(f64::INFINITY), "limit"),
    ] {
        let err = oauth_create_authorization_url(&core, request).unwrap_err();
        assert!(err.is_invalid_request() && err.to_string().contains(needle), "{err}");
    }
}
