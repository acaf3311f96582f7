use chrono::{DateTime, TimeZone, Utc};
use tipvault_app::{KdfChoice, SecretString, Session, VaultLocation, create_vault};

pub const PASSPHRASE: &str = "harbour violet quantum tangerine";

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// A fixed instant, so tests do not depend on the clock.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

/// A new vault in a temporary directory, unlocked.
pub fn new_vault() -> (tempfile::TempDir, VaultLocation, Session) {
    let dir = tempfile::tempdir().unwrap();
    let location = VaultLocation::at(dir.path().join("vault"));
    let (session, _) =
        create_vault(&location, &secret(PASSPHRASE), KdfChoice::Minimum, t0()).unwrap();
    (dir, location, session)
}

/// What redemptions drew from the vault's books: the sum of every redemption and fee entry
/// (minor units, negative). Reconciliation entries (a credit found at the provider, a charge no
/// receipt explains) are not drawings, so "booked once" is asserted on this.
pub fn drawn(session: &mut Session) -> i64 {
    let query = tipvault_app::HistoryQuery {
        kinds: vec!["redemption".into(), "fee".into()],
        limit: 10_000,
        ..tipvault_app::HistoryQuery::default()
    };
    let page = tipvault_app::history(session, &query, chrono_tz::UTC, Utc::now()).unwrap();
    assert!(page.next.is_none());
    page.entries.iter().map(|e| e.net.minor).sum()
}
