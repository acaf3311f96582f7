//! Showing money to people, and the one-line machine form.
//!
//! Decision: people always see every digit of the minor unit (never a hidden unit: $12.50, not
//! $12.5; ₩1,300, not ₩1.3K), with commas between thousands in both locales.
//!
//! - [`Locale::En`]: the sign first, then the currency's well-known symbol, then the digits:
//!   `₩1,300`, `$12.50`, `-$12.50`, `€1,234.56`. A currency without a well-known symbol shows its
//!   code and a space: `BHD 1.234`, `-CHF 5.00`.
//! - [`Locale::Ko`]: KRW is written the Korean way, digits then 원: `1,300원`, `-1,300원`. Every
//!   other currency is written as in English (`$12.50`, `BHD 1.234`): next to 원 amounts, `$` is
//!   unambiguous, and Korean banking and payment apps show foreign amounts this way.
//!
//! The machine form (`12.50 USD`) is [`Money`]'s `Display`/`FromStr`; [`format_machine`] and
//! [`parse_machine`] name it for callers who want it explicit.

use crate::currency::Currency;
use crate::error::MoneyError;
use crate::money::Money;

/// A language for showing amounts to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// English.
    En,
    /// Korean.
    Ko,
}

impl Locale {
    /// Reads a BCP 47 tag by its language: `"en"`, `"en-US"` → En; `"ko"`, `"ko-KR"` → Ko.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let language = tag.split(['-', '_']).next().unwrap_or(tag);
        if language.eq_ignore_ascii_case("en") {
            Some(Locale::En)
        } else if language.eq_ignore_ascii_case("ko") {
            Some(Locale::Ko)
        } else {
            None
        }
    }
}

/// Shows `money` to a person in `locale`: `₩1,300`, `-$12.50`, `BHD 1.234`, `1,300원`.
pub fn format(money: &Money, locale: Locale) -> String {
    let sign = if money.is_negative() { "-" } else { "" };
    let digits = grouped(money);
    let currency = money.currency();
    match (locale, currency.symbol()) {
        (Locale::Ko, _) if currency == Currency::KRW => format!("{sign}{digits}원"),
        (_, Some(symbol)) => format!("{sign}{symbol}{digits}"),
        (_, None) => format!("{sign}{} {digits}", currency.code()),
    }
}

/// The machine form, `12.50 USD` (the same as `money.to_string()`).
pub fn format_machine(money: &Money) -> String {
    money.to_string()
}

/// Reads the machine form written by [`format_machine`].
pub fn parse_machine(text: &str) -> Result<Money, MoneyError> {
    text.parse()
}

/// The absolute amount with every minor-unit digit and commas between thousands.
fn grouped(money: &Money) -> String {
    let plain = money.amount().abs().to_string();
    let (integer, fraction) = match plain.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (plain.as_str(), None),
    };
    let mut out = String::with_capacity(plain.len() + plain.len() / 3);
    for (index, digit) in integer.chars().enumerate() {
        if index > 0 && (integer.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(minor: i64, currency: Currency) -> Money {
        Money::from_minor(minor, currency)
    }

    #[test]
    fn english_uses_symbols_or_codes() {
        assert_eq!(format(&m(1300, Currency::KRW), Locale::En), "₩1,300");
        assert_eq!(format(&m(1250, Currency::USD), Locale::En), "$12.50");
        assert_eq!(format(&m(-1250, Currency::USD), Locale::En), "-$12.50");
        assert_eq!(format(&m(123_456, Currency::EUR), Locale::En), "€1,234.56");
        assert_eq!(format(&m(1234, Currency::BHD), Locale::En), "BHD 1.234");
        assert_eq!(format(&m(-500, Currency::CHF), Locale::En), "-CHF 5.00");
    }

    #[test]
    fn korean_writes_won_after_the_digits() {
        assert_eq!(format(&m(1300, Currency::KRW), Locale::Ko), "1,300원");
        assert_eq!(
            format(&m(-1_234_567, Currency::KRW), Locale::Ko),
            "-1,234,567원"
        );
        assert_eq!(format(&m(1250, Currency::USD), Locale::Ko), "$12.50");
    }

    #[test]
    fn grouping_at_every_length() {
        let expected = [
            "0",
            "1",
            "12",
            "123",
            "1,234",
            "12,345",
            "123,456",
            "1,234,567",
        ];
        for (minor, want) in [0, 1, 12, 123, 1234, 12345, 123_456, 1_234_567]
            .iter()
            .zip(expected)
        {
            assert_eq!(grouped(&m(*minor, Currency::JPY)), want);
        }
        assert_eq!(
            grouped(&m(1, Currency::USD)),
            "0.01",
            "cents keep the leading zero"
        );
    }

    #[test]
    fn locale_tags() {
        assert_eq!(Locale::from_tag("ko-KR"), Some(Locale::Ko));
        assert_eq!(Locale::from_tag("EN"), Some(Locale::En));
        assert_eq!(Locale::from_tag("fr"), None);
    }
}
