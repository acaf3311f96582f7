//! The fuzz targets' bodies: one function per parser of outside input, each fed the raw bytes
//! libFuzzer makes. A target fails only by panicking (or by a sanitizer report), so a function
//! here asserts the properties that must hold for *every* input: a decoded value encodes and
//! decodes back to itself, what this side signs this side verifies. Everything else an input
//! can do is be refused with a typed error, which is what the product does with it.
//!
//! Inputs with several parts are split at the byte `0xFF`, which never occurs in UTF-8 text,
//! so the seeds in `seeds/` stay readable files.

use chrono::{DateTime, Utc};
use tipvault_ledger::import::{ImportRequest, import};
use tipvault_ledger::{
    Format, FormatChoice, ImportOptions, MappingProfile, Platform, Source, SourceId,
};
use tipvault_money::Currency;
use tipvault_preview::Catalog;
use tipvault_wire::httpsig::profile::{
    sign_request, sign_response, verify_request, verify_response,
};
use tipvault_wire::httpsig::{SigningKey, VerifyingKey};
use tipvault_wire::protocol::{
    self, Balance, DisputeAck, DisputeRequest, DocumentKind, ErrorBody, Paired, PairingRequest,
    ProviderKey, Quote, QuoteRequest, ReceiptBody, RedemptionBinding, RedemptionRequest,
    RedemptionStatus, SignedCatalog, SignedDocument, SignedReceipt, VerificationClaims,
    VerificationRequest,
};
use tipvault_wire::{NonceCache, Request, Response};

/// The clock every target runs at (1 December 2026, 00:00 UTC): fixed, so a crash reproduces.
pub const NOW: i64 = 1_796_083_200;
/// The separator of an input's parts.
pub const SEP: u8 = 0xFF;

/// The device key of the targets (a fixed seed: reproducible).
pub fn device_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// The provider key of the targets.
pub fn provider_key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

pub const DEVICE_KEYID: &str = "dev_fuzz";
pub const PROVIDER_KEYID: &str = "provider-fuzz";

/// `data` cut at the first `parts - 1` separators.
pub fn split(data: &[u8], parts: usize) -> Vec<&[u8]> {
    data.splitn(parts, |b| *b == SEP).collect()
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(NOW, 0).expect("NOW is a valid time")
}

/// The source a platform export is imported into; the first byte picks platform and currency.
fn source(selector: u8) -> Source {
    let platform = [
        Platform::KoFi,
        Platform::PayPal,
        Platform::Stripe,
        Platform::GitHubSponsors,
        Platform::Toonation,
    ][usize::from(selector % 5)]
    .clone();
    let currency = [Currency::USD, Currency::KRW, Currency::EUR][usize::from(selector / 5 % 3)];
    Source {
        id: SourceId::new("fuzz-source"),
        label: "Fuzz".into(),
        platform,
        currency,
        payout: None,
    }
}

fn options(selector: u8) -> ImportOptions {
    ImportOptions {
        keep_payer_names: selector & 0x40 != 0,
        keep_messages: selector & 0x80 != 0,
    }
}

/// CSV import of a platform's export: the first byte picks the format (detected or forced),
/// the source's platform and currency, and what is kept about payers; the rest is the file.
pub fn import_csv(data: &[u8]) {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    let format = match selector % 6 {
        0 | 5 => FormatChoice::Auto,
        1 => FormatChoice::Force(Format::KoFi),
        2 => FormatChoice::Force(Format::PayPal),
        3 => FormatChoice::Force(Format::Stripe),
        _ => FormatChoice::Force(Format::GitHubSponsors),
    };
    let source = source(selector / 6);
    let request = ImportRequest {
        source: &source,
        format,
        profile: None,
        options: options(selector),
    };
    let _ = import(file, &request);
}

/// CSV import through a mapping profile: `profile JSON 0xFF file`.
pub fn import_profile(data: &[u8]) {
    let parts = split(data, 2);
    let [profile, file] = parts[..] else {
        return;
    };
    let Ok(profile) = serde_json::from_slice::<MappingProfile>(profile) else {
        return;
    };
    let source = source(4);
    for format in [FormatChoice::Auto, FormatChoice::Force(Format::Generic)] {
        let request = ImportRequest {
            source: &source,
            format,
            profile: Some(&profile),
            options: options(0xC0),
        };
        let _ = import(file, &request);
    }
}

/// A catalog document: one that parses writes canonical JSON that parses to itself.
pub fn catalog(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(catalog) = Catalog::parse(text) {
        let canonical = catalog.canonical_json();
        let again = Catalog::parse(&canonical).expect("a catalog's canonical JSON parses");
        assert_eq!(
            again, catalog,
            "the catalog round-trips through canonical JSON"
        );
    }
}

fn binding_request() -> RedemptionRequest {
    protocol::parse(
        "redemption",
        br#"{"v":1,"product":"p1","amount":"1000","currency":"KRW","destination":{}}"#,
    )
    .expect("the fuzz crate's sample redemption request parses (update it with the protocol)")
}

/// Signed documents (catalogs, receipts, verification tokens): the first byte picks how the
/// rest is read.
/// - even: the rest is an envelope as received (JSON of a signed catalog, receipt or document),
///   verified with the pinned key and with the enclosed one;
/// - odd: the rest is a payload, which this side signs and then verifies as the client would,
///   so the payload's parser runs behind a valid signature.
pub fn signed_document(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let key = provider_key();
    let verifying = key.verifying_key();
    if selector % 2 == 0 {
        if let Ok(doc) = serde_json::from_slice::<SignedCatalog>(rest) {
            let _ = doc.verify(None);
            let _ = doc.verify(Some((PROVIDER_KEYID, &verifying)));
        }
        if let Ok(receipt) = serde_json::from_slice::<SignedReceipt>(rest) {
            let _ = receipt.verify(&verifying);
            verify_receipt_binding(&receipt, &verifying);
        }
        if let Ok(doc) = serde_json::from_slice::<SignedDocument>(rest) {
            let _ = doc.verify_as::<VerificationClaims>(DocumentKind::Verification, &verifying);
        }
        if let Ok(key) = serde_json::from_slice::<ProviderKey>(rest) {
            let _ = key.verifying_key();
        }
        return;
    }
    let Ok(payload) = String::from_utf8(rest.to_vec()) else {
        return;
    };
    match selector / 2 % 3 {
        0 => {
            let signed = SignedCatalog {
                v: protocol::V1,
                provider_key: ProviderKey::new(PROVIDER_KEYID, &verifying),
                catalog: SignedDocument::sign(&key, PROVIDER_KEYID, DocumentKind::Catalog, payload),
            };
            let _ = signed.verify(Some((PROVIDER_KEYID, &verifying)));
        }
        1 => {
            let receipt = SignedReceipt(SignedDocument::sign(
                &key,
                PROVIDER_KEYID,
                DocumentKind::Receipt,
                payload,
            ));
            if let Ok(body) = receipt.verify(&verifying) {
                // A receipt body that verifies re-signs and verifies to itself.
                let again = SignedReceipt::sign(&key, &body)
                    .expect("a verified receipt body encodes")
                    .verify(&verifying);
                assert_eq!(
                    again.ok(),
                    Some(body),
                    "a verified receipt body round-trips"
                );
            }
            verify_receipt_binding(&receipt, &verifying);
        }
        _ => {
            let doc =
                SignedDocument::sign(&key, PROVIDER_KEYID, DocumentKind::Verification, payload);
            if let Ok(claims) =
                doc.verify_as::<VerificationClaims>(DocumentKind::Verification, &verifying)
            {
                let _ = claims.is_valid_at(now());
            }
        }
    }
}

fn verify_receipt_binding(receipt: &SignedReceipt, key: &VerifyingKey) {
    let request = binding_request();
    let body =
        protocol::to_bytes("redemption request", &request).expect("the fixed request encodes");
    let binding = RedemptionBinding {
        device_id: DEVICE_KEYID,
        idempotency_key: "idem-fuzz",
        body: &body,
        request: &request,
    };
    let _: Result<ReceiptBody, _> = receipt.verify_for(key, &binding);
}

/// `Name: value` lines (one per header); lines that are not a header are skipped.
fn headers(block: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(block)
        .split('\n')
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_owned(), value.trim_start().to_owned()))
        })
        .collect()
}

const SIGNATURE_FIELDS: [&str; 2] = ["signature-input", "signature"];

/// A fixed request, signed by the device, that the response target answers.
fn signed_request() -> Request {
    let mut request = Request::new("POST", "https://provider.example/v1/redemptions")
        .and_then(|r| r.with_header("Idempotency-Key", "idem-fuzz"))
        .and_then(|r| r.with_header("Content-Type", "application/json"))
        .expect("the fixed request is valid")
        .with_body(
            protocol::to_bytes("redemption request", &binding_request())
                .expect("the fixed request encodes"),
        );
    sign_request(
        &device_key(),
        DEVICE_KEYID,
        &mut request,
        NOW,
        "bm9uY2Vub25jZW5vbmNl",
    )
    .expect("the fixed request signs");
    request
}

/// HTTP message signatures and digests (RFC 9421 / RFC 9530) on a message from outside:
/// `selector header-lines 0xFF body`. An even selector builds a request (the provider's side
/// verifies it), an odd one a response to a fixed signed request (the client's side).
/// Then the same message without its signature fields is signed by this side, and must verify.
pub fn http_message(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let parts = split(rest, 2);
    let (block, body) = match parts[..] {
        [block, body] => (block, body),
        [block] => (block, &[][..]),
        _ => return,
    };
    let fields = headers(block);
    let device = device_key();
    let provider = provider_key();
    let device_public = device.verifying_key();
    let provider_public = provider.verifying_key();
    for (name, value) in &fields {
        if name.eq_ignore_ascii_case("signature-input") {
            if let Some((_, signature)) = fields
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("signature"))
            {
                let _ = tipvault_wire::httpsig::parse_signature(value, signature, "sig1");
                let _ = tipvault_wire::httpsig::parse_signature(value, signature, "resp");
            }
        }
        if name.eq_ignore_ascii_case("content-digest") {
            let _ = tipvault_wire::digest::verify_content_digest(value, body);
        }
    }
    if selector % 2 == 0 {
        let method = ["POST", "GET", "PUT"][usize::from(selector / 2 % 3)];
        let Ok(mut request) = Request::new(method, "https://provider.example/v1/redemptions")
        else {
            return;
        };
        for (name, value) in &fields {
            if request.push_header(name, value).is_err() {
                return;
            }
        }
        let request = request.with_body(body.to_vec());
        let resolver = |id: &str| (id == DEVICE_KEYID).then_some(device_public);
        let _ = verify_request(&request, &resolver, &NonceCache::with_capacity(8), NOW);

        let mut unsigned = request.clone();
        for field in SIGNATURE_FIELDS {
            unsigned.remove_header(field);
        }
        if sign_request(
            &device,
            DEVICE_KEYID,
            &mut unsigned,
            NOW,
            "bm9uY2Vub25jZW5vbmNl",
        )
        .is_ok()
        {
            if let Err(e) = verify_request(&unsigned, &resolver, &NonceCache::with_capacity(8), NOW)
            {
                panic!("a request this side signed does not verify: {e}");
            }
        }
    } else {
        let status = [200, 201, 422, 404, 503][usize::from(selector / 2 % 5)];
        let Ok(mut response) = Response::new(status) else {
            return;
        };
        for (name, value) in &fields {
            if response.push_header(name, value).is_err() {
                return;
            }
        }
        let response = response.with_body(body.to_vec());
        let request = signed_request();
        let resolver = |id: &str| (id == PROVIDER_KEYID).then_some(provider_public);
        let _ = verify_response(&response, &request, &resolver, NOW);

        let mut unsigned = response.clone();
        for field in SIGNATURE_FIELDS {
            unsigned.remove_header(field);
        }
        if sign_response(&provider, PROVIDER_KEYID, &mut unsigned, &request, NOW).is_ok() {
            if let Err(e) = verify_response(&unsigned, &request, &resolver, NOW) {
                panic!("a response this side signed does not verify: {e}");
            }
        }
    }
}

macro_rules! round_trip {
    ($t:ty, $what:literal, $bytes:expr) => {{
        if let Ok(value) = protocol::parse::<$t>($what, $bytes) {
            let encoded = protocol::to_bytes($what, &value)
                .unwrap_or_else(|e| panic!("{} does not encode: {e}", $what));
            let again: $t = protocol::parse($what, &encoded)
                .unwrap_or_else(|e| panic!("{} re-encoded does not parse: {e}", $what));
            assert_eq!(
                protocol::to_bytes($what, &again)
                    .unwrap_or_else(|e| panic!("{} re-parsed does not encode: {e}", $what)),
                encoded,
                "{} round-trips through its encoding",
                $what
            );
        }
    }};
}

/// Protocol bodies: the first byte picks the body type, the rest is the JSON received. A body
/// that parses encodes to JSON that parses to the same encoding.
pub fn protocol_body(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % 12 {
        0 => round_trip!(PairingRequest, "pairing", body),
        1 => round_trip!(Paired, "paired", body),
        2 => round_trip!(Balance, "balance", body),
        3 => round_trip!(QuoteRequest, "quote request", body),
        4 => round_trip!(Quote, "quote", body),
        5 => round_trip!(RedemptionRequest, "redemption", body),
        6 => round_trip!(RedemptionStatus, "redemption status", body),
        7 => round_trip!(DisputeRequest, "dispute", body),
        8 => round_trip!(DisputeAck, "dispute ack", body),
        9 => round_trip!(VerificationRequest, "verification request", body),
        10 => round_trip!(ErrorBody, "error", body),
        _ => round_trip!(SignedCatalog, "catalog", body),
    }
}

/// An evidence bundle, verified offline as anyone receiving it would.
pub fn evidence_bundle(data: &[u8]) {
    let _ = tipvault_evidence::verify(data);
}

/// The vault's key file (`vault.keys`), as anyone with the folder can rewrite it.
pub fn vault_sidecar(data: &[u8]) {
    tipvault_vault::fuzzing::sidecar(data);
}

/// The unlock counter file (`unlock-throttle.json`), judged at a fixed clock.
pub fn throttle_file(data: &[u8]) {
    let _ = tipvault_vault::fuzzing::retry_after_bytes(data, now());
}
