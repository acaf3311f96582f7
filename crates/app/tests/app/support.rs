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
