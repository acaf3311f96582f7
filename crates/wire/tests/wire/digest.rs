//! `tipvault_wire::digest`: RFC 9530 `Content-Digest` creation and verification.

use tipvault_wire::digest::{
    DigestAlgorithm, DigestError, content_digest, content_digest_with, verify_content_digest,
    verify_field_lines,
};

const HELLO: &[u8] = br#"{"hello": "world"}"#;

#[test]
fn rfc9530_sha256_example() {
    // RFC 9530 §2 and Appendix B: `{"hello": "world"}` digests to this sha-256 value.
    let value = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";
    assert_eq!(content_digest(HELLO), value);
    assert_eq!(
        verify_content_digest(value, HELLO),
        Ok(DigestAlgorithm::Sha256)
    );
}

#[test]
fn rfc9530_sha512_value_used_by_rfc9421() {
    let value = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";
    assert_eq!(content_digest_with(DigestAlgorithm::Sha512, HELLO), value);
}

#[test]
fn changed_body_is_a_mismatch() {
    let value = content_digest(HELLO);
    assert_eq!(
        verify_content_digest(&value, br#"{"hello": "World"}"#),
        Err(DigestError::Mismatch {
            algorithm: "sha-256"
        })
    );
    assert!(
        verify_content_digest(&value, &HELLO[..10]).is_err(),
        "a truncated body must not verify"
    );
}

#[test]
fn every_supported_member_must_match() {
    // A correct sha-256 must not paper over a wrong sha-512.
    let wrong512 = content_digest_with(DigestAlgorithm::Sha512, b"other");
    let both = format!("{}, {wrong512}", content_digest(HELLO));
    assert_eq!(
        verify_content_digest(&both, HELLO),
        Err(DigestError::Mismatch {
            algorithm: "sha-512"
        })
    );
}

#[test]
fn only_unsupported_algorithms_is_an_error() {
    assert_eq!(
        verify_content_digest("md5=:HUXZLQLMuI/KZ5KDcJPcOA==:, unixsum=:AAA=:", HELLO),
        Err(DigestError::UnsupportedAlgorithm("md5, unixsum".into()))
    );
}

#[test]
fn malformed_fields_are_rejected() {
    for bad in [
        "",
        "sha-256",
        "sha-256=:not base64!:",
        "sha-256=(a b)",
        "SHA-256=:AA==:",
    ] {
        assert!(
            matches!(
                verify_content_digest(bad, HELLO),
                Err(DigestError::Malformed(_) | DigestError::UnsupportedAlgorithm(_))
            ),
            "{bad:?} must not verify"
        );
    }
    assert!(matches!(
        verify_content_digest("sha-256=?1", HELLO),
        Err(DigestError::Malformed(_))
    ));
}

#[test]
fn several_field_lines_are_combined() {
    let lines = ["md5=:AAAA:", &content_digest(HELLO)];
    assert_eq!(
        verify_field_lines(lines.iter().copied(), HELLO),
        Ok(DigestAlgorithm::Sha256)
    );
    assert_eq!(
        verify_field_lines(std::iter::empty(), HELLO),
        Err(DigestError::Missing)
    );
}
