//! How values are read back from their columns, where every repository shares the rule.
//!
//! The one decision to know: times are stored as Unix seconds, and a stored time that is not
//! one (out of chrono's range: a damaged or hand-edited row) is an error naming the column,
//! never quietly 1970: a record that seemed to expire in 1970 would be purged as expired.

use chrono::{DateTime, Utc};
use rusqlite::types::Type;

/// The time `secs` Unix seconds name, or a conversion error for column `index`.
pub(crate) fn unix_time(index: usize, secs: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            Type::Integer,
            format!("{secs} is not a time").into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_out_of_range_is_an_error_not_1970() {
        assert_eq!(unix_time(0, 0).unwrap().timestamp(), 0);
        assert_eq!(
            unix_time(3, 1_800_000_000).unwrap().timestamp(),
            1_800_000_000
        );
        let err = unix_time(3, i64::MAX).unwrap_err();
        assert!(
            matches!(
                err,
                rusqlite::Error::FromSqlConversionFailure(3, Type::Integer, _)
            ),
            "{err:?}"
        );
    }
}
