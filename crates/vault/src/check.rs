//! The consistency check of an open vault (`tipvault check`): everything that must hold of a
//! vault at rest, checked in one pass, so that after a crash, a full disk or an I/O error the
//! user (and the fault-injection tests, `tests/faults.rs`) can tell a vault that came through
//! whole from one that did not.
//!
//! What it checks, cheapest first: every page's HMAC (SQLCipher, as unlock does), SQLite's own
//! structure check (b-trees, indexes, free list), foreign keys, the search index against the
//! entries it indexes, the maintained balances against the sums of live entries, and the audit
//! log's hash chain. It only reads; a problem is reported, never repaired.

use chrono::{DateTime, Utc};

use crate::audit::AuditProblem;
use crate::error::StoreError;
use crate::vault::Vault;

/// What the check found; no problem means every part holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyReport {
    /// Live entries whose balances were summed again.
    pub entries: u64,
    /// Audit entries whose hashes were checked.
    pub audit_entries: u64,
    /// Each part that does not hold, in the order checked.
    pub problems: Vec<Inconsistency>,
}

impl ConsistencyReport {
    /// True when every part holds.
    #[must_use]
    pub fn is_consistent(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One part of the vault that does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Inconsistency {
    /// A page's HMAC does not verify (damaged or edited outside Tipvault).
    #[error("damaged pages: {0}")]
    Pages(String),
    /// SQLite's structure check failed (a b-tree, an index or the free list).
    #[error("damaged database structure: {0}")]
    Structure(String),
    /// Rows that point at rows that do not exist.
    #[error("{0} rows refer to records that do not exist")]
    ForeignKeys(u64),
    /// The search index does not match the entries it indexes.
    #[error("the search index does not match the entries: {0}")]
    SearchIndex(String),
    /// The maintained balances differ from the sums of live entries.
    #[error("the balances differ from the sums of the live entries")]
    Balances,
    /// The audit log's hash chain is broken.
    #[error("the audit log's hash chain is broken: {0:?}")]
    Audit(AuditProblem),
}

impl Vault {
    /// Checks the whole vault at `now` (see the module documentation); an error only when the
    /// database cannot be read at all.
    pub fn check_consistency(&self, now: DateTime<Utc>) -> Result<ConsistencyReport, StoreError> {
        let mut problems = Vec::new();
        if let Err(e) = self.check_integrity() {
            problems.push(Inconsistency::Pages(e.to_string()));
        }
        let conn = self.conn();
        let structure: Vec<String> = conn
            .prepare("PRAGMA integrity_check")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| self.sql_err(e))?;
        if structure != ["ok"] {
            problems.push(Inconsistency::Structure(structure.join("; ")));
        }
        let dangling: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.sql_err(e))?;
        if dangling > 0 {
            problems.push(Inconsistency::ForeignKeys(dangling.unsigned_abs()));
        }
        // FTS5's own check compares the index with its content table (`entry_detail`); it
        // answers SQLITE_CORRUPT_VTAB when they differ. It writes nothing.
        if let Err(e) = conn.execute(
            "INSERT INTO entry_fts (entry_fts, rank) VALUES ('integrity-check', 1)",
            [],
        ) {
            problems.push(Inconsistency::SearchIndex(e.to_string()));
        }
        let maintained = self.balances(now)?;
        let recomputed = self.balances_recomputed(now)?;
        if maintained != recomputed {
            problems.push(Inconsistency::Balances);
        }
        let entries = recomputed.iter().map(|b| b.entries).sum();
        let audit = self.audit_verify()?;
        if let Some(problem) = &audit.problem {
            problems.push(Inconsistency::Audit(problem.clone()));
        }
        Ok(ConsistencyReport {
            entries,
            audit_entries: audit.checked,
            problems,
        })
    }
}
