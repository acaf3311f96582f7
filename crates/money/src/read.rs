//! Reading an amount a person typed: whatever [`format`](crate::format()) shows, in either
//! locale (`₩20,000`, `20,000원`, `$12.50`, `BHD 1.234`), or the bare digits (`20000`, `12.5`).
//! Exact: the inverse of `format` for amounts that are not negative, with no rounding.
//!
//! Decision: accept what this crate writes and nothing looser — commas only between groups of
//! three digits, the currency's own symbol before the digits, its code before or after them,
//! and 원 after a KRW amount. A `€12` typed where dollars are asked for is refused, not read as
//! twelve dollars; `1,00` is refused, not guessed at. Both locales group with commas and mark
//! decimals with a point, so one reader serves both.

use crate::currency::Currency;
use crate::error::excerpt;
use crate::money::Money;

/// Why typed text is not an amount. The messages are written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Nothing was typed.
    #[error("Enter an amount.")]
    Empty,
    /// Not digits in a form this crate writes.
    #[error("{input:?} is not an amount in {code}: write it like {example}.")]
    NotAnAmount {
        /// What was typed (cut to 32 characters).
        input: String,
        /// The currency asked for.
        code: &'static str,
        /// How an amount in that currency is written (`20,000 or ₩20,000`).
        example: String,
    },
    /// A minus sign: amounts typed here are never negative.
    #[error("An amount cannot be negative.")]
    Negative,
    /// More decimals than the currency's smallest unit.
    #[error("{code} amounts have {}.", places(*allowed))]
    TooPrecise {
        /// The currency asked for.
        code: &'static str,
        /// Its decimal places.
        allowed: u32,
    },
}

fn places(allowed: u32) -> String {
    match allowed {
        0 => "no decimal places".to_owned(),
        1 => "at most 1 decimal place".to_owned(),
        n => format!("at most {n} decimal places"),
    }
}

/// `text` with `prefix` removed from its start, ignoring ASCII case, if it starts with it.
fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// `text` with `suffix` removed from its end, ignoring ASCII case, if it ends with it.
fn strip_suffix_ci<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

/// The digits of `text` without the currency's marks: its code before or after, its symbol
/// before, 원 after (KRW). At most one mark on each side.
fn unmarked(text: &str, currency: Currency) -> &str {
    let code = currency.code();
    let mut rest = text.trim();
    if let Some(r) = strip_prefix_ci(rest, code) {
        rest = r.trim_start();
    } else if let Some(r) = currency.symbol().and_then(|s| rest.strip_prefix(s)) {
        rest = r.trim_start();
    }
    if let Some(r) = strip_suffix_ci(rest, code) {
        rest = r.trim_end();
    } else if currency == Currency::KRW
        && let Some(r) = rest.strip_suffix('원')
    {
        rest = r.trim_end();
    }
    rest
}

/// Digits only, at least one.
fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A whole part as written: plain digits, or groups of three after a first group of one to
/// three, separated by commas (`1234`, `1,234`, `12,345,678`).
fn whole_part(s: &str) -> Option<String> {
    if !s.contains(',') {
        return digits(s).then(|| s.to_owned());
    }
    let mut groups = s.split(',');
    let first = groups.next()?;
    if !(digits(first) && first.len() <= 3) {
        return None;
    }
    let mut out = first.to_owned();
    for group in groups {
        if !(digits(group) && group.len() == 3) {
            return None;
        }
        out.push_str(group);
    }
    Some(out)
}

fn example(currency: Currency) -> String {
    let sample = if currency.minor_units() == 0 {
        Money::from_minor(20_000, currency)
    } else {
        Money::from_minor(
            1_250 * 10_i64.pow(currency.minor_units().saturating_sub(2)),
            currency,
        )
    };
    let plain = crate::format(&sample, crate::Locale::En);
    let bare = sample.amount().to_string();
    let grouped = plain
        .trim_start_matches(currency.code())
        .trim_start_matches(currency.symbol().unwrap_or_default())
        .trim()
        .to_owned();
    if grouped == bare {
        format!("{bare} or {plain}")
    } else {
        format!("{bare}, {grouped} or {plain}")
    }
}

/// Reads an amount of `currency` typed by a person, exactly (see the module's rules).
pub fn read(text: &str, currency: Currency) -> Result<Money, ReadError> {
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    let not_an_amount = || ReadError::NotAnAmount {
        input: excerpt(text.trim(), 32),
        code: currency.code(),
        example: example(currency),
    };
    let trimmed = text.trim();
    // A sign before or after the currency's mark (`-₩5`, `₩-5`, `−5`).
    let unsigned = trimmed.trim_start_matches(['-', '−']);
    let body = unmarked(unsigned, currency);
    if unsigned.len() != trimmed.len() || body.starts_with(['-', '−']) {
        return Err(ReadError::Negative);
    }
    let (whole, fraction) = match body.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (body, ""),
    };
    let whole = whole_part(whole).ok_or_else(not_an_amount)?;
    if !(fraction.is_empty() || digits(fraction)) {
        return Err(not_an_amount());
    }
    let allowed = currency.minor_units();
    let significant = fraction.trim_end_matches('0');
    if u32::try_from(significant.len()).unwrap_or(u32::MAX) > allowed {
        return Err(ReadError::TooPrecise {
            code: currency.code(),
            allowed,
        });
    }
    let machine = if significant.is_empty() {
        whole
    } else {
        format!("{whole}.{significant}")
    };
    // Only an amount beyond the decimal type's range fails here.
    Money::parse(&machine, currency).map_err(|_| not_an_amount())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Locale, format};

    fn krw(won: i64) -> Money {
        Money::from_minor(won, Currency::KRW)
    }

    fn usd(cents: i64) -> Money {
        Money::from_minor(cents, Currency::USD)
    }

    #[test]
    fn reads_what_people_type_and_what_the_app_prints() {
        for typed in [
            "20000",
            "20,000",
            "₩20,000",
            "20,000원",
            " 20,000 원 ",
            "KRW 20000",
            "20000 krw",
        ] {
            assert_eq!(read(typed, Currency::KRW), Ok(krw(20_000)), "{typed}");
        }
        for typed in [
            "12.5",
            "12.50",
            "$12.50",
            "USD 12.50",
            "12.50 USD",
            "12.500",
        ] {
            assert_eq!(read(typed, Currency::USD), Ok(usd(1_250)), "{typed}");
        }
        assert_eq!(read("1,234,567.89", Currency::USD), Ok(usd(123_456_789)));
        assert_eq!(read("0.07", Currency::USD), Ok(usd(7)));
        assert_eq!(read("7.", Currency::USD), Ok(usd(700)));
    }

    #[test]
    fn refuses_what_it_would_have_to_guess_at() {
        assert_eq!(read("", Currency::KRW), Err(ReadError::Empty));
        assert_eq!(read("-5", Currency::KRW), Err(ReadError::Negative));
        assert_eq!(read("₩-5", Currency::KRW), Err(ReadError::Negative));
        assert_eq!(read("−5", Currency::KRW), Err(ReadError::Negative));
        assert_eq!(
            read("20000.5", Currency::KRW),
            Err(ReadError::TooPrecise {
                code: "KRW",
                allowed: 0
            })
        );
        assert_eq!(
            read("12.505", Currency::USD).unwrap_err().to_string(),
            "USD amounts have at most 2 decimal places."
        );
        for typed in [
            "abc",
            "1,00",
            "1,0000",
            ",100",
            "1e5",
            "€12",
            "12 EUR",
            "$12 USD won",
            "1.2.3",
            "₩₩5",
        ] {
            assert!(
                matches!(
                    read(typed, Currency::USD),
                    Err(ReadError::NotAnAmount { .. })
                ),
                "{typed}"
            );
        }
        assert_eq!(
            read("abc", Currency::KRW).unwrap_err().to_string(),
            "\"abc\" is not an amount in KRW: write it like 20000, 20,000 or ₩20,000."
        );
        assert_eq!(
            read("abc", Currency::USD).unwrap_err().to_string(),
            "\"abc\" is not an amount in USD: write it like 12.50 or $12.50."
        );
    }

    proptest::proptest! {
        /// Whatever the app prints, in either language, reads back as the same amount.
        #[test]
        fn reads_back_what_format_prints(minor in 0i64..1_000_000_000_000, code in proptest::sample::select(vec!["KRW", "USD", "BHD", "JPY", "EUR", "CHF"])) {
            let currency = Currency::from_code(code).unwrap();
            let money = Money::from_minor(minor, currency);
            for locale in [Locale::En, Locale::Ko] {
                proptest::prop_assert_eq!(read(&format(&money, locale), currency), Ok(money));
            }
            proptest::prop_assert_eq!(read(&money.amount().to_string(), currency), Ok(money));
        }
    }
}
