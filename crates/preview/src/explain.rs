//! Plain-language explanations of a plan, in English and Korean.
//!
//! Decision: every amount goes through money's [`format`], so the same plan reads `₩1,300` in
//! English and `1,300원` in Korean, and no amount is ever rounded for display. Korean particles
//! that depend on the last syllable (은/는, 으로/로, 을/를) are chosen exactly for amounts in won
//! (they end in 원) and written in the neutral double form (`은(는)`) otherwise, as Korean
//! software does when the reading is not known.

use crate::plan::{Leg, Note, Plan, Stranded};
use crate::product::ProductKind;
use tipvault_money::{Currency, Locale, Money, format};

/// The plan in one paragraph for a person: what each part becomes, fees, what stays, what
/// would free stranded value, how long it takes, and whether the catalog is current.
///
/// English: "Your ₩1,300 will be: ₩1,000 mobile top-up + ₩300 donation credit."
/// Korean: "1,300원은 휴대폰 충전 1,000원 + 기부 300원으로 바뀝니다."
pub fn explain(plan: &Plan, locale: Locale) -> String {
    match locale {
        Locale::En => english(plan),
        Locale::Ko => korean(plan),
    }
}

/// The kind's name in running text.
pub fn kind_name(kind: ProductKind, locale: Locale) -> &'static str {
    match (locale, kind) {
        (Locale::En, ProductKind::MobileTopUp) => "mobile top-up",
        (Locale::En, ProductKind::Donation) => "donation credit",
        (Locale::En, ProductKind::TransitCredit) => "transit credit",
        (Locale::En, ProductKind::GiftCard) => "gift card",
        (Locale::En, ProductKind::BankPayout) => "bank payout",
        (Locale::Ko, ProductKind::MobileTopUp) => "휴대폰 충전",
        (Locale::Ko, ProductKind::Donation) => "기부",
        (Locale::Ko, ProductKind::TransitCredit) => "교통카드 충전",
        (Locale::Ko, ProductKind::GiftCard) => "상품권",
        (Locale::Ko, ProductKind::BankPayout) => "계좌 출금",
    }
}

fn total(amounts: &[Money], locale: Locale) -> String {
    let shown: Vec<String> = amounts
        .iter()
        .filter(|m| !m.is_zero())
        .map(|m| format(m, locale))
        .collect();
    match locale {
        Locale::En => shown.join(" and "),
        Locale::Ko => shown.join(", "),
    }
}

fn duration(seconds: u64, locale: Locale) -> String {
    let (value, en, ko) = if seconds == 0 {
        return match locale {
            Locale::En => "instantly".to_owned(),
            Locale::Ko => "즉시".to_owned(),
        };
    } else if seconds < 3600 {
        (seconds.div_ceil(60), "minute", "분")
    } else if seconds < 86_400 {
        (seconds.div_ceil(3600), "hour", "시간")
    } else {
        (seconds.div_ceil(86_400), "day", "일")
    };
    match locale {
        Locale::En if value == 1 => format!("1 {en}"),
        Locale::En => format!("{value} {en}s"),
        Locale::Ko => format!("{value}{ko}"),
    }
}

fn won(m: &Money) -> bool {
    m.currency() == Currency::KRW
}

/// 은/는 after an amount.
fn topic(m: &Money) -> &'static str {
    if won(m) { "은" } else { "은(는)" }
}

/// 으로/로 after an amount.
fn toward(m: &Money) -> &'static str {
    if won(m) { "으로" } else { "(으)로" }
}

/// 을/를 after an amount.
fn object(m: &Money) -> &'static str {
    if won(m) { "을" } else { "을(를)" }
}

fn leg_en(leg: &Leg) -> String {
    let mut text = format!(
        "{} {}",
        format(&leg.net, Locale::En),
        kind_name(leg.kind, Locale::En)
    );
    let mut details = Vec::new();
    if leg.redemptions.len() > 1 {
        let parts: Vec<String> = leg
            .redemptions
            .iter()
            .map(|r| format(&r.net, Locale::En))
            .collect();
        details.push(parts.join(" + "));
    }
    if leg.fee.is_positive() {
        details.push(format!("fee {}", format(&leg.fee, Locale::En)));
    }
    if leg.rate.is_some() {
        details.push(format!("paid with {}", format(&leg.debit, Locale::En)));
    }
    if !details.is_empty() {
        text.push_str(&format!(" ({})", details.join(", ")));
    }
    text
}

fn leg_ko(leg: &Leg) -> String {
    let mut text = format!(
        "{} {}",
        kind_name(leg.kind, Locale::Ko),
        format(&leg.net, Locale::Ko)
    );
    let mut details = Vec::new();
    if leg.redemptions.len() > 1 {
        let parts: Vec<String> = leg
            .redemptions
            .iter()
            .map(|r| format(&r.net, Locale::Ko))
            .collect();
        details.push(parts.join(" + "));
    }
    if leg.fee.is_positive() {
        details.push(format!("수수료 {}", format(&leg.fee, Locale::Ko)));
    }
    if leg.rate.is_some() {
        details.push(format!("{}에서 환전", format(&leg.debit, Locale::Ko)));
    }
    if !details.is_empty() {
        text.push_str(&format!("({})", details.join(", ")));
    }
    text
}

fn unlock_en(s: &Stranded) -> Option<String> {
    let u = s.unlock.as_ref()?;
    Some(format!(
        " {} more and this becomes a {} {}.",
        format(&u.more, Locale::En),
        format(&u.becomes, Locale::En),
        kind_name(u.kind, Locale::En)
    ))
}

fn unlock_ko(s: &Stranded) -> Option<String> {
    let u = s.unlock.as_ref()?;
    Some(format!(
        " {}{} 더 모으면 {} {}{} 바꿀 수 있습니다.",
        format(&u.more, Locale::Ko),
        object(&u.more),
        kind_name(u.kind, Locale::Ko),
        format(&u.becomes, Locale::Ko),
        toward(&u.becomes),
    ))
}

fn english(plan: &Plan) -> String {
    let balance = total(&plan.balance, Locale::En);
    let mut text = if plan.notes.iter().any(|n| matches!(n, Note::ZeroBalance)) {
        "Your balance is zero: there is nothing to convert.".to_owned()
    } else if plan.legs.is_empty() {
        format!("Nothing can be converted from your {balance} right now.")
    } else {
        let legs: Vec<String> = plan.legs.iter().map(leg_en).collect();
        format!("Your {balance} will be: {}.", legs.join(" + "))
    };
    for m in plan.kept.iter().filter(|m| m.is_positive()) {
        text.push_str(&format!(
            " {} is kept, as you asked.",
            format(m, Locale::En)
        ));
    }
    for note in &plan.notes {
        if let Note::HeldByLimit { limit, held } = note {
            text.push_str(&format!(
                " {} waits: you can cash out up to {} now.",
                format(held, Locale::En),
                format(limit, Locale::En)
            ));
        }
    }
    for s in &plan.stranded {
        text.push_str(&format!(
            " {} stays in your balance.",
            format(&s.amount, Locale::En)
        ));
        if let Some(u) = unlock_en(s) {
            text.push_str(&u);
        }
    }
    if !plan.legs.is_empty() {
        text.push_str(&format!(
            " Done {}, at worst in {}.",
            match plan.eta_typical_seconds {
                0 => "instantly".to_owned(),
                s => format!("in about {}", duration(s, Locale::En)),
            },
            duration(plan.eta_worst_seconds, Locale::En)
        ));
    }
    for note in &plan.notes {
        match note {
            Note::CatalogExpired { .. } => text.push_str(
                " The provider's catalog has expired: this is only a preview; refresh the \
                 catalog before redeeming.",
            ),
            Note::CatalogStale { .. } => {
                text.push_str(" The provider's catalog is out of date: prices may have changed.")
            }
            _ => {}
        }
    }
    text
}

fn korean(plan: &Plan) -> String {
    let shown: Vec<&Money> = plan.balance.iter().filter(|m| !m.is_zero()).collect();
    let balance = total(&plan.balance, Locale::Ko);
    let last = shown.last().copied();
    let mut text = if plan.notes.iter().any(|n| matches!(n, Note::ZeroBalance)) {
        "잔액이 0이라 바꿀 것이 없습니다.".to_owned()
    } else if plan.legs.is_empty() {
        format!(
            "지금은 {balance}{} 바꿀 수 있는 상품이 없습니다.",
            last.map_or("을", object)
        )
    } else {
        let legs: Vec<String> = plan.legs.iter().map(leg_ko).collect();
        let tail = plan.legs.last().map(|l| {
            if l.fee.is_positive() || l.redemptions.len() > 1 || l.rate.is_some() {
                // The text ends with ')' after the details: use the neutral form.
                "(으)로"
            } else {
                toward(&l.net)
            }
        });
        format!(
            "{balance}{} {}{} 바뀝니다.",
            last.map_or("은", topic),
            legs.join(" + "),
            tail.unwrap_or("으로")
        )
    };
    for m in plan.kept.iter().filter(|m| m.is_positive()) {
        text.push_str(&format!(
            " {}{} 요청대로 남겨 둡니다.",
            format(m, Locale::Ko),
            object(m)
        ));
    }
    for note in &plan.notes {
        if let Note::HeldByLimit { limit, held } = note {
            text.push_str(&format!(
                " 지금은 최대 {}까지 현금화할 수 있어 {}{} 기다립니다.",
                format(limit, Locale::Ko),
                format(held, Locale::Ko),
                topic(held)
            ));
        }
    }
    for s in &plan.stranded {
        text.push_str(&format!(
            " {}{} 잔액에 남습니다.",
            format(&s.amount, Locale::Ko),
            topic(&s.amount)
        ));
        if let Some(u) = unlock_ko(s) {
            text.push_str(&u);
        }
    }
    if !plan.legs.is_empty() {
        text.push_str(&format!(
            " {}, 늦어도 {} 안에 완료됩니다.",
            match plan.eta_typical_seconds {
                0 => "보통 즉시".to_owned(),
                s => format!("보통 {}", duration(s, Locale::Ko)),
            },
            duration(plan.eta_worst_seconds, Locale::Ko)
        ));
    }
    for note in &plan.notes {
        match note {
            Note::CatalogExpired { .. } => text.push_str(
                " 제공자의 상품 목록이 만료되어 미리보기만 가능합니다. 교환하기 전에 목록을 새로 받으세요.",
            ),
            Note::CatalogStale { .. } => {
                text.push_str(" 제공자의 상품 목록이 오래되어 가격이 바뀌었을 수 있습니다.")
            }
            _ => {}
        }
    }
    text
}
