//! A framework-agnostic view of the HTTP messages Tipvault signs and verifies.
//!
//! It owns exactly what RFC 9421 needs to derive component values (§2.1, §2.2): the
//! method, the absolute target URI, the ordered header list (names lowercased, values as
//! received), the status for a response, and the body bytes for `Content-Digest`
//! (RFC 9530). Adapters take `http` 1.x request/response parts, so the axum sandbox
//! server and the reqwest client build the same view.
//!
//! Decision: the target URI is always absolute (`scheme://authority/path?query`).
//! A server sees only the origin form (`/path?query`), so [`Request::from_http_parts`]
//! completes it from the scheme the server knows it listens on and the `Host` header;
//! `@target-uri` and `@authority` are then identical on both sides.

use http::Uri;

/// Why a message view could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// The target URI is not an absolute `http`/`https` URI with an authority.
    #[error("target URI `{0}` is not an absolute http(s) URI")]
    InvalidTargetUri(String),
    /// The method is empty or contains characters outside an HTTP token.
    #[error("method `{0}` is not a valid HTTP method token")]
    InvalidMethod(String),
    /// A header name is empty or not an HTTP token.
    #[error("header name `{0}` is not a valid HTTP field name")]
    InvalidHeaderName(String),
    /// A header value contains CR, LF, NUL or non-visible-ASCII bytes, which would
    /// break the line structure of a signature base.
    #[error("the value of header `{0}` contains characters that cannot be signed")]
    InvalidHeaderValue(String),
    /// The status code is outside 100..=999.
    #[error("status code {0} is not a three-digit HTTP status")]
    InvalidStatus(u16),
}

/// One header line: a lowercased name and the value as received.
pub type Header = (String, String);

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn validate_header(name: &str, value: &str) -> Result<Header, MessageError> {
    if name.is_empty() || !name.bytes().all(is_tchar) {
        return Err(MessageError::InvalidHeaderName(name.to_owned()));
    }
    let name = name.to_ascii_lowercase();
    // Visible ASCII, space and tab only: what `HeaderValue::to_str` accepts.
    if !value
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
    {
        return Err(MessageError::InvalidHeaderValue(name));
    }
    Ok((name, value.to_owned()))
}

fn push_http_headers(out: &mut Vec<Header>, headers: &http::HeaderMap) -> Result<(), MessageError> {
    for (name, value) in headers {
        let value = value
            .to_str()
            .map_err(|_| MessageError::InvalidHeaderValue(name.as_str().to_owned()))?;
        out.push(validate_header(name.as_str(), value)?);
    }
    Ok(())
}

/// RFC 3986 §6.2.2–6.2.3 normalisation of an absolute http(s) URI: lowercase scheme
/// and host, no userinfo, no default port. Client and server then derive the same
/// `@target-uri` even if one side wrote `HTTPS://Host:443/`. Path and query are kept
/// byte for byte (their percent-encoding is significant to the signature).
fn normalize(uri: &Uri) -> Option<Uri> {
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let authority = uri.authority()?;
    let host = authority.host().to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let authority = match authority.port_u16() {
        Some(port) if port != default_port => format!("{host}:{port}"),
        _ => host,
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let path = if path.is_empty() || path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_owned()
    };
    format!("{scheme}://{authority}{path}").parse().ok()
}

/// Every value of header `name` (case-insensitive), in message order.
fn values<'a>(headers: &'a [Header], name: &str) -> impl Iterator<Item = &'a str> {
    let name = name.to_ascii_lowercase();
    headers
        .iter()
        .filter(move |(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}

/// A request as RFC 9421 sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    method: String,
    target_uri: Uri,
    headers: Vec<Header>,
    body: Vec<u8>,
}

impl Request {
    /// A request with no headers and an empty body.
    ///
    /// `target_uri` must be absolute (`https://host[:port]/path?query`).
    pub fn new(method: &str, target_uri: &str) -> Result<Self, MessageError> {
        if method.is_empty() || !method.bytes().all(is_tchar) {
            return Err(MessageError::InvalidMethod(method.to_owned()));
        }
        let uri: Uri = target_uri
            .parse()
            .map_err(|_| MessageError::InvalidTargetUri(target_uri.to_owned()))?;
        let uri =
            normalize(&uri).ok_or_else(|| MessageError::InvalidTargetUri(target_uri.to_owned()))?;
        Ok(Self {
            method: method.to_owned(),
            target_uri: uri,
            headers: Vec::new(),
            body: Vec::new(),
        })
    }

    /// Builds the view from `http` request parts and the body bytes.
    ///
    /// If the URI is in origin form (what a server sees), it is completed from
    /// `scheme` and the `Host` header.
    pub fn from_http_parts(
        parts: &http::request::Parts,
        scheme: &str,
        body: &[u8],
    ) -> Result<Self, MessageError> {
        let uri = &parts.uri;
        let absolute = if uri.scheme().is_some() && uri.authority().is_some() {
            uri.to_string()
        } else {
            let host = parts
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .ok_or_else(|| MessageError::InvalidTargetUri(uri.to_string()))?;
            let path = uri.path_and_query().map_or("/", |p| p.as_str());
            format!("{scheme}://{host}{path}")
        };
        let mut request = Self::new(parts.method.as_str(), &absolute)?;
        push_http_headers(&mut request.headers, &parts.headers)?;
        request.body = body.to_vec();
        Ok(request)
    }

    /// Appends a header line (the name is lowercased; the value kept as given).
    pub fn push_header(&mut self, name: &str, value: &str) -> Result<(), MessageError> {
        self.headers.push(validate_header(name, value)?);
        Ok(())
    }

    /// Builder form of [`Request::push_header`].
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Self, MessageError> {
        self.push_header(name, value)?;
        Ok(self)
    }

    /// Replaces the body.
    #[must_use]
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Removes every line of header `name`.
    pub fn remove_header(&mut self, name: &str) {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(n, _)| *n != name);
    }

    /// The method, case preserved (RFC 9421 §2.2.1).
    #[must_use]
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The absolute target URI.
    #[must_use]
    pub fn target_uri(&self) -> &Uri {
        &self.target_uri
    }

    /// All header lines, in order.
    #[must_use]
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// Every value of header `name`, in order.
    pub fn header_values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        values(&self.headers, name)
    }

    /// The body bytes.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// A response as RFC 9421 sees it. The request it answers is supplied separately when
/// signing or verifying (see [`MessageRef::Response`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: u16,
    headers: Vec<Header>,
    body: Vec<u8>,
}

impl Response {
    /// A response with no headers and an empty body.
    pub fn new(status: u16) -> Result<Self, MessageError> {
        if !(100..=999).contains(&status) {
            return Err(MessageError::InvalidStatus(status));
        }
        Ok(Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        })
    }

    /// Builds the view from `http` response parts and the body bytes.
    pub fn from_http_parts(
        parts: &http::response::Parts,
        body: &[u8],
    ) -> Result<Self, MessageError> {
        let mut response = Self::new(parts.status.as_u16())?;
        push_http_headers(&mut response.headers, &parts.headers)?;
        response.body = body.to_vec();
        Ok(response)
    }

    /// Appends a header line (the name is lowercased; the value kept as given).
    pub fn push_header(&mut self, name: &str, value: &str) -> Result<(), MessageError> {
        self.headers.push(validate_header(name, value)?);
        Ok(())
    }

    /// Builder form of [`Response::push_header`].
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Self, MessageError> {
        self.push_header(name, value)?;
        Ok(self)
    }

    /// Replaces the body.
    #[must_use]
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Removes every line of header `name`.
    pub fn remove_header(&mut self, name: &str) {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(n, _)| *n != name);
    }

    /// The status code.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// All header lines, in order.
    #[must_use]
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// Every value of header `name`, in order.
    pub fn header_values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        values(&self.headers, name)
    }

    /// The body bytes.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// The message a signature is made over, with the request a response answers.
#[derive(Debug, Clone, Copy)]
pub enum MessageRef<'a> {
    /// A request.
    Request(&'a Request),
    /// A response, and the request it answers (needed for `req` components, RFC 9421 §2.4).
    Response {
        /// The response itself.
        response: &'a Response,
        /// The request that triggered it, if the signature covers request components.
        request: Option<&'a Request>,
    },
}

impl<'a> MessageRef<'a> {
    /// Every value of header `name` in this message (not the related request).
    pub fn header_values(&self, name: &str) -> Vec<&'a str> {
        match self {
            MessageRef::Request(r) => r.header_values(name).collect(),
            MessageRef::Response { response, .. } => response.header_values(name).collect(),
        }
    }

    /// The body of this message.
    #[must_use]
    pub fn body(&self) -> &'a [u8] {
        match self {
            MessageRef::Request(r) => r.body(),
            MessageRef::Response { response, .. } => response.body(),
        }
    }
}

impl<'a> From<&'a Request> for MessageRef<'a> {
    fn from(r: &'a Request) -> Self {
        MessageRef::Request(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_lowercased_and_values_kept() {
        let r = Request::new("POST", "https://example.com/foo")
            .unwrap()
            .with_header("Content-Type", " application/json ")
            .unwrap();
        assert_eq!(
            r.headers(),
            &[("content-type".to_owned(), " application/json ".to_owned())]
        );
    }

    #[test]
    fn target_uri_is_normalised() {
        let r = Request::new("GET", "HTTPS://user@Provider.EXAMPLE:443?a=B").unwrap();
        assert_eq!(r.target_uri().to_string(), "https://provider.example/?a=B");
        let r = Request::new("GET", "http://h:8080/P%2F").unwrap();
        assert_eq!(r.target_uri().to_string(), "http://h:8080/P%2F");
        // The sandbox provider listens on loopback, possibly IPv6.
        let r = Request::new("GET", "http://[::1]:8080/v1/catalog").unwrap();
        assert_eq!(r.target_uri().to_string(), "http://[::1]:8080/v1/catalog");
        let r = Request::new("GET", "http://127.0.0.1:80/").unwrap();
        assert_eq!(r.target_uri().to_string(), "http://127.0.0.1/");
    }

    #[test]
    fn relative_target_uri_is_rejected() {
        assert!(matches!(
            Request::new("GET", "/v1/catalog"),
            Err(MessageError::InvalidTargetUri(_))
        ));
    }

    #[test]
    fn newline_in_header_value_is_rejected() {
        let r = Request::new("GET", "https://example.com/").unwrap();
        assert!(
            r.with_header("x-a", "1\r\nx-b: 2").is_err(),
            "a CR/LF would let a header forge extra signature-base lines"
        );
    }

    #[test]
    fn origin_form_uri_is_completed_from_host() {
        let req = http::Request::builder()
            .method("POST")
            .uri("/v1/redemptions?x=1")
            .header("Host", "provider.example:8443")
            .body(())
            .unwrap();
        let (parts, ()) = req.into_parts();
        let view = Request::from_http_parts(&parts, "https", b"{}").unwrap();
        assert_eq!(
            view.target_uri().to_string(),
            "https://provider.example:8443/v1/redemptions?x=1"
        );
        assert_eq!(view.body(), b"{}");
    }

    #[test]
    fn status_must_be_three_digits() {
        assert!(Response::new(99).is_err());
        assert!(Response::new(200).is_ok());
    }
}
