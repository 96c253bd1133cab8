// The hand-written OAuth PKCE functions (in `src/ext/oauth.rs`) beside the generated methods of
// the group (added to client.rs when the spec has an `oauth` group); here, so that `ext` does not
// depend on the client (the client calls `funcs`, which re-exports `ext`'s functions).
#[cfg(feature = "oauth")]
impl<'a> Oauth<'a> {
    /// A SHA-256 code challenge; see
    /// [`oauth_create_sha256_code_challenge`](crate::funcs::oauth_create_sha256_code_challenge).
    pub fn create_sha256_code_challenge(&self, verifier: Option<&str>) -> Result<crate::funcs::CodeChallenge, Error> {
        crate::funcs::oauth_create_sha256_code_challenge(verifier)
    }

    /// The authorization URL; see
    /// [`oauth_create_authorization_url`](crate::funcs::oauth_create_authorization_url).
    pub fn create_authorization_url(
        &self,
        request: impl Into<crate::funcs::AuthorizationUrlRequest>,
    ) -> Result<String, Error> {
        crate::funcs::oauth_create_authorization_url(self.core, request)
    }
}
