use crate::strategies;
use proptest::prelude::*;
use tipvault_money::{Currency, Locale, Money, format, format_machine, parse_machine};

fn m(minor: i64, currency: Currency) -> Money {
    Money::from_minor(minor, currency)
}

#[test]
fn english_examples() {
    assert_eq!(format(&m(1300, Currency::KRW), Locale::En), "₩1,300");
    assert_eq!(format(&m(1250, Currency::USD), Locale::En), "$12.50");
    assert_eq!(format(&m(-1250, Currency::USD), Locale::En), "-$12.50");
    assert_eq!(format(&m(123_456, Currency::EUR), Locale::En), "€1,234.56");
    assert_eq!(format(&m(1234, Currency::BHD), Locale::En), "BHD 1.234");
    assert_eq!(format(&m(5, Currency::JPY), Locale::En), "¥5");
    assert_eq!(format(&m(0, Currency::USD), Locale::En), "$0.00");
    assert_eq!(
        format(&m(12_345_678, Currency::CLF), Locale::En),
        "CLF 1,234.5678"
    );
}

#[test]
fn korean_examples() {
    assert_eq!(format(&m(1300, Currency::KRW), Locale::Ko), "1,300원");
    assert_eq!(format(&m(-40_000, Currency::KRW), Locale::Ko), "-40,000원");
    assert_eq!(format(&m(1250, Currency::USD), Locale::Ko), "$12.50");
    assert_eq!(format(&m(1234, Currency::BHD), Locale::Ko), "BHD 1.234");
}

#[test]
fn machine_form() {
    assert_eq!(format_machine(&m(1250, Currency::USD)), "12.50 USD");
    assert_eq!(format_machine(&m(-1300, Currency::KRW)), "-1300 KRW");
    assert_eq!(parse_machine("12.5 USD").unwrap(), m(1250, Currency::USD));
    for bad in ["12.50", "12.50  USD", "USD 12.50", "12.50 usdx", "$12.50"] {
        assert!(parse_machine(bad).is_err(), "{bad:?}");
    }
}

proptest! {
    #![proptest_config(crate::strategies::config())]

    #[test]
    fn parse_of_format_machine_is_identity(money in strategies::any_size_money()) {
        prop_assert_eq!(parse_machine(&format_machine(&money)).unwrap(), money);
    }

    #[test]
    fn people_see_every_digit(money in strategies::any_size_money(), ko in any::<bool>()) {
        let locale = if ko { Locale::Ko } else { Locale::En };
        let shown = format(&money, locale);
        // Strip the sign, the currency marker and the grouping: the exact amount must remain.
        let digits: String = shown
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let plain = money.amount().abs().to_string();
        prop_assert_eq!(digits, plain, "shown as {}", shown);
        prop_assert_eq!(shown.starts_with('-'), money.is_negative());
    }
}
