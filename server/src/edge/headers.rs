//! What every storefront response carries: a Content-Security-Policy whose inline scripts are
//! allowed by a nonce made for this response, the headers that keep the shop out of frames and
//! sniffing, HSTS when the shop runs over HTTPS, and `Cache-Control: no-store` on everything that
//! is not a public file.

use axum::{
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

/// The nonce of this response's inline scripts (Leptos's hydration and streaming scripts).
/// Put in the request's extensions here; the page renderer hands it to Leptos.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// 128 random bits from the operating system, base64: a value nobody can guess for a page.
fn fresh_nonce() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    use base64::Engine;
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The policy for a response whose inline scripts carry `nonce`. The WASM needs
/// `'wasm-unsafe-eval'` to be compiled; nothing else is evaluated, inlined or framed.
pub fn content_security_policy(nonce: &str, https: bool) -> String {
    let mut policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if https {
        policy.push_str("; upgrade-insecure-requests");
    }
    policy
}

/// The middleware: `https` says whether the shop is served over HTTPS (its cookies are Secure).
pub async fn secure_headers(https: bool, mut request: Request, next: Next) -> Response {
    let nonce = fresh_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.entry(name).or_insert(value);
        }
    };
    set(
        header::CONTENT_SECURITY_POLICY,
        &content_security_policy(&nonce, https),
    );
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    if https {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    // Files from the site folder say when they changed (Last-Modified) and may be cached;
    // a page, an API answer or an error may hold a person's data or their CSRF token.
    if !headers.contains_key(header::CACHE_CONTROL) && !headers.contains_key(header::LAST_MODIFIED)
    {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::content_security_policy;

    #[test]
    fn the_policy_allows_only_our_scripts_and_the_wasm() {
        let policy = content_security_policy("abc", false);
        assert!(policy.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(!policy.contains("upgrade-insecure-requests"));
        assert!(content_security_policy("abc", true).ends_with("upgrade-insecure-requests"));
    }
}
