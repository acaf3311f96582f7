//! What an import keeps about payers, and the count of what it dropped.
//!
//! Decision: e-mail addresses are never kept — not from a column named like one, not from an
//! unnamed column whose cell looks like one, not from inside a payer name or message the user
//! chose to keep (they are replaced by `[e-mail removed]`). Payer names and messages are kept
//! only on opt-in. Every other column a format does not read is simply never stored; those that
//! look personal (addresses, phones, locations, handles) are counted so the UI can say what was
//! dropped. Classification is by header words, in English and Korean.

use serde::{Deserialize, Serialize};

/// What the user chose to keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// Keep the payer's name (off by default).
    pub keep_payer_names: bool,
    /// Keep the payer's message (off by default).
    pub keep_messages: bool,
}

/// Counts of personal data dropped by an import, per kind (non-empty cells).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedSummary {
    /// E-mail addresses (always dropped).
    pub emails: u64,
    /// Payer names and handles not kept.
    pub names: u64,
    /// Messages and notes not kept.
    pub messages: u64,
    /// Postal addresses, phone numbers, locations and other personal columns.
    pub other_personal: u64,
}

/// The part a column plays, for privacy accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Read by the format for data (amount, date, id, kind…), or not personal.
    Data,
    /// The payer's name, read by the format; kept only on opt-in.
    Payer,
    /// The payer's message, read by the format; kept only on opt-in.
    Message,
    /// Never read; counted as dropped e-mail.
    Email,
    /// Never read; counted as a dropped name.
    Name,
    /// Never read; counted as a dropped message.
    UnreadMessage,
    /// Never read; counted as other personal data.
    OtherPersonal,
}

/// Classifies a column the format does not read, by its header.
pub(crate) fn classify_unread(header: &str) -> Role {
    let lower = header.trim().to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    let contains_any = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
    if contains_any(&["email", "e-mail", "e mail", "이메일", "메일"]) {
        return Role::Email;
    }
    if lower.contains("addressee") {
        return Role::Name;
    }
    if contains_any(&[
        "address",
        "street",
        "zip",
        "postal",
        "postcode",
        "phone",
        "twitter",
        "discord",
        "주소",
        "전화",
        "연락처",
        "휴대폰",
    ]) || has("city")
        || has("town")
        || has("country")
        || has("state")
        || has("region")
        || has("province")
        || has("stateorprovince")
        || has("ip")
        || lower.contains("buyercountry")
        || lower.contains("buyerstate")
    {
        return Role::OtherPersonal;
    }
    if contains_any(&[
        "message",
        "note",
        "comment",
        "memo",
        "메시지",
        "메모",
        "내용",
        "사연",
    ]) {
        return Role::UnreadMessage;
    }
    let names_an_object = contains_any(&["tier", "item", "product", "plan", "file", "shop"]);
    if (has("name") || has("from") || has("handle") || has("nickname") || has("payer"))
        && !names_an_object
        || contains_any(&["이름", "닉네임", "후원자", "보낸 사람", "성명"])
    {
        return Role::Name;
    }
    Role::Data
}

/// Whether `s` looks like an e-mail address (one `@`, something before, a dotted domain after).
pub(crate) fn looks_like_email(s: &str) -> bool {
    let s = s.trim_matches(|c: char| "<>()[]{},;:\"'".contains(c) || c.is_whitespace());
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !s.contains(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// Replaces every e-mail-like token in `text`; returns the new text and how many were removed.
pub(crate) fn scrub_emails(text: &str) -> (String, u64) {
    if !text.contains('@') {
        return (text.to_owned(), 0);
    }
    let mut out = String::with_capacity(text.len());
    let mut removed = 0;
    for piece in text.split_inclusive(char::is_whitespace) {
        let token = piece.trim_end();
        let trailing = &piece[token.len()..];
        if looks_like_email(token) {
            // Keep the brackets around the address. `trim_*_matches` cut at character
            // boundaries: the address may end in any character (the fuzz target `import_csv`
            // found one ending in a Hangul syllable, which a byte offset + 1 cut in half).
            let bracket = |c: char| "<>()[]{},;:\"'".contains(c);
            let start = token.len() - token.trim_start_matches(bracket).len();
            let end = token.trim_end_matches(bracket).len().max(start);
            out.push_str(&token[..start]);
            out.push_str("[e-mail removed]");
            out.push_str(&token[end..]);
            removed += 1;
        } else {
            out.push_str(token);
        }
        out.push_str(trailing);
    }
    (out, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_ending_in_a_multibyte_character_is_scrubbed_whole() {
        // Found by the fuzz target `import_csv` (tests/fuzz/regressions/import_csv/).
        assert_eq!(
            scrub_emails("write to <a@b.co똳> please"),
            ("write to <[e-mail removed]> please".to_owned(), 1)
        );
        assert_eq!(scrub_emails("a@b.co똳"), ("[e-mail removed]".to_owned(), 1));
    }

    #[test]
    fn classifies_real_export_headers() {
        for h in [
            "BuyerEmail",
            "From Email Address",
            "Sponsor Public Email",
            "이메일",
        ] {
            assert_eq!(classify_unread(h), Role::Email, "{h}");
        }
        for h in [
            "Street",
            "Zip",
            "Phone",
            "BuyerCountry",
            "Town/City",
            "Country",
            "주소",
        ] {
            assert_eq!(classify_unread(h), Role::OtherPersonal, "{h}");
        }
        for h in ["Name", "From", "Sponsor Handle", "후원자 닉네임"] {
            assert_eq!(classify_unread(h), Role::Name, "{h}");
        }
        for h in [
            "Item",
            "Tier Name",
            "Currency",
            "Description",
            "TransactionId",
            "Shipping",
        ] {
            assert_eq!(classify_unread(h), Role::Data, "{h}");
        }
        assert_eq!(classify_unread("Note"), Role::UnreadMessage);
    }

    #[test]
    fn scrubs_emails_inside_kept_text() {
        let (s, n) = scrub_emails("thanks! write me at <ann@example.org>, ok");
        assert_eq!(s, "thanks! write me at <[e-mail removed]>, ok");
        assert_eq!(n, 1);
        assert_eq!(
            scrub_emails("@handle and a@b"),
            ("@handle and a@b".into(), 0)
        );
    }
}
