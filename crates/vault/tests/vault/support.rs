//! Shared helpers: fixed clocks, vault set-up, file surgery, and a test-only SQLCipher 4 page
//! decryptor used to prove that purged plaintext is really gone.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use secrecy::SecretString;
use tempfile::TempDir;
use tipvault_vault::{KdfParams, Vault};

pub const PASSPHRASE: &str = "integration test passphrase";

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

pub fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

pub fn pass() -> SecretString {
    SecretString::from(PASSPHRASE)
}

/// A fresh vault (minimum KDF parameters) in a new temp dir.
pub fn new_vault() -> (TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault");
    let vault = Vault::create(&path, &pass(), KdfParams::POLICY_MIN, t0()).unwrap();
    (dir, vault)
}

pub fn vault_dir(tmp: &TempDir) -> PathBuf {
    tmp.path().join("vault")
}

pub fn unlock(dir: &Path) -> Vault {
    Vault::unlock(dir, &pass(), t0()).unwrap().0
}

/// Copies every file of a vault directory (e.g. to damage the copy, not the original).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

pub fn flip_byte(path: &Path, offset: u64) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[offset as usize] ^= 0x5a;
    std::fs::write(path, bytes).unwrap();
}

/// SHA-256 of every file in a directory, to prove an operation wrote nothing.
pub fn fingerprint(dir: &Path) -> Vec<(String, Vec<u8>)> {
    use sha2::{Digest, Sha256};
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = std::fs::read(e.path()).unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                Sha256::digest(&bytes).to_vec(),
            )
        })
        .collect();
    out.sort();
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Test-only SQLCipher 4 page decryption, written from SQLCipher's sources (sqlcipher.c:
/// `sqlcipher_cipher_ctx_key_derive`, `sqlcipher_page_cipher`, `sqlcipher_page_hmac`,
/// `sqlite3Codec`) for the default v4 settings:
///
/// - page size 4096, reserve 80 bytes at the end of each page = IV (16) + HMAC-SHA512 (64);
/// - page 1 starts with the 16-byte plaintext KDF salt; its encrypted part starts at offset 16;
/// - a 32-byte raw key (`x'…'`) is the AES-256 key as is; the HMAC key is
///   PBKDF2-HMAC-SHA512(key, salt XOR 0x3a, 2 iterations, 32 bytes);
/// - HMAC-SHA512 covers ciphertext ‖ IV ‖ page number (u32 little-endian);
/// - AES-256-CBC without padding over the page minus the reserve.
///
/// WAL frames (24-byte header + one page) carry pages encrypted the same way.
pub mod pages {
    use aes::Aes256;
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::NoPadding};
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::Sha512;

    pub const PAGE: usize = 4096;
    const RESERVE: usize = 80;
    const IV: usize = 16;
    const SALT: usize = 16;

    pub struct Keys {
        key: [u8; 32],
        hmac_key: [u8; 32],
    }

    impl Keys {
        pub fn new(raw_key_hex: &str, db_salt: &[u8]) -> Keys {
            let key: [u8; 32] = hex::decode(raw_key_hex).unwrap().try_into().unwrap();
            let mask: Vec<u8> = db_salt[..SALT].iter().map(|b| b ^ 0x3a).collect();
            let mut hmac_key = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha512>(&key, &mask, 2, &mut hmac_key);
            Keys { key, hmac_key }
        }
    }

    /// Decrypts one page; `Err` when its HMAC does not verify.
    pub fn decrypt_page(keys: &Keys, pgno: u32, raw: &[u8]) -> Result<Vec<u8>, String> {
        assert_eq!(raw.len(), PAGE);
        let offset = if pgno == 1 { SALT } else { 0 };
        let body = &raw[offset..];
        let size = body.len() - RESERVE;
        let (ciphertext, reserve) = body.split_at(size);
        let iv = &reserve[..IV];
        let tag = &reserve[IV..IV + 64];
        let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(&keys.hmac_key).unwrap();
        mac.update(ciphertext);
        mac.update(iv);
        mac.update(&pgno.to_le_bytes());
        mac.verify_slice(tag)
            .map_err(|_| format!("HMAC mismatch on page {pgno}"))?;
        let mut buf = ciphertext.to_vec();
        cbc::Decryptor::<Aes256>::new_from_slices(&keys.key, iv)
            .unwrap()
            .decrypt_padded::<NoPadding>(&mut buf)
            .unwrap();
        let mut page = Vec::with_capacity(PAGE);
        if pgno == 1 {
            page.extend_from_slice(b"SQLite format 3\0");
        }
        page.extend_from_slice(&buf);
        page.resize(PAGE, 0);
        Ok(page)
    }

    /// Every page of a database file, decrypted (panics on an HMAC failure: every page that
    /// SQLCipher wrote, free pages included, carries a valid HMAC).
    pub fn decrypt_db(keys: &Keys, file: &[u8]) -> Vec<Vec<u8>> {
        assert_eq!(file.len() % PAGE, 0, "a SQLCipher file is whole pages");
        file.chunks(PAGE)
            .enumerate()
            .map(|(i, raw)| decrypt_page(keys, i as u32 + 1, raw).unwrap())
            .collect()
    }

    /// Every frame of a WAL file, decrypted: `(page number, plaintext)`.
    pub fn decrypt_wal(keys: &Keys, wal: &[u8]) -> Vec<(u32, Vec<u8>)> {
        if wal.is_empty() {
            return Vec::new();
        }
        assert!(wal.len() >= 32, "WAL header is 32 bytes");
        let page_size = u32::from_be_bytes(wal[8..12].try_into().unwrap()) as usize;
        assert_eq!(
            page_size, PAGE,
            "WAL header must give the vault's page size"
        );
        let frame = 24 + PAGE;
        wal[32..]
            .chunks(frame)
            .filter(|f| f.len() == frame)
            .map(|f| {
                let pgno = u32::from_be_bytes(f[0..4].try_into().unwrap());
                (pgno, decrypt_page(keys, pgno, &f[24..]).unwrap())
            })
            .collect()
    }

    /// SQLite's WAL checksum over `data` (native = big-endian for magic 0x377f0683, else little).
    pub fn wal_checksum(big_endian: bool, data: &[u8], mut s: (u32, u32)) -> (u32, u32) {
        for pair in data.chunks(8) {
            let word = |b: &[u8]| {
                let a: [u8; 4] = b.try_into().unwrap();
                if big_endian {
                    u32::from_be_bytes(a)
                } else {
                    u32::from_le_bytes(a)
                }
            };
            let (x0, x1) = (word(&pair[0..4]), word(&pair[4..8]));
            s.0 = s.0.wrapping_add(x0).wrapping_add(s.1);
            s.1 = s.1.wrapping_add(x1).wrapping_add(s.0);
        }
        s
    }

    /// Recomputes every frame checksum of a WAL, as someone forging a frame would.
    pub fn reseal_wal_checksums(wal: &mut [u8]) {
        let magic = u32::from_be_bytes(wal[0..4].try_into().unwrap());
        let big_endian = magic & 1 == 1;
        let mut s = wal_checksum(big_endian, &wal[0..24], (0, 0));
        let frame = 24 + PAGE;
        let mut offset = 32;
        while offset + frame <= wal.len() {
            let mut data = wal[offset..offset + 8].to_vec();
            data.extend_from_slice(&wal[offset + 24..offset + frame]);
            s = wal_checksum(big_endian, &data, s);
            wal[offset + 16..offset + 20].copy_from_slice(&s.0.to_be_bytes());
            wal[offset + 20..offset + 24].copy_from_slice(&s.1.to_be_bytes());
            offset += frame;
        }
    }
}

/// A plain rusqlite connection keyed with the exported raw key, for tests that tamper with
/// rows behind the vault's back.
pub fn raw_conn(dir: &Path, key_hex: &str) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join("vault.db")).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{key_hex}'\";"))
        .unwrap();
    conn
}
