//! ISO 4217 currencies and their minor units.
//!
//! Owns the table of active ISO 4217 codes (List One, as published up to 2026-11) that have a
//! defined minor unit. Decision: a [`Currency`] is a `Copy` handle to a `'static` table entry, so
//! it is one pointer wide, compares by code, and can never hold a code that is not in the table;
//! parsing anything else is [`MoneyError::UnknownCurrency`]. Codes whose minor unit ISO lists as
//! "N.A." (precious metals XAU/XAG/XPT/XPD, XDR, the testing and no-currency codes XTS/XXX) are
//! left out on purpose: money without a minor unit cannot keep this crate's scale invariant.
//! Withdrawn codes (HRK 2023, ZWL 2024, ANG and CUC 2025, BGN 2026, VEF…) are not included
//! either; SLL stays while ISO still lists it next to its successor SLE.

use crate::error::{MoneyError, excerpt};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// One row of the ISO 4217 table.
#[derive(Debug)]
struct Entry {
    code: &'static str,
    numeric: u16,
    minor_units: u8,
    name: &'static str,
    /// A prefix symbol that a reader recognises without ambiguity (CLDR English symbols for the
    /// major currencies: `$` is the US dollar, other dollars carry a prefix such as `CA$`).
    symbol: Option<&'static str>,
}

/// An ISO 4217 currency: its code, numeric code, minor units, English name and display symbol.
///
/// `Copy` and one pointer wide. Equality, ordering and hashing go by the alphabetic code.
#[derive(Clone, Copy)]
pub struct Currency(&'static Entry);

macro_rules! currencies {
    ($( $ident:ident = ($num:literal, $minor:literal, $name:literal, $symbol:expr) ),* $(,)?) => {
        mod entries {
            use super::Entry;
            $(
                pub(super) static $ident: Entry = Entry {
                    code: stringify!($ident),
                    numeric: $num,
                    minor_units: $minor,
                    name: $name,
                    symbol: $symbol,
                };
            )*
        }

        /// Every entry, sorted by code (a unit test checks the order the binary search needs).
        static TABLE: &[&Entry] = &[ $( &entries::$ident ),* ];

        #[allow(missing_docs)]
        impl Currency {
            $( pub const $ident: Currency = Currency(&entries::$ident); )*
        }
    };
}

currencies! {
    AED = (784, 2, "UAE Dirham", None),
    AFN = (971, 2, "Afghani", None),
    ALL = (8, 2, "Lek", None),
    AMD = (51, 2, "Armenian Dram", None),
    AOA = (973, 2, "Kwanza", None),
    ARS = (32, 2, "Argentine Peso", None),
    AUD = (36, 2, "Australian Dollar", Some("A$")),
    AWG = (533, 2, "Aruban Florin", None),
    AZN = (944, 2, "Azerbaijan Manat", None),
    BAM = (977, 2, "Convertible Mark", None),
    BBD = (52, 2, "Barbados Dollar", None),
    BDT = (50, 2, "Taka", None),
    BHD = (48, 3, "Bahraini Dinar", None),
    BIF = (108, 0, "Burundi Franc", None),
    BMD = (60, 2, "Bermudian Dollar", None),
    BND = (96, 2, "Brunei Dollar", None),
    BOB = (68, 2, "Boliviano", None),
    BOV = (984, 2, "Mvdol", None),
    BRL = (986, 2, "Brazilian Real", Some("R$")),
    BSD = (44, 2, "Bahamian Dollar", None),
    BTN = (64, 2, "Ngultrum", None),
    BWP = (72, 2, "Pula", None),
    BYN = (933, 2, "Belarusian Ruble", None),
    BZD = (84, 2, "Belize Dollar", None),
    CAD = (124, 2, "Canadian Dollar", Some("CA$")),
    CDF = (976, 2, "Congolese Franc", None),
    CHE = (947, 2, "WIR Euro", None),
    CHF = (756, 2, "Swiss Franc", None),
    CHW = (948, 2, "WIR Franc", None),
    CLF = (990, 4, "Unidad de Fomento", None),
    CLP = (152, 0, "Chilean Peso", None),
    CNY = (156, 2, "Yuan Renminbi", Some("CN¥")),
    COP = (170, 2, "Colombian Peso", None),
    COU = (970, 2, "Unidad de Valor Real", None),
    CRC = (188, 2, "Costa Rican Colon", None),
    CUP = (192, 2, "Cuban Peso", None),
    CVE = (132, 2, "Cabo Verde Escudo", None),
    CZK = (203, 2, "Czech Koruna", None),
    DJF = (262, 0, "Djibouti Franc", None),
    DKK = (208, 2, "Danish Krone", None),
    DOP = (214, 2, "Dominican Peso", None),
    DZD = (12, 2, "Algerian Dinar", None),
    EGP = (818, 2, "Egyptian Pound", None),
    ERN = (232, 2, "Nakfa", None),
    ETB = (230, 2, "Ethiopian Birr", None),
    EUR = (978, 2, "Euro", Some("€")),
    FJD = (242, 2, "Fiji Dollar", None),
    FKP = (238, 2, "Falkland Islands Pound", None),
    GBP = (826, 2, "Pound Sterling", Some("£")),
    GEL = (981, 2, "Lari", None),
    GHS = (936, 2, "Ghana Cedi", None),
    GIP = (292, 2, "Gibraltar Pound", None),
    GMD = (270, 2, "Dalasi", None),
    GNF = (324, 0, "Guinean Franc", None),
    GTQ = (320, 2, "Quetzal", None),
    GYD = (328, 2, "Guyana Dollar", None),
    HKD = (344, 2, "Hong Kong Dollar", Some("HK$")),
    HNL = (340, 2, "Lempira", None),
    HTG = (332, 2, "Gourde", None),
    HUF = (348, 2, "Forint", None),
    IDR = (360, 2, "Rupiah", None),
    ILS = (376, 2, "New Israeli Sheqel", Some("₪")),
    INR = (356, 2, "Indian Rupee", Some("₹")),
    IQD = (368, 3, "Iraqi Dinar", None),
    IRR = (364, 2, "Iranian Rial", None),
    ISK = (352, 0, "Iceland Krona", None),
    JMD = (388, 2, "Jamaican Dollar", None),
    JOD = (400, 3, "Jordanian Dinar", None),
    JPY = (392, 0, "Yen", Some("¥")),
    KES = (404, 2, "Kenyan Shilling", None),
    KGS = (417, 2, "Som", None),
    KHR = (116, 2, "Riel", None),
    KMF = (174, 0, "Comorian Franc", None),
    KPW = (408, 2, "North Korean Won", None),
    KRW = (410, 0, "Won", Some("₩")),
    KWD = (414, 3, "Kuwaiti Dinar", None),
    KYD = (136, 2, "Cayman Islands Dollar", None),
    KZT = (398, 2, "Tenge", None),
    LAK = (418, 2, "Lao Kip", None),
    LBP = (422, 2, "Lebanese Pound", None),
    LKR = (144, 2, "Sri Lanka Rupee", None),
    LRD = (430, 2, "Liberian Dollar", None),
    LSL = (426, 2, "Loti", None),
    LYD = (434, 3, "Libyan Dinar", None),
    MAD = (504, 2, "Moroccan Dirham", None),
    MDL = (498, 2, "Moldovan Leu", None),
    MGA = (969, 2, "Malagasy Ariary", None),
    MKD = (807, 2, "Denar", None),
    MMK = (104, 2, "Kyat", None),
    MNT = (496, 2, "Tugrik", None),
    MOP = (446, 2, "Pataca", None),
    MRU = (929, 2, "Ouguiya", None),
    MUR = (480, 2, "Mauritius Rupee", None),
    MVR = (462, 2, "Rufiyaa", None),
    MWK = (454, 2, "Malawi Kwacha", None),
    MXN = (484, 2, "Mexican Peso", Some("MX$")),
    MXV = (979, 2, "Mexican Unidad de Inversion (UDI)", None),
    MYR = (458, 2, "Malaysian Ringgit", None),
    MZN = (943, 2, "Mozambique Metical", None),
    NAD = (516, 2, "Namibia Dollar", None),
    NGN = (566, 2, "Naira", None),
    NIO = (558, 2, "Cordoba Oro", None),
    NOK = (578, 2, "Norwegian Krone", None),
    NPR = (524, 2, "Nepalese Rupee", None),
    NZD = (554, 2, "New Zealand Dollar", Some("NZ$")),
    OMR = (512, 3, "Rial Omani", None),
    PAB = (590, 2, "Balboa", None),
    PEN = (604, 2, "Sol", None),
    PGK = (598, 2, "Kina", None),
    PHP = (608, 2, "Philippine Peso", Some("₱")),
    PKR = (586, 2, "Pakistan Rupee", None),
    PLN = (985, 2, "Zloty", None),
    PYG = (600, 0, "Guarani", None),
    QAR = (634, 2, "Qatari Rial", None),
    RON = (946, 2, "Romanian Leu", None),
    RSD = (941, 2, "Serbian Dinar", None),
    RUB = (643, 2, "Russian Ruble", None),
    RWF = (646, 0, "Rwanda Franc", None),
    SAR = (682, 2, "Saudi Riyal", None),
    SBD = (90, 2, "Solomon Islands Dollar", None),
    SCR = (690, 2, "Seychelles Rupee", None),
    SDG = (938, 2, "Sudanese Pound", None),
    SEK = (752, 2, "Swedish Krona", None),
    SGD = (702, 2, "Singapore Dollar", None),
    SHP = (654, 2, "Saint Helena Pound", None),
    SLE = (925, 2, "Leone", None),
    SLL = (694, 2, "Leone (old)", None),
    SOS = (706, 2, "Somali Shilling", None),
    SRD = (968, 2, "Surinam Dollar", None),
    SSP = (728, 2, "South Sudanese Pound", None),
    STN = (930, 2, "Dobra", None),
    SVC = (222, 2, "El Salvador Colon", None),
    SYP = (760, 2, "Syrian Pound", None),
    SZL = (748, 2, "Lilangeni", None),
    THB = (764, 2, "Baht", None),
    TJS = (972, 2, "Somoni", None),
    TMT = (934, 2, "Turkmenistan New Manat", None),
    TND = (788, 3, "Tunisian Dinar", None),
    TOP = (776, 2, "Pa'anga", None),
    TRY = (949, 2, "Turkish Lira", None),
    TTD = (780, 2, "Trinidad and Tobago Dollar", None),
    TWD = (901, 2, "New Taiwan Dollar", Some("NT$")),
    TZS = (834, 2, "Tanzanian Shilling", None),
    UAH = (980, 2, "Hryvnia", None),
    UGX = (800, 0, "Uganda Shilling", None),
    USD = (840, 2, "US Dollar", Some("$")),
    USN = (997, 2, "US Dollar (Next day)", None),
    UYI = (940, 0, "Uruguay Peso en Unidades Indexadas (UI)", None),
    UYU = (858, 2, "Peso Uruguayo", None),
    UYW = (927, 4, "Unidad Previsional", None),
    UZS = (860, 2, "Uzbekistan Sum", None),
    VED = (926, 2, "Bolivar Soberano (digital)", None),
    VES = (928, 2, "Bolivar Soberano", None),
    VND = (704, 0, "Dong", Some("₫")),
    VUV = (548, 0, "Vatu", None),
    WST = (882, 2, "Tala", None),
    XAD = (396, 2, "Arab Accounting Dinar", None),
    XAF = (950, 0, "CFA Franc BEAC", None),
    XCD = (951, 2, "East Caribbean Dollar", Some("EC$")),
    XCG = (532, 2, "Caribbean Guilder", None),
    XOF = (952, 0, "CFA Franc BCEAO", None),
    XPF = (953, 0, "CFP Franc", None),
    YER = (886, 2, "Yemeni Rial", None),
    ZAR = (710, 2, "Rand", None),
    ZMW = (967, 2, "Zambian Kwacha", None),
    ZWG = (924, 2, "Zimbabwe Gold", None),
}

impl Currency {
    /// Looks a currency up by its alphabetic code. ASCII case is ignored (`"usd"` is USD);
    /// anything else, including surrounding spaces, is [`MoneyError::UnknownCurrency`].
    pub fn from_code(code: &str) -> Result<Currency, MoneyError> {
        let unknown = || MoneyError::UnknownCurrency {
            code: excerpt(code, 16),
        };
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(unknown());
        }
        let upper = code.to_ascii_uppercase();
        TABLE
            .binary_search_by(|entry| entry.code.cmp(upper.as_str()))
            .ok()
            .and_then(|index| TABLE.get(index))
            .map(|entry| Currency(entry))
            .ok_or_else(unknown)
    }

    /// Looks a currency up by its ISO 4217 numeric code (e.g. 410 for KRW).
    pub fn from_numeric(numeric: u16) -> Option<Currency> {
        TABLE
            .iter()
            .find(|entry| entry.numeric == numeric)
            .map(|entry| Currency(entry))
    }

    /// Every currency in the table, in code order.
    pub fn all() -> impl ExactSizeIterator<Item = Currency> {
        TABLE.iter().map(|entry| Currency(entry))
    }

    /// The three-letter alphabetic code, upper case (`"KRW"`).
    pub fn code(self) -> &'static str {
        self.0.code
    }

    /// The ISO 4217 numeric code (`410` for KRW).
    pub fn numeric(self) -> u16 {
        self.0.numeric
    }

    /// Decimal places of the minor unit: 0 for KRW and JPY, 2 for USD, 3 for BHD, 4 for CLF.
    pub fn minor_units(self) -> u32 {
        u32::from(self.0.minor_units)
    }

    /// The ISO 4217 English name (`"Won"`).
    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// The prefix symbol people recognise without ambiguity (`₩`, `$`, `€`, `CA$`), if there is
    /// one. Currencies without one are shown with their code.
    pub fn symbol(self) -> Option<&'static str> {
        self.0.symbol
    }
}

impl PartialEq for Currency {
    fn eq(&self, other: &Self) -> bool {
        self.0.code == other.0.code
    }
}

impl Eq for Currency {}

impl Hash for Currency {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.code.hash(state);
    }
}

impl PartialOrd for Currency {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Currency {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.code.cmp(other.0.code)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.code)
    }
}

/// Shows the code (`KRW`); the symbol is for [`crate::format()`].
impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.code)
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Currency::from_code(code)
    }
}

/// Serialised as the code string, `"USD"`.
impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique_so_binary_search_finds_every_code() {
        for pair in TABLE.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} must sort before {}",
                pair[0].code,
                pair[1].code
            );
        }
        for entry in TABLE {
            assert_eq!(Currency::from_code(entry.code).unwrap().code(), entry.code);
        }
    }

    #[test]
    fn numeric_codes_are_unique_and_in_range() {
        let mut seen = std::collections::HashSet::new();
        for entry in TABLE {
            assert!(
                seen.insert(entry.numeric),
                "numeric {} used twice",
                entry.numeric
            );
            assert!(entry.numeric > 0 && entry.numeric < 1000);
            assert!(entry.minor_units <= 4, "no active currency has more than 4");
        }
    }

    #[test]
    fn codes_are_three_upper_case_letters() {
        for entry in TABLE {
            assert!(entry.code.len() == 3 && entry.code.bytes().all(|b| b.is_ascii_uppercase()));
        }
    }

    #[test]
    fn lookup_ignores_ascii_case_but_not_spaces() {
        assert_eq!(Currency::from_code("krw").unwrap(), Currency::KRW);
        assert!(Currency::from_code(" KRW").is_err());
        assert!(Currency::from_code("KRWX").is_err());
        assert!(Currency::from_code("").is_err());
        assert!(Currency::from_code("₩").is_err());
    }

    #[test]
    fn currency_is_one_pointer_wide() {
        assert_eq!(
            std::mem::size_of::<Currency>(),
            std::mem::size_of::<usize>()
        );
    }
}
