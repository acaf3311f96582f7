//! Provider protocol v1 as published (`docs/PROTOCOL.md`): a real exchange with the sandbox
//! over loopback, one call of every endpoint, in which
//! - every body sent and received, and every signed document's payload, is validated against
//!   its JSON Schema in `docs/protocol/schemas` (the schemas are the specification; the client's
//!   and the sandbox's serde types must agree with them);
//! - every exchange is written as an example in `docs/protocol/examples` and compared with the
//!   committed file, values that change from run to run (times, ports, nonces, keys,
//!   signatures) masked: the examples cannot drift from what the code sends. After a deliberate
//!   protocol change, `TIPVAULT_BLESS=1` rewrites them.
//!
//! The schemas are also checked the other way: each refuses what the specification forbids
//! (an unknown member in a closed body, an amount as a JSON number, another version), and the
//! catalog's accepts an unknown member (PROTOCOL.md §9.2).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tipvault_wire::client::ProviderClient;
use tipvault_wire::httpsig::SigningKey;
use tipvault_wire::protocol::{
    self, DisputeReason, DisputeRequest, PairingRequest, QuoteRequest, Sha256Digest, Tier, V1,
    VerificationRequest,
};
use tipvault_wire::{Request, Response};

use crate::support;

fn protocol_docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/protocol")
}

/// The protocol's schemas, compiled, by name (`balance` for `balance.schema.json`).
struct Schemas {
    validators: BTreeMap<String, jsonschema::Validator>,
}

impl Schemas {
    fn load() -> Schemas {
        let dir = protocol_docs().join("schemas");
        let mut documents = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let file = path.file_name().unwrap().to_str().unwrap().to_owned();
            let Some(name) = file.strip_suffix(".schema.json") else {
                continue;
            };
            let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{file} is not JSON: {e}"));
            let id = schema["$id"].as_str().unwrap().to_owned();
            assert!(
                id.ends_with(&file),
                "{file}'s $id {id} must end with its file name"
            );
            documents.insert(name.to_owned(), (id, schema));
        }
        // Cross-file references (`common.schema.json#/$defs/amount`) resolve to the files
        // themselves, by their `$id`: nothing is fetched (`offline`).
        let registry = jsonschema::Registry::new()
            .extend(documents.values().map(|(id, schema)| (id.as_str(), schema)))
            .unwrap()
            .prepare()
            .unwrap();
        let mut validators = BTreeMap::new();
        for (name, (_, schema)) in &documents {
            let validator = jsonschema::options()
                .offline()
                .should_validate_formats(true)
                .with_registry(&registry)
                .build(schema)
                .unwrap_or_else(|e| panic!("{name}.schema.json is not a valid schema: {e}"));
            validators.insert(name.clone(), validator);
        }
        Schemas { validators }
    }

    /// Parses `bytes` as JSON and validates it against schema `name`.
    fn check(&self, name: &str, bytes: &[u8]) -> Value {
        let value: Value = serde_json::from_slice(bytes).unwrap_or_else(|e| {
            panic!(
                "a {name} body is not JSON ({e}): {}",
                String::from_utf8_lossy(bytes)
            )
        });
        let errors = self.errors(name, &value);
        assert!(
            errors.is_empty(),
            "a {name} body breaks its schema: {errors:?}\n{value}"
        );
        value
    }

    fn errors(&self, name: &str, value: &Value) -> Vec<String> {
        let validator = self
            .validators
            .get(name)
            .unwrap_or_else(|| panic!("no schema {name}.schema.json"));
        validator
            .iter_errors(value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }
}

/// One exchange as it travelled, kept for its example file.
struct Example {
    name: &'static str,
    what: &'static str,
    request: Request,
    response: Response,
}

/// Signs and sends a request with `client`, checks the answer's status, validates both bodies
/// against their schemas (`response_schema`, or `error` for a refusal) and keeps the exchange.
#[allow(clippy::too_many_arguments)]
async fn exchange(
    client: &ProviderClient,
    schemas: &Schemas,
    examples: &mut Vec<Example>,
    (name, what): (&'static str, &'static str),
    (method, path, idempotency_key): (&str, &str, Option<&str>),
    request_body: Option<(&str, Vec<u8>)>,
    status: u16,
    response_schema: &str,
) -> Value {
    let body = match request_body {
        Some((schema, body)) => {
            schemas.check(schema, &body);
            body
        }
        None => Vec::new(),
    };
    let request = client.prepare(method, path, idempotency_key, body).unwrap();
    let response = client.send_signed(&request).await.unwrap();
    assert_eq!(
        response.status(),
        status,
        "{name}: {}",
        String::from_utf8_lossy(response.body())
    );
    let value = schemas.check(response_schema, response.body());
    examples.push(Example {
        name,
        what,
        request,
        response,
    });
    value
}

#[tokio::test]
async fn every_body_of_a_real_exchange_follows_its_schema_and_the_examples_are_current() {
    let schemas = Schemas::load();
    // A fixed enrollment code: the sandbox otherwise makes a random one per start.
    let (_dir, sandbox) =
        support::start_with(|config| config.enrollment_code = Some("2468-1357".into())).await;
    let seed = support::device_seed();
    let mut client = support::client_for(&sandbox, seed).await;
    let mut examples = Vec::new();
    let e = &mut examples;
    let s = &schemas;

    // §4.1: the catalog, its signed payload and the key it names.
    let signed = exchange(
        &client,
        s,
        e,
        ("catalog", "GET /v1/catalog (§4.1)"),
        ("GET", "/v1/catalog", None),
        None,
        200,
        "signed-catalog",
    )
    .await;
    s.check(
        "catalog",
        signed["catalog"]["payload"].as_str().unwrap().as_bytes(),
    );

    // §4.2: pairing, signed with the self-certifying key id.
    let public_key =
        protocol::self_certifying_keyid(SigningKey::from_bytes(&seed).verifying_key().as_bytes())
            .trim_start_matches("pk:")
            .to_owned();
    let pairing = protocol::to_bytes(
        "body",
        &PairingRequest {
            v: V1,
            enrollment_code: sandbox.enrollment_code().to_owned(),
            public_key,
        },
    )
    .unwrap();
    let paired = exchange(
        &client,
        s,
        e,
        ("pairing", "POST /v1/devices (§4.2)"),
        ("POST", "/v1/devices", Some("example-pairing")),
        Some(("pairing-request", pairing)),
        201,
        "paired",
    )
    .await;
    client.set_device_id(paired["device_id"].as_str().unwrap());

    // §4.3, §4.4.
    exchange(
        &client,
        s,
        e,
        ("balance", "GET /v1/balance (§4.3)"),
        ("GET", "/v1/balance", None),
        None,
        200,
        "balance",
    )
    .await;
    let quote = protocol::to_bytes(
        "body",
        &QuoteRequest {
            v: V1,
            product: "krw-mobile-top-up".into(),
            amount: protocol::Amount::new("10000").unwrap(),
            currency: tipvault_money::Currency::KRW,
        },
    )
    .unwrap();
    exchange(
        &client,
        s,
        e,
        ("quote", "POST /v1/quotes (§4.4)"),
        ("POST", "/v1/quotes", Some("example-quote")),
        Some(("quote-request", quote)),
        201,
        "quote",
    )
    .await;

    // §4.5 and §5: a redemption, its identical repeat and a conflicting reuse of its key.
    let redemption = protocol::to_bytes("body", &support::top_up("10000")).unwrap();
    let created = exchange(
        &client,
        s,
        e,
        (
            "redemption-created",
            "POST /v1/redemptions, first time: 201 (§4.5, §5)",
        ),
        ("POST", "/v1/redemptions", Some("example-redemption")),
        Some(("redemption-request", redemption.clone())),
        201,
        "redemption-status",
    )
    .await;
    s.check(
        "receipt",
        created["receipt"]["payload"].as_str().unwrap().as_bytes(),
    );
    let repeated = exchange(
        &client,
        s,
        e,
        (
            "redemption-repeated",
            "POST /v1/redemptions, the same request again: 200 (§5)",
        ),
        ("POST", "/v1/redemptions", Some("example-redemption")),
        Some(("redemption-request", redemption)),
        200,
        "redemption-status",
    )
    .await;
    assert_eq!(
        repeated["receipt"], created["receipt"],
        "a repeat returns the same receipt"
    );
    let conflict = exchange(
        &client,
        s,
        e,
        (
            "redemption-conflict",
            "POST /v1/redemptions, the key reused for another request (§5)",
        ),
        ("POST", "/v1/redemptions", Some("example-redemption")),
        Some((
            "redemption-request",
            protocol::to_bytes("body", &support::top_up("20000")).unwrap(),
        )),
        422,
        "error",
    )
    .await;
    assert_eq!(conflict["error"], "idempotency_conflict");

    // §4.6, §4.7, §4.8.
    let id = created["redemption_id"].as_str().unwrap().to_owned();
    exchange(
        &client,
        s,
        e,
        ("redemption-status", "GET /v1/redemptions/{id} (§4.6)"),
        ("GET", &format!("/v1/redemptions/{id}"), None),
        None,
        200,
        "redemption-status",
    )
    .await;
    let dispute = protocol::to_bytes(
        "body",
        &DisputeRequest {
            v: V1,
            reason: DisputeReason::NotReceived,
            evidence_digest: Sha256Digest::of(b"the evidence bundle the user keeps"),
        },
    )
    .unwrap();
    exchange(
        &client,
        s,
        e,
        ("dispute", "POST /v1/redemptions/{id}/disputes (§4.7)"),
        (
            "POST",
            &format!("/v1/redemptions/{id}/disputes"),
            Some("example-dispute"),
        ),
        Some(("dispute-request", dispute)),
        201,
        "dispute-ack",
    )
    .await;
    let verification = protocol::to_bytes(
        "body",
        &VerificationRequest {
            v: V1,
            tier: Tier::Verified,
            evidence_digest: Sha256Digest::of(b"what was shown to the provider"),
        },
    )
    .unwrap();
    let token = exchange(
        &client,
        s,
        e,
        ("verification", "POST /v1/verifications (§4.8)"),
        ("POST", "/v1/verifications", Some("example-verification")),
        Some(("verification-request", verification)),
        201,
        "signed-document",
    )
    .await;
    assert_eq!(token["kind"], "verification");
    s.check(
        "verification-claims",
        token["payload"].as_str().unwrap().as_bytes(),
    );

    // §8: a destination field the product did not declare is refused, and so is a replay (§3.5).
    let mut nosy = support::top_up("10000");
    nosy.destination
        .insert("birth_date".into(), "1990-01-01".into());
    let body = protocol::to_bytes("body", &nosy).unwrap();
    // The schema allows any field name: what is declared is the catalog's business (§8).
    let refused = exchange(
        &client,
        s,
        e,
        (
            "error-undeclared-field",
            "A destination field the product did not declare (§8)",
        ),
        ("POST", "/v1/redemptions", Some("example-nosy")),
        Some(("redemption-request", body)),
        422,
        "error",
    )
    .await;
    assert_eq!(refused["error"], "undeclared_destination_field");
    let request = client
        .prepare("GET", "/v1/balance", None, Vec::new())
        .unwrap();
    assert_eq!(client.send_signed(&request).await.unwrap().status(), 200);
    let replayed = client.send_signed(&request).await.unwrap();
    let answer = s.check("error", replayed.body());
    assert_eq!(answer["error"], "replay");
    examples.push(Example {
        name: "error-replay",
        what: "The same signed request sent a second time (§3.5)",
        request,
        response: replayed,
    });

    compare_examples(&examples);
}

/// Writes or compares `docs/protocol/examples/<name>.http`.
fn compare_examples(examples: &[Example]) {
    let dir = protocol_docs().join("examples");
    let bless = std::env::var_os("TIPVAULT_BLESS").is_some();
    let mut stale = Vec::new();
    for example in examples {
        let text = render(example);
        let path = dir.join(format!("{}.http", example.name));
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        let (committed, now) = (masked(&committed), masked(&text));
        if committed != now {
            let line = committed.lines().zip(now.lines()).position(|(a, b)| a != b);
            let at = line.unwrap_or(committed.lines().count().min(now.lines().count()));
            stale.push(format!(
                "{}, line {}:\n  committed: {}\n  now:       {}",
                path.display(),
                at + 1,
                committed.lines().nth(at).unwrap_or("(end of file)"),
                now.lines().nth(at).unwrap_or("(end of file)"),
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "these protocol examples no longer match what the client and the sandbox exchange; \
         if the change is deliberate, update docs/PROTOCOL.md and run this test with \
         TIPVAULT_BLESS=1:\n{}",
        stale.join("\n\n")
    );
}

/// An exchange as an `.http` file: the request as the client signed it, then the answer as
/// received (headers the HTTP library adds on its own, like `host`, are not shown).
fn render(example: &Example) -> String {
    let mut out = format!(
        "# {}\n# Generated from a real exchange with the sandbox by \
         crates/sandbox-provider/tests/sandbox/protocol.rs: do not edit.\n\n",
        example.what
    );
    let request = &example.request;
    out.push_str(&format!(
        "{} {} HTTP/1.1\n",
        request.method(),
        request.target_uri()
    ));
    for (name, value) in request.headers() {
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push('\n');
    if !request.body().is_empty() {
        out.push_str(&String::from_utf8_lossy(request.body()));
        out.push_str("\n\n");
    }
    let response = &example.response;
    let status = axum::http::StatusCode::from_u16(response.status()).unwrap();
    out.push_str(&format!(
        "HTTP/1.1 {} {}\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default()
    ));
    for (name, value) in response.headers() {
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push('\n');
    out.push_str(&String::from_utf8_lossy(response.body()));
    out.push('\n');
    out
}

/// `text` with what changes from run to run masked: times, the port, signature parameters,
/// lengths, ids after their prefix, and every other long base64 or hex value (keys, nonces,
/// signatures, digests).
fn masked(text: &str) -> String {
    let rules: [(&str, &str); 6] = [
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "<time>"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:<port>"),
        (r"created=\d+;expires=\d+", "created=<n>;expires=<n>"),
        (r"(?m)^date: .*$", "date: <date>"),
        (r"(?m)^content-length: \d+$", "content-length: <n>"),
        (r":[A-Za-z0-9+/]+=*:", ":<bytes>:"),
    ];
    let mut text = text.to_owned();
    for (pattern, mask) in rules {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, mask)
            .into_owned();
    }
    // Ids by their prefix (key ids, device, redemption, quote and dispute ids): their random
    // part is masked whatever its letters, and the prefix, which is the form, is compared.
    text = regex::Regex::new(r"\b(sandbox-|pk:|dev_|rd_|qt_|dp_)[A-Za-z0-9_-]+")
        .unwrap()
        .replace_all(&text, "${1}<id>")
        .into_owned();
    // Other random tokens (nonces, keys, signatures) have a digit or a capital somewhere;
    // product ids and words have neither.
    regex::Regex::new(r"[A-Za-z0-9_-]{16,}")
        .unwrap()
        .replace_all(&text, |m: &regex::Captures<'_>| {
            let token = &m[0];
            if token
                .bytes()
                .any(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            {
                "<b64>".to_owned()
            } else {
                token.to_owned()
            }
        })
        .into_owned()
}

#[test]
fn the_schemas_refuse_what_the_specification_forbids() {
    let s = Schemas::load();
    let valid = serde_json::json!({
        "v": 1, "product": "krw-mobile-top-up", "amount": "1000", "currency": "KRW",
        "destination": {"phone_number": "+821012345678"}
    });
    assert!(s.errors("redemption-request", &valid).is_empty());
    let mut changes: Vec<(&str, Value)> = Vec::new();
    let mut with = |what: &'static str, edit: &dyn Fn(&mut Value)| {
        let mut v = valid.clone();
        edit(&mut v);
        changes.push((what, v));
    };
    with("an unknown member", &|v| v["memo"] = "hi".into());
    with("an amount as a number", &|v| v["amount"] = 1000.into());
    with("a signed amount", &|v| v["amount"] = "-1000".into());
    with("version 2", &|v| v["v"] = 2.into());
    with("a lower-case currency", &|v| v["currency"] = "krw".into());
    with("no destination", &|v| {
        v.as_object_mut().unwrap().remove("destination");
    });
    for (what, body) in changes {
        assert!(
            !s.errors("redemption-request", &body).is_empty(),
            "accepted {what}"
        );
    }
    let error = serde_json::json!({"v": 1, "error": "teapot", "message": "x"});
    assert!(
        !s.errors("error", &error).is_empty(),
        "an error code v1 does not have"
    );
}

#[test]
fn the_catalog_schema_lets_a_provider_add_optional_members() {
    let s = Schemas::load();
    let mut catalog: Value = serde_json::from_str(tipvault_preview::DEMO_CATALOG_JSON).unwrap();
    assert!(
        s.errors("catalog", &catalog).is_empty(),
        "{:?}",
        s.errors("catalog", &catalog)
    );
    catalog["publisher_note"] = "informational".into();
    catalog["products"][0]["icon"] = "https://provider.example/icon.png".into();
    assert!(
        s.errors("catalog", &catalog).is_empty(),
        "§9.2: ignored, not refused"
    );
    catalog["products"][0]["amount"]["type"] = "percentage_of_balance".into();
    assert!(
        !s.errors("catalog", &catalog).is_empty(),
        "§9.3: a new amount-rule type is v2"
    );
}
