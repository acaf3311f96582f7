//! The `Signature-Input` and `Signature` fields (RFC 9421 §4.1, §4.2).
//!
//! Both are RFC 8941 Dictionaries keyed by a signature label. `Signature-Input` maps the
//! label to the inner list of covered components with the signature parameters;
//! `Signature` maps it to the signature bytes as a Byte Sequence.
//!
//! Decision: both fields are parsed with `sfv` in RFC 8941 mode (RFC 9421 normatively
//! references RFC 8941, so RFC 9651 Dates and Display Strings are not accepted), and the
//! parsed order of components and parameters is kept as-is, because it *is* the signed
//! order. A label present in one field but not the other is an error (§4).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sfv::{BareItem, Dictionary, KeyRef, ListEntry, Parser, Version};

use super::component::ComponentId;
use super::params::{SignatureParams, serialize_signature_params};

/// Why the signature fields could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The message has no signature with this label.
    #[error("the message carries no signature labelled `{0}`")]
    MissingLabel(String),
    /// The label is not a valid RFC 8941 key (lowercase letters, digits, `_-.*`).
    #[error("`{0}` is not a valid signature label")]
    InvalidLabel(String),
    /// The field is not valid RFC 8941 or not shaped as RFC 9421 §4 requires.
    #[error("{field} is malformed: {reason}")]
    Malformed {
        /// `Signature-Input` or `Signature`.
        field: &'static str,
        /// What was wrong.
        reason: String,
    },
}

/// One signature read from a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSignature {
    /// The label it was found under.
    pub label: String,
    /// The covered components, in the signer's order.
    pub components: Vec<ComponentId>,
    /// The signature parameters, in the signer's order.
    pub params: SignatureParams,
    /// The raw signature bytes.
    pub signature: Vec<u8>,
}

pub(crate) fn check_label(label: &str) -> Result<(), HeaderError> {
    KeyRef::from_str(label)
        .map(|_| ())
        .map_err(|_| HeaderError::InvalidLabel(label.to_owned()))
}

/// The `Signature-Input` member for one signature: `label=("@method" …);created=…`.
pub fn signature_input_member(
    label: &str,
    components: &[ComponentId],
    params: &SignatureParams,
) -> Result<String, HeaderError> {
    check_label(label)?;
    Ok(format!(
        "{label}={}",
        serialize_signature_params(components, params)
    ))
}

/// The `Signature` member for one signature: `label=:base64:`.
pub fn signature_member(label: &str, signature: &[u8]) -> Result<String, HeaderError> {
    check_label(label)?;
    Ok(format!("{label}=:{}:", STANDARD.encode(signature)))
}

fn parse_dict(field: &'static str, value: &str) -> Result<Dictionary, HeaderError> {
    Parser::new(value)
        .with_version(Version::Rfc8941)
        .parse()
        .map_err(|e: sfv::Error| HeaderError::Malformed {
            field,
            reason: e.to_string(),
        })
}

/// Reads the signature labelled `label` from the combined `Signature-Input` and
/// `Signature` field values.
pub fn parse_signature(
    signature_input: &str,
    signature: &str,
    label: &str,
) -> Result<ParsedSignature, HeaderError> {
    check_label(label)?;
    let inputs = parse_dict("Signature-Input", signature_input)?;
    let signatures = parse_dict("Signature", signature)?;
    let find = |dict: &Dictionary| {
        dict.iter()
            .find(|(k, _)| k.as_str() == label)
            .map(|(_, v)| v.clone())
    };
    let (input, sig) = match (find(&inputs), find(&signatures)) {
        (Some(i), Some(s)) => (i, s),
        (None, None) => return Err(HeaderError::MissingLabel(label.to_owned())),
        (Some(_), None) => {
            return Err(HeaderError::Malformed {
                field: "Signature",
                reason: format!("label `{label}` is in Signature-Input but not in Signature"),
            });
        }
        (None, Some(_)) => {
            return Err(HeaderError::Malformed {
                field: "Signature-Input",
                reason: format!("label `{label}` is in Signature but not in Signature-Input"),
            });
        }
    };
    let malformed_input = |reason: String| HeaderError::Malformed {
        field: "Signature-Input",
        reason,
    };
    let ListEntry::InnerList(list) = input else {
        return Err(malformed_input(format!(
            "`{label}` must be an inner list of components"
        )));
    };
    let components = list
        .items
        .iter()
        .map(|item| ComponentId::from_item(item).map_err(|e| malformed_input(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let params =
        SignatureParams::from_sfv(&list.params).map_err(|e| malformed_input(e.to_string()))?;
    let signature = match sig {
        ListEntry::Item(item) => match item.bare_item {
            BareItem::ByteSequence(bytes) => bytes,
            _ => {
                return Err(HeaderError::Malformed {
                    field: "Signature",
                    reason: format!("`{label}` must be a byte sequence"),
                });
            }
        },
        ListEntry::InnerList(_) => {
            return Err(HeaderError::Malformed {
                field: "Signature",
                reason: format!("`{label}` must be a byte sequence, not an inner list"),
            });
        }
    };
    Ok(ParsedSignature {
        label: label.to_owned(),
        components,
        params,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::httpsig::params::SigParam;

    #[test]
    fn round_trips_through_sfv() {
        let components = vec![
            ComponentId::method(),
            ComponentId::new("content-digest").unwrap().with_req(),
        ];
        let params = SignatureParams::new()
            .with(SigParam::Nonce("n".into()))
            .unwrap()
            .with(SigParam::Created(1))
            .unwrap();
        let input = signature_input_member("sig1", &components, &params).unwrap();
        let sig = signature_member("sig1", &[1, 2, 3]).unwrap();
        let parsed = parse_signature(&input, &sig, "sig1").unwrap();
        assert_eq!(parsed.components, components);
        assert_eq!(
            parsed.params, params,
            "parsed params keep the signer's order"
        );
        assert_eq!(parsed.signature, vec![1, 2, 3]);
    }

    #[test]
    fn picks_the_requested_label_among_several() {
        let input = r#"a=("@method");created=1, b=("@path");created=2"#;
        let sig = "a=:AQ==:, b=:Ag==:";
        let parsed = parse_signature(input, sig, "b").unwrap();
        assert_eq!(parsed.components, vec![ComponentId::path()]);
        assert_eq!(parsed.signature, vec![2]);
    }

    #[test]
    fn label_must_be_in_both_fields() {
        assert!(matches!(
            parse_signature(r#"a=("@method")"#, "b=:AQ==:", "a"),
            Err(HeaderError::Malformed { .. })
        ));
        assert!(matches!(
            parse_signature(r#"a=("@method")"#, "a=:AQ==:", "z"),
            Err(HeaderError::MissingLabel(_))
        ));
    }

    #[test]
    fn shapes_are_checked() {
        assert!(parse_signature(r#"a="@method""#, "a=:AQ==:", "a").is_err());
        assert!(parse_signature(r#"a=("@method")"#, "a=1", "a").is_err());
        assert!(parse_signature(r#"a=("@method");created="1""#, "a=:AQ==:", "a").is_err());
        assert!(
            parse_signature(r#"a=("@method");created=@1"#, "a=:AQ==:", "a").is_err(),
            "RFC 9651 dates are not RFC 8941"
        );
        assert!(parse_signature(r#"a=("@method");foo=1"#, "a=:AQ==:", "a").is_err());
    }
}
