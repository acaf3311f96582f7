//! Reading one cell: amounts, currencies, dates and time zones.
//!
//! Decision: be liberal only where there is no ambiguity. Amounts may carry a currency symbol
//! or code and thousands grouping, but grouping must be in threes (so `1,5` is never read as
//! fifteen), and sub-unit digits are refused by money's exact parse, never rounded. Dates are
//! read with explicit formats in an explicit zone; a local time that does not exist (inside a
//! DST gap) or a date that does not exist (30 February) is a row error; a repeated local time
//! (DST fall-back) takes the earlier instant.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use tipvault_money::{Currency, Money, MoneyError};

use crate::zone::Zone;

/// Parses an amount in `currency` with `decimal` as the decimal separator (`.` or `,`).
pub(crate) fn parse_amount(text: &str, currency: Currency, decimal: char) -> Result<Money, String> {
    let original = text;
    let mut s = text.trim();
    let mut negative = false;
    if s.starts_with('(') && s.ends_with(')') {
        negative = true;
        s = &s[1..s.len() - 1];
    }
    // Symbols and codes around the number: "$5.00", "5,000원", "12.50 USD", "US$ 3".
    s = s.trim_matches(|c: char| {
        !(c.is_ascii_digit() || c == '-' || c == '+' || c == '−' || c == decimal)
    });
    if let Some(rest) = s.strip_prefix(['-', '−']) {
        negative = !negative;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    s = s.trim_start_matches(|c: char| !(c.is_ascii_digit() || c == decimal));
    if s.is_empty() {
        return Err(format!("'{}' is not an amount", excerpt(original)));
    }
    let (int_part, frac_part) = match s.split_once(decimal) {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let groups: Vec<&str> = int_part
        .split([',', '.', ' ', '\u{a0}', '\u{202f}', '\''])
        .collect();
    if groups.len() > 1
        && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3))
    {
        return Err(format!(
            "'{}' is not an amount: digit grouping must be in threes and the decimal separator \
             is '{decimal}' (change the profile's decimal separator if this file uses another)",
            excerpt(original)
        ));
    }
    let mut plain = String::with_capacity(s.len() + 1);
    if negative {
        plain.push('-');
    }
    plain.extend(groups);
    if let Some(f) = frac_part {
        plain.push('.');
        plain.push_str(f);
    }
    Money::parse(&plain, currency).map_err(|e| match e {
        MoneyError::TooManyDecimals { .. } => format!("'{}': {e}", excerpt(original)),
        _ => format!("'{}' is not an amount", excerpt(original)),
    })
}

/// Parses an ISO 4217 code (case-insensitive, trimmed).
pub(crate) fn parse_currency(text: &str) -> Result<Currency, String> {
    let code = text.trim().to_ascii_uppercase();
    Currency::from_code(&code).map_err(|_| {
        format!(
            "unknown currency '{}': expected an ISO 4217 code such as USD, EUR or KRW",
            excerpt(text)
        )
    })
}

/// Parses a date-time with the first of `formats` that matches. Formats without a time part
/// (no `%H`) are read as midnight.
pub(crate) fn parse_naive(text: &str, formats: &[&str]) -> Result<NaiveDateTime, String> {
    let t = text.trim();
    for f in formats {
        if f.contains("%H") || f.contains("%I") || f.contains("%T") || f.contains("%R") {
            if let Ok(dt) = NaiveDateTime::parse_from_str(t, f) {
                return Ok(dt);
            }
        } else if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Ok(d.and_time(NaiveTime::MIN));
        }
    }
    Err(format!(
        "'{}' is not a valid date and time (expected a real date in the form {})",
        excerpt(text),
        formats
            .first()
            .map_or_else(|| "YYYY-MM-DD".to_owned(), |f| readable_pattern(f))
    ))
}

/// A date pattern as people read it: `%Y-%m-%d %H:%M:%S` → `YYYY-MM-DD hh:mm:ss`.
pub(crate) fn readable_pattern(pattern: &str) -> String {
    [
        ("%Y", "YYYY"),
        ("%m", "MM"),
        ("%d", "DD"),
        ("%H", "hh"),
        ("%M", "mm"),
        ("%S", "ss"),
        ("%z", "+hh:mm"),
        ("%b", "Mon"),
    ]
    .iter()
    .fold(pattern.to_owned(), |text, (from, to)| {
        text.replace(from, to)
    })
}

/// Places a local date-time in `tz`.
pub(crate) fn localize(naive: NaiveDateTime, tz: &Zone) -> Result<DateTime<Utc>, String> {
    tz.earliest(naive).ok_or_else(|| {
        if (-9999..=9999).contains(&naive.year()) {
            format!("{naive} does not exist in time zone {tz} (it falls in a daylight-saving gap)")
        } else {
            format!("{naive} is outside the years a date can have here (-9999 to 9999)")
        }
    })
}

/// Parses RFC 3339 (`2024-01-02T03:04:05Z`, `…+09:00`).
pub(crate) fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// A short excerpt of user text for error messages.
pub(crate) fn excerpt(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(s: &str) -> Result<String, String> {
        parse_amount(s, Currency::USD, '.').map(|m| m.to_string())
    }

    #[test]
    fn amounts_with_symbols_grouping_and_signs() {
        assert_eq!(usd("$5.00").unwrap(), "5.00 USD");
        assert_eq!(usd("1,234.5").unwrap(), "1234.50 USD");
        assert_eq!(usd("-0.59").unwrap(), "-0.59 USD");
        assert_eq!(usd("(3.00)").unwrap(), "-3.00 USD");
        assert_eq!(usd("12.50 USD").unwrap(), "12.50 USD");
        assert_eq!(
            parse_amount("5.000원", Currency::KRW, ',')
                .unwrap()
                .to_string(),
            "5000 KRW"
        );
        assert_eq!(
            parse_amount("1.234,56", Currency::EUR, ',')
                .unwrap()
                .to_string(),
            "1234.56 EUR"
        );
    }

    #[test]
    fn date_patterns_are_shown_as_people_read_them() {
        assert_eq!(readable_pattern("%Y-%m-%d %H:%M:%S"), "YYYY-MM-DD hh:mm:ss");
        let err = parse_naive("31/12/2024", &["%Y-%m-%d %H:%M"]).unwrap_err();
        assert!(err.contains("in the form YYYY-MM-DD hh:mm"), "{err}");
        assert!(!err.contains('%'), "{err}");
    }

    #[test]
    fn ambiguous_or_inexact_amounts_are_refused() {
        assert!(usd("1,5").is_err(), "1,5 is not fifteen");
        assert!(usd("12.345").unwrap_err().contains("decimal place"));
        assert!(usd("abc").is_err());
        assert!(usd("").is_err());
        assert!(
            parse_amount("10.5", Currency::KRW, '.').is_err(),
            "KRW has no minor unit"
        );
    }

    #[test]
    fn impossible_dates_and_dst_gaps_are_errors() {
        assert!(parse_naive("2024-02-30 10:00:00", &["%Y-%m-%d %H:%M:%S"]).is_err());
        let gap = parse_naive("2024-03-10 02:30:00", &["%Y-%m-%d %H:%M:%S"]).unwrap();
        let gap_error = localize(gap, &Zone::named("America/New_York").unwrap()).unwrap_err();
        assert!(gap_error.contains("daylight-saving gap"), "{gap_error}");
        let far = NaiveDate::from_ymd_opt(12_000, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap();
        let far_error = localize(far, &Zone::utc()).unwrap_err();
        assert!(far_error.contains("outside the years"), "{far_error}");
        let seoul = parse_naive("2024-01-01", &["%Y-%m-%d"]).unwrap();
        assert_eq!(
            localize(seoul, &Zone::named("Asia/Seoul").unwrap())
                .unwrap()
                .to_rfc3339(),
            "2023-12-31T15:00:00+00:00"
        );
    }

    #[test]
    fn currencies_are_iso_codes() {
        assert_eq!(parse_currency(" usd ").unwrap(), Currency::USD);
        assert!(
            parse_currency("XYZ")
                .unwrap_err()
                .contains("unknown currency")
        );
    }
}
