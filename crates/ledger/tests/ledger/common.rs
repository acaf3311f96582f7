//! Fixtures and small builders shared by the test modules.

use std::path::PathBuf;
use tipvault_ledger::import::{ImportRequest, import};
use tipvault_ledger::{
    FormatChoice, ImportError, ImportOptions, ImportReport, MappingProfile, Platform, Source,
    SourceId,
};
use tipvault_money::Currency;

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

pub fn source(id: &str, platform: Platform, currency: Currency) -> Source {
    Source {
        id: SourceId::new(id),
        label: format!("{platform} ({id})"),
        platform,
        currency,
        payout: None,
    }
}

pub const KEEP_ALL: ImportOptions = ImportOptions {
    keep_payer_names: true,
    keep_messages: true,
};

pub fn try_import(
    name: &str,
    source: &Source,
    format: FormatChoice,
    profile: Option<&MappingProfile>,
    options: ImportOptions,
) -> Result<ImportReport, ImportError> {
    let request = ImportRequest {
        source,
        format,
        profile,
        options,
    };
    import(&fixture(name)[..], &request)
}

pub fn import_ok(
    name: &str,
    source: &Source,
    profile: Option<&MappingProfile>,
    options: ImportOptions,
) -> ImportReport {
    try_import(name, source, FormatChoice::Auto, profile, options)
        .unwrap_or_else(|e| panic!("importing {name} must work: {e}"))
}

/// The profile for the Korean CP949 donation sheet fixture.
pub fn korean_profile() -> MappingProfile {
    serde_json::from_str(
        r#"{
            "name": "투네이션 시트",
            "has_header": true,
            "date": "날짜",
            "time": "시간",
            "date_format": "%Y.%m.%d %H:%M",
            "time_zone": "Asia/Seoul",
            "decimal_separator": ".",
            "amounts": {"layout": "single", "amount": "금액"},
            "currency": {"fixed": "KRW"},
            "kind": {"column": "유형", "labels": {"후원": "donation", "구독": "subscription"}, "default": "donation"},
            "payer": "후원자",
            "message": "메시지"
        }"#,
    )
    .unwrap_or_else(|e| panic!("the documented profile JSON must parse: {e}"))
}

pub fn korean_source() -> Source {
    source("toonation-main", Platform::Toonation, Currency::KRW)
}
