//! The signature base (RFC 9421 §2.5): the exact bytes that are signed and verified.
//!
//! One line per covered component, `<identifier>: <value>\n`, in the order of the
//! covered-component list, then `"@signature-params": <params>` with no trailing
//! newline. Component values follow §2.1 (fields: every field line's value trimmed of
//! leading/trailing spaces and tabs, joined with `", "`; `key` selects and re-serialises
//! one Dictionary member) and §2.2 (derived components from the method, the absolute
//! target URI and the status).
//!
//! Decision: the `req` flag (§2.4) routes a component to the request that a response
//! answers; a request-only derived component (`@method`, `@path`…) on a response
//! *without* `req`, `@status` on a request, or `req` inside a request signature are
//! errors, never silently resolved against the wrong message. A covered field that the
//! message lacks is an error too (§2.5 step 2.3), never an empty line.

use sfv::{Dictionary, ListSerializer, Parser, Version};

use super::component::ComponentId;
use super::params::{SignatureParams, serialize_signature_params};
use crate::message::{MessageRef, Request, Response};

/// Why a signature base could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaseError {
    /// A covered component is not present in the message (or the related request).
    #[error("covered component {0} is not present in the message")]
    MissingComponent(String),
    /// A covered component cannot apply to this kind of message.
    #[error("covered component {0} does not apply to this message")]
    NotApplicable(String),
    /// The same component identifier is listed twice (§2.5).
    #[error("covered component {0} is listed more than once")]
    DuplicateComponent(String),
    /// A `key` component's field is not a valid Dictionary.
    #[error("field {0} is not a structured Dictionary, so key cannot select a member")]
    NotADictionary(String),
}

enum Source<'a> {
    Request(&'a Request),
    Response(&'a Response),
}

/// Builds the signature base for `components` and `params` over `message`.
pub fn signature_base(
    message: MessageRef<'_>,
    components: &[ComponentId],
    params: &SignatureParams,
) -> Result<String, BaseError> {
    let mut base = String::new();
    for (i, component) in components.iter().enumerate() {
        if components[..i].contains(component) {
            return Err(BaseError::DuplicateComponent(component.serialize()));
        }
        let value = component_value(message, component)?;
        base.push_str(&component.serialize());
        base.push_str(": ");
        base.push_str(&value);
        base.push('\n');
    }
    base.push_str("\"@signature-params\": ");
    base.push_str(&serialize_signature_params(components, params));
    Ok(base)
}

/// The value of one component in `message` (RFC 9421 §2.1, §2.2, §2.4).
pub fn component_value(
    message: MessageRef<'_>,
    component: &ComponentId,
) -> Result<String, BaseError> {
    let source = match (message, component.is_req()) {
        (MessageRef::Request(r), false) => Source::Request(r),
        (MessageRef::Request(_), true) => {
            return Err(BaseError::NotApplicable(component.serialize()));
        }
        (MessageRef::Response { response, .. }, false) => Source::Response(response),
        (MessageRef::Response { request, .. }, true) => match request {
            Some(r) => Source::Request(r),
            None => return Err(BaseError::MissingComponent(component.serialize())),
        },
    };
    if component.is_derived() {
        derived_value(&source, component)
    } else {
        field_value(&source, component)
    }
}

fn derived_value(source: &Source<'_>, component: &ComponentId) -> Result<String, BaseError> {
    let not_applicable = || BaseError::NotApplicable(component.serialize());
    let request = match (source, component.name()) {
        (Source::Response(resp), "@status") => return Ok(format!("{:03}", resp.status())),
        (Source::Request(_), "@status") | (Source::Response(_), _) => {
            return Err(not_applicable());
        }
        (Source::Request(r), _) => r,
    };
    let uri = request.target_uri();
    Ok(match component.name() {
        "@method" => request.method().to_owned(),
        "@target-uri" => uri.to_string(),
        "@authority" => authority(request),
        "@scheme" => uri.scheme_str().unwrap_or_default().to_ascii_lowercase(),
        "@request-target" => uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
        "@path" => {
            let path = uri.path();
            if path.is_empty() { "/" } else { path }.to_owned()
        }
        "@query" => format!("?{}", uri.query().unwrap_or_default()),
        _ => return Err(not_applicable()),
    })
}

/// `@authority`: host lowercased, default port omitted (RFC 9421 §2.2.3, RFC 9110 §4.2.3).
fn authority(request: &Request) -> String {
    let uri = request.target_uri();
    let host = uri.host().unwrap_or_default().to_ascii_lowercase();
    let default_port = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    };
    match uri.port_u16() {
        Some(port) if Some(port) != default_port => format!("{host}:{port}"),
        _ => host,
    }
}

fn field_value(source: &Source<'_>, component: &ComponentId) -> Result<String, BaseError> {
    let lines: Vec<&str> = match source {
        Source::Request(r) => r.header_values(component.name()).collect(),
        Source::Response(r) => r.header_values(component.name()).collect(),
    };
    if lines.is_empty() {
        return Err(BaseError::MissingComponent(component.serialize()));
    }
    let combined = lines
        .iter()
        .map(|v| v.trim_matches(|c| c == ' ' || c == '\t'))
        .collect::<Vec<_>>()
        .join(", ");
    let Some(member) = component.key() else {
        return Ok(combined);
    };
    let dict: Dictionary = Parser::new(&combined)
        .with_version(Version::Rfc8941)
        .parse()
        .map_err(|_| BaseError::NotADictionary(component.name().to_owned()))?;
    let entry = dict
        .iter()
        .find(|(k, _)| k.as_str() == member)
        .map(|(_, v)| v)
        .ok_or_else(|| BaseError::MissingComponent(component.serialize()))?;
    // A Dictionary member value serialises exactly like a List member (RFC 8941 §4.1).
    let mut ser = ListSerializer::new();
    ser.members(std::iter::once(entry));
    ser.finish()
        .ok_or_else(|| BaseError::MissingComponent(component.serialize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Request {
        Request::new("POST", "https://Example.COM:443/foo?param=Value&Pet=dog")
            .unwrap()
            .with_header("X-Multi", " a ")
            .unwrap()
            .with_header("x-multi", "\tb")
            .unwrap()
            .with_header("Example-Dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c), d")
            .unwrap()
    }

    fn value(r: &Request, id: &ComponentId) -> Result<String, BaseError> {
        component_value(MessageRef::Request(r), id)
    }

    #[test]
    fn derived_components_follow_section_2_2() {
        let r = req();
        assert_eq!(value(&r, &ComponentId::authority()).unwrap(), "example.com");
        assert_eq!(value(&r, &ComponentId::path()).unwrap(), "/foo");
        assert_eq!(
            value(&r, &ComponentId::query()).unwrap(),
            "?param=Value&Pet=dog"
        );
        let bare = Request::new("GET", "http://h:8080").unwrap();
        assert_eq!(value(&bare, &ComponentId::query()).unwrap(), "?");
        assert_eq!(value(&bare, &ComponentId::authority()).unwrap(), "h:8080");
        assert_eq!(value(&bare, &ComponentId::path()).unwrap(), "/");
    }

    #[test]
    fn multiple_field_lines_are_trimmed_and_joined() {
        let r = req();
        assert_eq!(
            value(&r, &ComponentId::new("x-multi").unwrap()).unwrap(),
            "a, b"
        );
    }

    #[test]
    fn key_selects_a_dictionary_member() {
        // RFC 9421 §2.1.2 examples.
        let r = req();
        let dict = ComponentId::new("example-dict").unwrap();
        assert_eq!(
            value(&r, &dict.clone().with_key("a").unwrap()).unwrap(),
            "1"
        );
        assert_eq!(
            value(&r, &dict.clone().with_key("b").unwrap()).unwrap(),
            "2;x=1;y=2"
        );
        assert_eq!(
            value(&r, &dict.clone().with_key("c").unwrap()).unwrap(),
            "(a b c)"
        );
        assert_eq!(value(&r, &dict.with_key("d").unwrap()).unwrap(), "?1");
    }

    #[test]
    fn misplaced_components_are_errors() {
        let r = req();
        assert!(matches!(
            value(&r, &ComponentId::status()),
            Err(BaseError::NotApplicable(_))
        ));
        assert!(matches!(
            value(&r, &ComponentId::method().with_req()),
            Err(BaseError::NotApplicable(_))
        ));
        let resp = Response::new(200).unwrap();
        let msg = MessageRef::Response {
            response: &resp,
            request: Some(&r),
        };
        assert!(
            matches!(
                component_value(msg, &ComponentId::method()),
                Err(BaseError::NotApplicable(_))
            ),
            "@method on a response needs req"
        );
        assert_eq!(
            component_value(msg, &ComponentId::method().with_req()).unwrap(),
            "POST"
        );
    }

    #[test]
    fn missing_field_and_duplicates_are_errors() {
        let r = req();
        assert!(matches!(
            value(&r, &ComponentId::new("content-digest").unwrap()),
            Err(BaseError::MissingComponent(_))
        ));
        let m = ComponentId::method();
        assert!(matches!(
            signature_base(
                MessageRef::Request(&r),
                &[m.clone(), m],
                &SignatureParams::new()
            ),
            Err(BaseError::DuplicateComponent(_))
        ));
    }
}
