//! Serialisable views of vault values for the front ends (JSON for `--json` and the UI).
//!
//! The vault crate's types stay free of presentation concerns; these views decide the JSON
//! shape once, so the CLI and the desktop show the same thing.

use std::collections::BTreeMap;
use ts_rs::TS;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tipvault_vault::{
    AuditEntry, AuditProblem, AuditReport, KdfParams, PurgeReport, RetentionClass,
};

/// Argon2id cost, in units people read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct KdfView {
    pub memory_mib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl From<KdfParams> for KdfView {
    fn from(p: KdfParams) -> Self {
        Self {
            memory_mib: p.memory_kib / 1024,
            iterations: p.iterations,
            parallelism: p.parallelism,
        }
    }
}

/// What a purge removed, or would remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PurgeView {
    pub dry_run: bool,
    pub per_class: BTreeMap<String, u64>,
    pub total: u64,
}

impl From<PurgeReport> for PurgeView {
    fn from(r: PurgeReport) -> Self {
        Self {
            dry_run: r.dry_run,
            per_class: r.per_class,
            total: r.total,
        }
    }
}

/// A retention class: how long records of one kind live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RetentionView {
    pub name: String,
    pub seconds: u64,
    pub default_seconds: u64,
}

impl From<RetentionClass> for RetentionView {
    fn from(c: RetentionClass) -> Self {
        Self {
            name: c.name,
            seconds: c.duration.as_secs(),
            default_seconds: c.default.as_secs(),
        }
    }
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct AuditEntryView {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub detail: serde_json::Value,
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            kind: e.kind,
            detail: e.detail,
            hash: hex(&e.hash),
        }
    }
}

/// The result of checking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AuditVerifyView {
    pub intact: bool,
    pub checked: u64,
    /// The sequence number the chain starts after, when older entries were purged.
    pub anchor_seq: Option<u64>,
    /// What is wrong, in words, when the chain is broken.
    pub problem: Option<String>,
}

impl From<AuditReport> for AuditVerifyView {
    fn from(r: AuditReport) -> Self {
        Self {
            intact: r.is_intact(),
            checked: r.checked,
            anchor_seq: r.anchor.map(|a| a.seq),
            problem: r.problem.map(|p| match p {
                AuditProblem::HashMismatch { seq } => {
                    format!("entry {seq} was changed after it was written")
                }
                AuditProblem::BrokenLink { seq } => format!(
                    "entry {seq} does not follow the entry before it (one was removed, inserted or moved)"
                ),
                AuditProblem::SequenceGap { expected, found } => {
                    format!("entry {expected} is missing (the next entry found is {found})")
                }
            }),
        }
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
