//! Component identifiers (RFC 9421 §2): which part of a message a signature covers.
//!
//! An identifier is an RFC 8941 String (the component name) with parameters. Names are
//! either derived components (`@method`, `@target-uri`, `@authority`, `@scheme`,
//! `@request-target`, `@path`, `@query`, `@status`; §2.2) or lowercased HTTP field names
//! (§2.1). Supported parameters: `req` (take the value from the request a response
//! answers, §2.4) and `key` (one member of a Dictionary field, §2.1.2).
//!
//! Decision: identifier parameters keep the order the signer wrote them in, because the
//! signature base repeats them verbatim; two identifiers are *equal* (for policy checks
//! and duplicate detection) when name, `req` and `key` agree, whatever the order.
//! Parameters we do not implement (`sf`, `bs`, `tr`, `name`) are rejected, as §3.2
//! requires for parameters a verifier does not understand, rather than silently ignored.

use std::borrow::BorrowMut;

use sfv::{BareItem, Item, KeyRef, ParameterSerializer, StringRef, key_ref};

const REQ: &KeyRef = key_ref("req");
const KEY: &KeyRef = key_ref("key");

/// The derived components this crate can compute (RFC 9421 §2.2).
const DERIVED: &[&str] = &[
    "@method",
    "@target-uri",
    "@authority",
    "@scheme",
    "@request-target",
    "@path",
    "@query",
    "@status",
];

/// A parameter on a component identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ComponentParam {
    /// `req`: the value comes from the request this response answers (§2.4).
    Req,
    /// `key="member"`: the value is one member of a Dictionary field (§2.1.2).
    Key(String),
}

/// A covered component: a name and its ordered parameters.
#[derive(Debug, Clone, Eq)]
pub struct ComponentId {
    name: String,
    params: Vec<ComponentParam>,
}

impl PartialEq for ComponentId {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.is_req() == other.is_req() && self.key() == other.key()
    }
}

/// Why a component identifier is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComponentError {
    /// Field names must be lowercase tokens; derived names must be ones we implement.
    #[error("`{0}` is not a supported component name")]
    UnsupportedName(String),
    /// A parameter we do not implement or that is malformed.
    #[error("component `{name}` has unsupported parameter `{param}`")]
    UnsupportedParam {
        /// The component name.
        name: String,
        /// The parameter.
        param: String,
    },
    /// `key` applies only to HTTP fields, not derived components.
    #[error("the key parameter cannot be used on derived component `{0}`")]
    KeyOnDerived(String),
    /// The identifier is not an sfv String.
    #[error("a component identifier must be a quoted string")]
    NotAString,
}

impl ComponentId {
    /// A component by name: a derived component (`@method`…) or an HTTP field name.
    /// Field names are lowercased (§2.1).
    pub fn new(name: &str) -> Result<Self, ComponentError> {
        let name = if name.starts_with('@') {
            if !DERIVED.contains(&name) {
                return Err(ComponentError::UnsupportedName(name.to_owned()));
            }
            name.to_owned()
        } else {
            let lower = name.to_ascii_lowercase();
            let token = !lower.is_empty()
                && lower
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !token {
                return Err(ComponentError::UnsupportedName(name.to_owned()));
            }
            lower
        };
        Ok(Self {
            name,
            params: Vec::new(),
        })
    }

    /// `@method`.
    #[must_use]
    pub fn method() -> Self {
        Self::derived("@method")
    }
    /// `@target-uri`.
    #[must_use]
    pub fn target_uri() -> Self {
        Self::derived("@target-uri")
    }
    /// `@authority`.
    #[must_use]
    pub fn authority() -> Self {
        Self::derived("@authority")
    }
    /// `@path`.
    #[must_use]
    pub fn path() -> Self {
        Self::derived("@path")
    }
    /// `@query`.
    #[must_use]
    pub fn query() -> Self {
        Self::derived("@query")
    }
    /// `@status`.
    #[must_use]
    pub fn status() -> Self {
        Self::derived("@status")
    }

    /// A field component from a constant name this crate controls (already a
    /// lowercase token), so construction cannot fail.
    pub(crate) fn known_field(name: &'static str) -> Self {
        debug_assert!(Self::new(name).is_ok_and(|c| c.name == name));
        Self {
            name: name.to_owned(),
            params: Vec::new(),
        }
    }

    fn derived(name: &'static str) -> Self {
        Self {
            name: name.to_owned(),
            params: Vec::new(),
        }
    }

    /// Adds the `req` flag (RFC 9421 §2.4). Idempotent.
    #[must_use]
    pub fn with_req(mut self) -> Self {
        if !self.is_req() {
            self.params.push(ComponentParam::Req);
        }
        self
    }

    /// Adds `key="member"` for a Dictionary field (RFC 9421 §2.1.2).
    pub fn with_key(mut self, member: &str) -> Result<Self, ComponentError> {
        if self.is_derived() {
            return Err(ComponentError::KeyOnDerived(self.name));
        }
        if self.key().is_some() || sfv::KeyRef::from_str(member).is_err() {
            return Err(ComponentError::UnsupportedParam {
                name: self.name,
                param: format!("key={member}"),
            });
        }
        self.params.push(ComponentParam::Key(member.to_owned()));
        Ok(self)
    }

    /// The component name (`@method`, `content-digest`…).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameters, in the signer's order.
    #[must_use]
    pub fn params(&self) -> &[ComponentParam] {
        &self.params
    }

    /// Whether this is a derived component (name starts with `@`).
    #[must_use]
    pub fn is_derived(&self) -> bool {
        self.name.starts_with('@')
    }

    /// Whether the `req` flag is set.
    #[must_use]
    pub fn is_req(&self) -> bool {
        self.params.contains(&ComponentParam::Req)
    }

    /// The Dictionary member selected by `key`, if any.
    #[must_use]
    pub fn key(&self) -> Option<&str> {
        self.params.iter().find_map(|p| match p {
            ComponentParam::Key(k) => Some(k.as_str()),
            ComponentParam::Req => None,
        })
    }

    /// Serialises the identifier as it appears in a signature base line and in
    /// `Signature-Input`: `"@method";req`.
    #[must_use]
    pub fn serialize(&self) -> String {
        let mut out = String::new();
        let p = sfv::ItemSerializer::with_buffer(&mut out).bare_item(self.name_ref());
        let _ = self.write_params(p).finish();
        out
    }

    /// The name as an sfv String. Names were validated as tokens or known derived names
    /// on construction, all valid sf-strings, so the empty fallback is unreachable.
    pub(crate) fn name_ref(&self) -> &StringRef {
        StringRef::from_str(&self.name).unwrap_or(StringRef::EMPTY)
    }

    /// Writes the identifier's parameters, in the signer's order.
    pub(crate) fn write_params<W: BorrowMut<String>>(
        &self,
        mut p: ParameterSerializer<W>,
    ) -> ParameterSerializer<W> {
        for param in &self.params {
            p = match param {
                ComponentParam::Req => p.parameter(REQ, true),
                ComponentParam::Key(k) => {
                    // Validated as an sf-key (a subset of sf-string) in `with_key`/`from_item`.
                    p.parameter(KEY, StringRef::from_str(k).unwrap_or(StringRef::EMPTY))
                }
            };
        }
        p
    }

    /// Parses one member of a `Signature-Input` inner list.
    pub(crate) fn from_item(item: &Item) -> Result<Self, ComponentError> {
        let BareItem::String(name) = &item.bare_item else {
            return Err(ComponentError::NotAString);
        };
        let name = name.as_str();
        // Field names in identifiers MUST already be lowercase (§2.1): do not fix them up
        // on the verifying side, or we would sign a different base than we read.
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(ComponentError::UnsupportedName(name.to_owned()));
        }
        let mut id = Self::new(name)?;
        for (key, value) in &item.params {
            let param = match (key.as_str(), value) {
                ("req", BareItem::Boolean(true)) if !id.is_req() => ComponentParam::Req,
                ("key", BareItem::String(s))
                    if !id.is_derived()
                        && id.key().is_none()
                        && KeyRef::from_str(s.as_str()).is_ok() =>
                {
                    ComponentParam::Key(s.as_str().to_owned())
                }
                (other, _) => {
                    return Err(ComponentError::UnsupportedParam {
                        name: id.name,
                        param: other.to_owned(),
                    });
                }
            };
            id.params.push(param);
        }
        Ok(id)
    }
}

impl std::fmt::Display for ComponentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.serialize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_with_params_in_given_order() {
        let id = ComponentId::new("Signature")
            .unwrap()
            .with_req()
            .with_key("sig1")
            .unwrap();
        assert_eq!(id.serialize(), r#""signature";req;key="sig1""#);
    }

    #[test]
    fn equality_ignores_param_order() {
        let a = ComponentId::new("signature")
            .unwrap()
            .with_req()
            .with_key("sig1")
            .unwrap();
        let b = ComponentId::new("signature")
            .unwrap()
            .with_key("sig1")
            .unwrap()
            .with_req();
        assert_eq!(a, b);
        assert_ne!(a.serialize(), b.serialize());
    }

    #[test]
    fn unknown_derived_and_signature_params_are_rejected() {
        assert!(ComponentId::new("@signature-params").is_err());
        assert!(ComponentId::new("@query-param").is_err());
        assert!(ComponentId::new("bad header").is_err());
    }

    #[test]
    fn key_is_for_fields_only() {
        assert!(ComponentId::method().with_key("a").is_err());
    }

    #[test]
    fn parses_item_and_rejects_unknown_params() {
        let item: Item = sfv::Parser::new(r#""content-digest";req"#).parse().unwrap();
        let id = ComponentId::from_item(&item).unwrap();
        assert!(id.is_req());
        let item: Item = sfv::Parser::new(r#""content-digest";sf"#).parse().unwrap();
        assert!(matches!(
            ComponentId::from_item(&item),
            Err(ComponentError::UnsupportedParam { .. })
        ));
        let item: Item = sfv::Parser::new(r#""Content-Digest""#).parse().unwrap();
        assert!(ComponentId::from_item(&item).is_err());
    }
}
