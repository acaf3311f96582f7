use tipvault_app::{audit_entries, verify_audit_log};

use super::support::{new_vault, t0};

#[test]
fn a_new_vault_has_an_intact_chain_starting_with_its_creation() {
    let (_dir, _location, mut session) = new_vault();
    let check = verify_audit_log(&mut session, t0()).unwrap();
    assert!(check.intact && check.checked >= 1, "{check:?}");
    let entries = audit_entries(&mut session, t0(), 0, 10).unwrap();
    assert_eq!(entries[0].kind, "vault.created");
    assert_eq!(entries[0].hash.len(), 64, "hashes are shown as hex");
}

#[test]
fn entries_page_by_sequence_number() {
    let (_dir, _location, mut session) = new_vault();
    for _ in 0..3 {
        tipvault_app::purge_expired(&mut session, t0(), true).unwrap();
        tipvault_app::set_retention(
            &mut session,
            "draft",
            std::time::Duration::from_secs(3600),
            super::support::pass_proof(&super::support::secret(super::support::PASSPHRASE)),
            t0(),
        )
        .unwrap();
    }
    let first = audit_entries(&mut session, t0(), 0, 2).unwrap();
    assert_eq!(first.len(), 2);
    let next = audit_entries(&mut session, t0(), first[1].seq, 2).unwrap();
    assert!(
        next[0].seq > first[1].seq,
        "the next page starts after the last one seen"
    );
}
