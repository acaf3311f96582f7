//! Signature parameters (RFC 9421 §2.3) and the `@signature-params` value.
//!
//! Owns the six registered metadata parameters — `created`, `expires`, `nonce`,
//! `alg`, `keyid`, `tag` — and the serialisation of the covered-component inner list
//! with those parameters, which is both the last line of every signature base and the
//! member value in `Signature-Input`.
//!
//! Decision: parameters are an *ordered list*, kept in exactly the order the signer
//! gave. RFC 9421 §2.3 says parameters "are not in any general order, but once an
//! order is chosen, it cannot be changed"; a verifier that re-sorts them (as
//! `httpsig-hyper` 0.0.26 does) rebuilds a different base and rejects valid signatures.
//! Serialisation goes through `sfv`, so strings are escaped exactly as RFC 8941 §4.1
//! requires. Each parameter may appear once; unknown parameters are rejected.

use sfv::{BareItem, Integer, KeyRef, ListSerializer, Parameters, StringRef, key_ref};

use super::component::ComponentId;

/// One signature metadata parameter (RFC 9421 §2.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SigParam {
    /// `created`: creation time, UNIX seconds.
    Created(i64),
    /// `expires`: expiry time, UNIX seconds.
    Expires(i64),
    /// `nonce`: a unique value for replay detection.
    Nonce(String),
    /// `alg`: the algorithm name from the HTTP Signature Algorithms registry.
    Alg(String),
    /// `keyid`: identifies the verification key.
    KeyId(String),
    /// `tag`: an application-specific tag.
    Tag(String),
}

impl SigParam {
    /// The parameter's name as serialised.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            SigParam::Created(_) => "created",
            SigParam::Expires(_) => "expires",
            SigParam::Nonce(_) => "nonce",
            SigParam::Alg(_) => "alg",
            SigParam::KeyId(_) => "keyid",
            SigParam::Tag(_) => "tag",
        }
    }

    fn key(&self) -> &'static KeyRef {
        match self {
            SigParam::Created(_) => key_ref("created"),
            SigParam::Expires(_) => key_ref("expires"),
            SigParam::Nonce(_) => key_ref("nonce"),
            SigParam::Alg(_) => key_ref("alg"),
            SigParam::KeyId(_) => key_ref("keyid"),
            SigParam::Tag(_) => key_ref("tag"),
        }
    }
}

/// Why a parameter list is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// The same parameter twice.
    #[error("signature parameter `{0}` appears more than once")]
    Duplicate(&'static str),
    /// A timestamp outside 0..=999_999_999_999_999 (the RFC 8941 Integer range).
    #[error("signature parameter `{0}` is not a valid UNIX timestamp")]
    BadTimestamp(&'static str),
    /// A string parameter with characters RFC 8941 Strings cannot carry.
    #[error("signature parameter `{0}` must be printable ASCII")]
    BadString(&'static str),
    /// A parameter with the wrong type, e.g. `created="1"`.
    #[error("signature parameter `{0}` has the wrong type")]
    WrongType(&'static str),
    /// A parameter outside the RFC 9421 registry.
    #[error("unknown signature parameter `{0}`")]
    Unknown(String),
}

/// The ordered signature parameters of one signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureParams(Vec<SigParam>);

impl SignatureParams {
    /// No parameters.
    #[must_use]
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Appends a parameter, keeping order; rejects duplicates and invalid values.
    pub fn with(mut self, param: SigParam) -> Result<Self, ParamError> {
        self.push(param)?;
        Ok(self)
    }

    /// Appends a parameter, keeping order; rejects duplicates and invalid values.
    pub fn push(&mut self, param: SigParam) -> Result<(), ParamError> {
        let name = param.name();
        if self.0.iter().any(|p| p.name() == name) {
            return Err(ParamError::Duplicate(name));
        }
        match &param {
            SigParam::Created(t) | SigParam::Expires(t) => {
                if *t < 0 || Integer::try_from(*t).is_err() {
                    return Err(ParamError::BadTimestamp(name));
                }
            }
            SigParam::Nonce(s) | SigParam::Alg(s) | SigParam::KeyId(s) | SigParam::Tag(s) => {
                if StringRef::from_str(s).is_err() {
                    return Err(ParamError::BadString(name));
                }
            }
        }
        self.0.push(param);
        Ok(())
    }

    /// The parameters in order.
    pub fn iter(&self) -> impl Iterator<Item = &SigParam> {
        self.0.iter()
    }

    /// `created`, if present.
    #[must_use]
    pub fn created(&self) -> Option<i64> {
        self.0.iter().find_map(|p| match p {
            SigParam::Created(t) => Some(*t),
            _ => None,
        })
    }

    /// `expires`, if present.
    #[must_use]
    pub fn expires(&self) -> Option<i64> {
        self.0.iter().find_map(|p| match p {
            SigParam::Expires(t) => Some(*t),
            _ => None,
        })
    }

    fn string(&self, name: &str) -> Option<&str> {
        self.0.iter().find_map(|p| match p {
            SigParam::Nonce(s) | SigParam::Alg(s) | SigParam::KeyId(s) | SigParam::Tag(s)
                if p.name() == name =>
            {
                Some(s.as_str())
            }
            _ => None,
        })
    }

    /// `nonce`, if present.
    #[must_use]
    pub fn nonce(&self) -> Option<&str> {
        self.string("nonce")
    }
    /// `alg`, if present.
    #[must_use]
    pub fn alg(&self) -> Option<&str> {
        self.string("alg")
    }
    /// `keyid`, if present.
    #[must_use]
    pub fn keyid(&self) -> Option<&str> {
        self.string("keyid")
    }
    /// `tag`, if present.
    #[must_use]
    pub fn tag(&self) -> Option<&str> {
        self.string("tag")
    }

    /// Whether a parameter with this name is present.
    #[must_use]
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|p| p.name() == name)
    }

    /// Reads parameters parsed from `Signature-Input`, in the order they were written.
    pub(crate) fn from_sfv(params: &Parameters) -> Result<Self, ParamError> {
        let mut out = Self::new();
        for (key, value) in params {
            let param = match key.as_str() {
                "created" => SigParam::Created(integer(value, "created")?),
                "expires" => SigParam::Expires(integer(value, "expires")?),
                "nonce" => SigParam::Nonce(string(value, "nonce")?),
                "alg" => SigParam::Alg(string(value, "alg")?),
                "keyid" => SigParam::KeyId(string(value, "keyid")?),
                "tag" => SigParam::Tag(string(value, "tag")?),
                other => return Err(ParamError::Unknown(other.to_owned())),
            };
            out.push(param)?;
        }
        Ok(out)
    }
}

fn integer(value: &BareItem, name: &'static str) -> Result<i64, ParamError> {
    value
        .as_integer()
        .map(i64::from)
        .ok_or(ParamError::WrongType(name))
}

fn string(value: &BareItem, name: &'static str) -> Result<String, ParamError> {
    value
        .as_string()
        .map(|s| s.as_str().to_owned())
        .ok_or(ParamError::WrongType(name))
}

/// The `@signature-params` value: the inner list of covered components followed by the
/// parameters, both in the given order, e.g.
/// `("@method" "content-digest");created=1;keyid="k"`.
#[must_use]
pub fn serialize_signature_params(components: &[ComponentId], params: &SignatureParams) -> String {
    let mut out = String::new();
    let mut list = ListSerializer::with_buffer(&mut out);
    {
        let mut inner = list.inner_list();
        for component in components {
            let p = inner.bare_item(component.name_ref());
            let _ = component.write_params(p);
        }
        let mut p = inner.finish();
        for param in &params.0 {
            p = match param {
                SigParam::Created(t) | SigParam::Expires(t) => {
                    // Validated on push; 0 is unreachable in practice.
                    let v = Integer::try_from(*t).unwrap_or(Integer::ZERO);
                    p.parameter(param.key(), v)
                }
                SigParam::Nonce(s) | SigParam::Alg(s) | SigParam::KeyId(s) | SigParam::Tag(s) => {
                    let v = StringRef::from_str(s).unwrap_or(StringRef::EMPTY);
                    p.parameter(param.key(), v)
                }
            };
        }
        let _ = p.finish();
    }
    let _ = list.finish();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_rfc_b26_params_in_given_order() {
        let components: Vec<ComponentId> = [
            "date",
            "@method",
            "@path",
            "@authority",
            "content-type",
            "content-length",
        ]
        .iter()
        .map(|n| ComponentId::new(n).unwrap())
        .collect();
        let params = SignatureParams::new()
            .with(SigParam::Created(1_618_884_473))
            .unwrap()
            .with(SigParam::KeyId("test-key-ed25519".into()))
            .unwrap();
        assert_eq!(
            serialize_signature_params(&components, &params),
            r#"("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#
        );
    }

    #[test]
    fn order_is_the_signers() {
        let a = SignatureParams::new()
            .with(SigParam::KeyId("k".into()))
            .unwrap()
            .with(SigParam::Created(5))
            .unwrap();
        assert_eq!(
            serialize_signature_params(&[ComponentId::method()], &a),
            r#"("@method");keyid="k";created=5"#,
            "keyid was given first, so it must be serialised first"
        );
    }

    #[test]
    fn strings_are_escaped() {
        let p = SignatureParams::new()
            .with(SigParam::Tag(r#"a"b\c"#.into()))
            .unwrap();
        assert_eq!(serialize_signature_params(&[], &p), r#"();tag="a\"b\\c""#);
    }

    #[test]
    fn duplicates_and_bad_values_are_rejected() {
        let p = SignatureParams::new().with(SigParam::Created(1)).unwrap();
        assert_eq!(
            p.with(SigParam::Created(2)),
            Err(ParamError::Duplicate("created"))
        );
        assert!(SignatureParams::new().with(SigParam::Expires(-1)).is_err());
        assert!(
            SignatureParams::new()
                .with(SigParam::Nonce("é".into()))
                .is_err()
        );
    }
}
