//! Importing platform exports into entries.
//!
//! Owns the import pipeline: encoding detection → CSV records → format detection → one row
//! parser per format (a submodule each) → privacy filtering → balanced [`Entry`]s with
//! de-duplication keys. Decision: the pipeline streams. Input is any `Read`, read in 64 KiB
//! blocks; entries go to a sink in batches ([`import_streaming`]) or are collected
//! ([`import`]); progress and cancellation are checked as it goes. A row is either a whole
//! entry, a [`RowError`], or a skipped row with a reason — never half. Problems with the whole
//! file (not text, empty, a required column missing, unknown layout) are an [`ImportError`].

mod cells;
pub mod encoding;
pub mod generic;
mod github;
mod kofi;
mod paypal;
pub mod privacy;
mod stripe;

use crate::entry::{
    Entry, EntryError, EntryKey, EntryKind, Fingerprint, FingerprintInput, NewEntry,
};
use crate::source::Source;
use chrono::{DateTime, Utc};
use csv::StringRecord;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::io::{Cursor, Read};
use tipvault_money::Money;

pub use encoding::TextEncoding;
pub use generic::{AmountColumns, ColumnRef, CurrencySpec, KindSpec, MappingProfile};
use privacy::Role;
pub use privacy::{DroppedSummary, ImportOptions};

/// The file layouts the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Ko-fi transactions CSV.
    KoFi,
    /// PayPal activity CSV.
    PayPal,
    /// Stripe balance-transactions CSV.
    Stripe,
    /// GitHub Sponsors transactions CSV.
    GitHubSponsors,
    /// Any CSV, through a [`MappingProfile`].
    Generic,
}

impl Format {
    /// Parses a `--format` value: `kofi`, `paypal`, `stripe`, `github-sponsors`, `generic`.
    pub fn parse(text: &str) -> Option<Format> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "kofi" | "ko-fi" => Some(Format::KoFi),
            "paypal" => Some(Format::PayPal),
            "stripe" => Some(Format::Stripe),
            "github" | "github-sponsors" => Some(Format::GitHubSponsors),
            "generic" | "profile" => Some(Format::Generic),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::KoFi => "Ko-fi transactions CSV",
            Format::PayPal => "PayPal activity CSV",
            Format::Stripe => "Stripe balance transactions CSV",
            Format::GitHubSponsors => "GitHub Sponsors CSV",
            Format::Generic => "CSV with a mapping profile",
        })
    }
}

/// Detect the format from the header row, or force one (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatChoice {
    /// Detect from the header row (a given profile means [`Format::Generic`]).
    #[default]
    Auto,
    /// Use this format whatever the header says.
    Force(Format),
}

/// What to import, for which source, how.
#[derive(Debug, Clone, Copy)]
pub struct ImportRequest<'a> {
    /// The source the entries belong to (its id and platform namespace the keys).
    pub source: &'a Source,
    /// Detect or force the format.
    pub format: FormatChoice,
    /// The mapping profile, required for [`Format::Generic`].
    pub profile: Option<&'a MappingProfile>,
    /// What to keep about payers.
    pub options: ImportOptions,
}

/// A row that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The 1-based line in the file where the row starts.
    pub row: u64,
    /// The column at fault (its header name, or `#n` in files without a header row); empty
    /// when the whole row is at fault (a wrong number of fields).
    pub column: String,
    /// What is wrong and what to do.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column '{}': {}",
            self.row, self.column, self.reason
        )
    }
}

/// Progress of a running import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// File bytes consumed so far.
    pub bytes_read: u64,
    /// The file size, when the caller knows it.
    pub total_bytes: Option<u64>,
    /// Data rows read so far.
    pub rows_read: u64,
}

/// The most row errors and skipped rows a report lists; the rest are only counted, so a 2 GB
/// file of garbage cannot exhaust memory through its error list.
pub const MAX_LISTED: usize = 10_000;

/// The result of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The format used.
    pub format: Format,
    /// Why that format (detected from which header, or forced).
    pub format_reason: String,
    /// The text encoding detected.
    pub encoding: TextEncoding,
    /// Data rows read (the header row is not counted).
    pub rows_read: u64,
    /// The good entries ([`import`]); empty when they went to a sink ([`import_streaming`]).
    pub entries: Vec<Entry>,
    /// How many good entries there were (collected or handed to the sink).
    pub entries_total: u64,
    /// Rows that could not be imported (at most [`MAX_LISTED`]).
    pub errors: Vec<RowError>,
    /// Row errors beyond [`MAX_LISTED`], counted only.
    pub errors_not_listed: u64,
    /// Rows deliberately not imported, as (line, reason) (at most [`MAX_LISTED`]).
    pub skipped: Vec<(u64, String)>,
    /// Skipped rows beyond [`MAX_LISTED`], counted only.
    pub skipped_not_listed: u64,
    /// Personal data dropped.
    pub dropped: DroppedSummary,
}

impl ImportReport {
    /// Whether every data row became an entry or was deliberately skipped.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty() && self.errors_not_listed == 0
    }
}

/// Why a whole file could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Zero bytes.
    #[error("the file is empty: export it again from the platform")]
    Empty,
    /// Not text.
    #[error(
        "this does not look like a CSV text file ({reason}): choose the CSV export, not a \
         spreadsheet or PDF"
    )]
    NotText {
        /// What gave it away.
        reason: String,
    },
    /// Invalid bytes later in the file.
    #[error("the file changes encoding part-way: {detail}; re-save it as UTF-8 and import again")]
    Decode {
        /// Where and which encoding.
        detail: String,
    },
    /// The header matches no known layout and no profile was given.
    #[error(
        "the columns ({headers}) match no known export: choose the format explicitly or create \
         a mapping profile for this file"
    )]
    UnknownFormat {
        /// The header row, comma-joined (cut).
        headers: String,
    },
    /// A column the format needs is not in the header.
    #[error(
        "the {format} has no '{column}' column: check that this is the right export (or the \
         right format choice) and that the header row is intact"
    )]
    MissingColumn {
        /// The format.
        format: Format,
        /// The missing column.
        column: String,
    },
    /// [`Format::Generic`] without a profile.
    #[error("importing this file needs a mapping profile: create one that names its columns")]
    ProfileRequired,
    /// The profile cannot work.
    #[error("the mapping profile '{profile}' cannot be used: {reason}")]
    InvalidProfile {
        /// The profile's name.
        profile: String,
        /// What to fix.
        reason: String,
    },
    /// The caller cancelled.
    #[error("the import was cancelled after {rows_read} rows; nothing was imported")]
    Cancelled {
        /// Rows read before stopping.
        rows_read: u64,
    },
    /// The sink refused a batch.
    #[error("saving imported entries failed: {0}")]
    Sink(Box<dyn std::error::Error + Send + Sync>),
    /// Reading failed.
    #[error("reading the file failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Where a streaming import sends entries and progress, and how it learns of cancellation.
pub struct Stream<'a> {
    /// The file size for progress, if known.
    pub total_bytes: Option<u64>,
    /// Entries per batch handed to `on_batch` (at least 1).
    pub batch_size: usize,
    /// Receives good entries in order, in batches; an error stops the import.
    #[allow(clippy::type_complexity)]
    pub on_batch:
        &'a mut dyn FnMut(Vec<Entry>) -> Result<(), Box<dyn std::error::Error + Send + Sync>>,
    /// Called every [`PROGRESS_EVERY`] rows and at the end.
    pub on_progress: &'a mut dyn FnMut(Progress),
    /// Polled every [`PROGRESS_EVERY`] rows; `true` stops with [`ImportError::Cancelled`].
    pub is_cancelled: &'a dyn Fn() -> bool,
}

/// Rows between progress reports and cancellation checks.
pub const PROGRESS_EVERY: u64 = 4096;

/// Imports `input`, collecting every good entry in [`ImportReport::entries`].
pub fn import<R: Read>(input: R, request: &ImportRequest<'_>) -> Result<ImportReport, ImportError> {
    let mut collected = Vec::new();
    let mut on_batch = |batch: Vec<Entry>| {
        collected.extend(batch);
        Ok(())
    };
    let mut stream = Stream {
        total_bytes: None,
        batch_size: 1024,
        on_batch: &mut on_batch,
        on_progress: &mut |_| {},
        is_cancelled: &|| false,
    };
    let mut report = import_streaming(input, request, &mut stream)?;
    report.entries = collected;
    Ok(report)
}

/// [`import_streaming`] with the reading and parsing on a second thread: batches, progress and
/// cancellation reach `stream` on the caller's thread, in the same order, while the next batch
/// is being parsed. On this project's 2-core machine parsing is about a fifth of a vault
/// import's time, so the two overlapping lift an import of a million rows past 150,000 rows/s
/// (`bench_ledger`). At most two parsed batches wait, so memory stays bounded; when the sink
/// fails or the import is cancelled the parser stops at its next batch.
pub fn import_streaming_parallel<R: Read + Send>(
    input: R,
    request: &ImportRequest<'_>,
    stream: &mut Stream<'_>,
) -> Result<ImportReport, ImportError> {
    enum Parsed {
        Batch(Vec<Entry>),
        Progress(Progress),
    }
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Parsed>(2);
    // Set when the consumer stops (cancel, a failed sink): the parser then stops at its next
    // check (every `PROGRESS_EVERY` rows), even if no batch is left to send.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let stop = &stop;
    let batch_size = stream.batch_size;
    let total_bytes = stream.total_bytes;
    let mut stopped: Option<ImportError> = None;
    let mut rows_read = 0;
    let parsed = std::thread::scope(|scope| {
        let parser = scope.spawn(move || {
            let progress_sender = sender.clone();
            let mut on_batch = |batch: Vec<Entry>| {
                sender
                    .send(Parsed::Batch(batch))
                    .map_err(|_| "the import stopped".into())
            };
            // A progress report the consumer no longer reads is simply dropped.
            let mut on_progress = |p: Progress| {
                let _ = progress_sender.send(Parsed::Progress(p));
            };
            let mut inner = Stream {
                total_bytes,
                batch_size,
                on_batch: &mut on_batch,
                on_progress: &mut on_progress,
                is_cancelled: &|| stop.load(std::sync::atomic::Ordering::Relaxed),
            };
            import_streaming(input, request, &mut inner)
        });
        for message in &receiver {
            if (stream.is_cancelled)() {
                stopped = Some(ImportError::Cancelled { rows_read });
                break;
            }
            match message {
                Parsed::Batch(batch) => {
                    if let Err(e) = (stream.on_batch)(batch) {
                        stopped = Some(ImportError::Sink(e));
                        break;
                    }
                }
                Parsed::Progress(p) => {
                    rows_read = p.rows_read;
                    (stream.on_progress)(p);
                }
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        drop(receiver);
        parser.join()
    });
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    match stopped {
        Some(e) => Err(e),
        None => parsed,
    }
}

/// Imports `input`, handing good entries to `stream.on_batch` in batches; memory use does not
/// grow with the file (except about 50 bytes per distinct row without a transaction id, for
/// fingerprint ordinals, and the capped error list).
pub fn import_streaming<R: Read>(
    mut input: R,
    request: &ImportRequest<'_>,
    stream: &mut Stream<'_>,
) -> Result<ImportReport, ImportError> {
    let mut sniff = Vec::with_capacity(encoding::SNIFF_LEN);
    (&mut input)
        .take(encoding::SNIFF_LEN as u64)
        .read_to_end(&mut sniff)?;
    if sniff.is_empty() {
        return Err(ImportError::Empty);
    }
    let complete = sniff.len() < encoding::SNIFF_LEN;
    let (text_encoding, bom) =
        encoding::detect(&sniff, complete).map_err(|e| ImportError::NotText {
            reason: match e {
                encoding::NotText::Nul => {
                    "it contains NUL bytes; UTF-16 without a byte-order mark is not supported"
                        .into()
                }
                encoding::NotText::Invalid => {
                    "its bytes are valid neither as UTF-8 nor as EUC-KR/CP949".into()
                }
            },
        })?;
    let mut body = Cursor::new(sniff);
    body.set_position(bom as u64);
    let decoder = encoding::DecodingReader::new(body.chain(input), text_encoding, bom as u64);
    let delimiter = match (request.format, request.profile) {
        (FormatChoice::Force(Format::Generic) | FormatChoice::Auto, Some(p)) => p.delimiter_byte(),
        _ => b',',
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(64 * 1024)
        .from_reader(decoder);
    let mut record = StringRecord::new();

    let uses_header = match (request.format, request.profile) {
        (FormatChoice::Force(Format::Generic) | FormatChoice::Auto, Some(p)) => p.has_header,
        _ => true,
    };
    let headers: Vec<String> = if uses_header {
        if !read_record(&mut reader, &mut record)? {
            return Err(ImportError::Empty);
        }
        record
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect()
    } else {
        Vec::new()
    };
    let (format, format_reason) = choose_format(request, &headers)?;
    let bound = match format {
        Format::KoFi => kofi::bind(&headers)?,
        Format::PayPal => paypal::bind(&headers)?,
        Format::Stripe => stripe::bind(&headers)?,
        Format::GitHubSponsors => github::bind(&headers)?,
        Format::Generic => {
            let profile = request.profile.ok_or(ImportError::ProfileRequired)?;
            generic::bind(profile, &headers)?
        }
    };

    let mut report = ImportReport {
        format,
        format_reason,
        encoding: text_encoding,
        rows_read: 0,
        entries: Vec::new(),
        entries_total: 0,
        errors: Vec::new(),
        errors_not_listed: 0,
        skipped: Vec::new(),
        skipped_not_listed: 0,
        dropped: DroppedSummary::default(),
    };
    let mut builder = EntryBuilder {
        request,
        ordinals: HashMap::new(),
    };
    let batch_size = stream.batch_size.max(1);
    let mut batch = Vec::with_capacity(batch_size);
    loop {
        let more = match reader.read_record(&mut record) {
            Ok(more) => more,
            Err(e) => match e.into_kind() {
                csv::ErrorKind::Io(io) => return Err(io_error(io)),
                other => {
                    // The csv crate recovers at the next record; report this one.
                    report.rows_read += 1;
                    let row = report.rows_read + u64::from(uses_header);
                    push_error(
                        &mut report,
                        RowError {
                            row,
                            column: String::new(),
                            reason: format!("malformed CSV row: {other:?}"),
                        },
                    );
                    continue;
                }
            },
        };
        if !more {
            break;
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue; // blank lines (trailing ones are common) are not rows
        }
        report.rows_read += 1;
        let line = record
            .position()
            .map_or(report.rows_read, csv::Position::line);
        count_dropped(&bound.roles, &record, request.options, &mut report.dropped);
        if !headers.is_empty() && record.len() != headers.len() {
            push_error(
                &mut report,
                RowError {
                    row: line,
                    column: String::new(),
                    reason: format!(
                        "malformed row: it has {} fields but the header has {}; check for an \
                         unquoted comma or a cut-off line",
                        record.len(),
                        headers.len()
                    ),
                },
            );
        } else {
            match bound.parser.parse(&record) {
                RowOutcome::Entry(parsed) => match builder.build(*parsed, &mut report.dropped) {
                    Ok(entry) => {
                        batch.push(entry);
                        report.entries_total += 1;
                        if batch.len() >= batch_size {
                            let full =
                                std::mem::replace(&mut batch, Vec::with_capacity(batch_size));
                            (stream.on_batch)(full).map_err(ImportError::Sink)?;
                        }
                    }
                    Err(e) => push_error(
                        &mut report,
                        RowError {
                            row: line,
                            column: bound.amount_column.clone(),
                            reason: e.to_string(),
                        },
                    ),
                },
                RowOutcome::Skip(reason) => {
                    if report.skipped.len() < MAX_LISTED {
                        report.skipped.push((line, reason));
                    } else {
                        report.skipped_not_listed += 1;
                    }
                }
                RowOutcome::Error { column, reason } => {
                    push_error(
                        &mut report,
                        RowError {
                            row: line,
                            column,
                            reason,
                        },
                    );
                }
            }
        }
        if report.rows_read.is_multiple_of(PROGRESS_EVERY) {
            if (stream.is_cancelled)() {
                return Err(ImportError::Cancelled {
                    rows_read: report.rows_read,
                });
            }
            (stream.on_progress)(Progress {
                bytes_read: reader.get_ref().bytes_consumed(),
                total_bytes: stream.total_bytes,
                rows_read: report.rows_read,
            });
        }
    }
    if (stream.is_cancelled)() {
        return Err(ImportError::Cancelled {
            rows_read: report.rows_read,
        });
    }
    if !batch.is_empty() {
        (stream.on_batch)(batch).map_err(ImportError::Sink)?;
    }
    (stream.on_progress)(Progress {
        bytes_read: reader.get_ref().bytes_consumed(),
        total_bytes: stream.total_bytes,
        rows_read: report.rows_read,
    });
    Ok(report)
}

fn push_error(report: &mut ImportReport, error: RowError) {
    if report.errors.len() < MAX_LISTED {
        report.errors.push(error);
    } else {
        report.errors_not_listed += 1;
    }
}

fn io_error(io: std::io::Error) -> ImportError {
    if io
        .get_ref()
        .is_some_and(|inner| inner.is::<encoding::Malformed>())
    {
        ImportError::Decode {
            detail: io.to_string(),
        }
    } else {
        ImportError::Io(io)
    }
}

fn read_record<R: Read>(
    reader: &mut csv::Reader<R>,
    record: &mut StringRecord,
) -> Result<bool, ImportError> {
    reader.read_record(record).map_err(|e| match e.into_kind() {
        csv::ErrorKind::Io(io) => io_error(io),
        other => ImportError::NotText {
            reason: format!("the first row is not CSV ({other:?})"),
        },
    })
}

/// Recognises a format's header row, saying why.
type Detector = fn(&[String]) -> Option<String>;

fn choose_format(
    request: &ImportRequest<'_>,
    headers: &[String],
) -> Result<(Format, String), ImportError> {
    match (request.format, request.profile) {
        (FormatChoice::Force(format), _) => Ok((format, "chosen explicitly".to_owned())),
        (FormatChoice::Auto, Some(profile)) => Ok((
            Format::Generic,
            format!("the mapping profile '{}' was given", profile.name),
        )),
        (FormatChoice::Auto, None) => {
            let detectors: [(Format, Detector); 4] = [
                (Format::KoFi, kofi::detect),
                (Format::PayPal, paypal::detect),
                (Format::Stripe, stripe::detect),
                (Format::GitHubSponsors, github::detect),
            ];
            detectors
                .iter()
                .find_map(|(format, detect)| detect(headers).map(|why| (*format, why)))
                .ok_or_else(|| ImportError::UnknownFormat {
                    headers: cells::excerpt(&headers.join(",")),
                })
        }
    }
}

/// Columns of a header, found by name (trimmed, case-insensitive).
pub(crate) struct Columns<'h> {
    headers: &'h [String],
    format: Format,
}

impl<'h> Columns<'h> {
    pub(crate) fn new(headers: &'h [String], format: Format) -> Self {
        Columns { headers, format }
    }

    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    }

    pub(crate) fn require(&self, name: &str) -> Result<usize, ImportError> {
        self.find(name).ok_or_else(|| ImportError::MissingColumn {
            format: self.format,
            column: name.to_owned(),
        })
    }

    /// Whether every name is present (for detection).
    pub(crate) fn has_all(&self, names: &[&str]) -> bool {
        names.iter().all(|n| self.find(n).is_some())
    }

    /// Privacy roles: the unread columns classified by header, then the format's own.
    pub(crate) fn roles(&self, assigned: &[(Option<usize>, Role)]) -> Vec<Role> {
        let mut roles: Vec<Role> = self
            .headers
            .iter()
            .map(|h| privacy::classify_unread(h))
            .collect();
        for (index, role) in assigned {
            if let Some(slot) = index.and_then(|i| roles.get_mut(i)) {
                *slot = *role;
            }
        }
        roles
    }
}

/// A cell by index; missing cells read as empty (field counts are checked by the driver).
pub(crate) fn cell(record: &StringRecord, index: usize) -> &str {
    record.get(index).unwrap_or("").trim()
}

/// A cell that may be empty, as `None`.
pub(crate) fn optional(record: &StringRecord, index: Option<usize>) -> Option<String> {
    index
        .map(|i| cell(record, i))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// What a format parser makes of one row, before privacy and keys.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) kind: EntryKind,
    pub(crate) occurred_at: DateTime<Utc>,
    pub(crate) gross: Money,
    pub(crate) fee: Money,
    pub(crate) net: Money,
    pub(crate) transaction_id: Option<String>,
    pub(crate) payer: Option<String>,
    pub(crate) message: Option<String>,
}

pub(crate) enum RowOutcome {
    Entry(Box<Parsed>),
    Skip(String),
    Error { column: String, reason: String },
}

impl RowOutcome {
    pub(crate) fn error(column: &str, reason: impl Into<String>) -> RowOutcome {
        RowOutcome::Error {
            column: column.to_owned(),
            reason: reason.into(),
        }
    }
}

pub(crate) trait RowParser {
    fn parse(&self, record: &StringRecord) -> RowOutcome;
}

/// A format bound to one file's header.
pub(crate) struct Bound {
    pub(crate) parser: Box<dyn RowParser>,
    pub(crate) roles: Vec<Role>,
    /// Column named in errors about the amounts as a whole (net ≠ gross − fee…).
    pub(crate) amount_column: String,
}

fn count_dropped(
    roles: &[Role],
    record: &StringRecord,
    options: ImportOptions,
    d: &mut DroppedSummary,
) {
    for (i, value) in record.iter().enumerate() {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match roles.get(i).copied().unwrap_or(Role::Data) {
            Role::Email => d.emails += 1,
            Role::Name => d.names += 1,
            Role::UnreadMessage => d.messages += 1,
            Role::OtherPersonal => d.other_personal += 1,
            Role::Payer if !options.keep_payer_names => d.names += 1,
            Role::Message if !options.keep_messages => d.messages += 1,
            // Kept payer names and messages are scrubbed of e-mails when the entry is built.
            Role::Payer | Role::Message => {}
            Role::Data => {
                if value.contains('@') && privacy::looks_like_email(value) {
                    d.emails += 1;
                }
            }
        }
    }
}

struct EntryBuilder<'r, 'a> {
    request: &'r ImportRequest<'a>,
    /// Digest of each distinct ID-less row content (ordinal 0) → how many seen so far.
    ordinals: HashMap<[u8; 32], u32>,
}

impl EntryBuilder<'_, '_> {
    fn build(&mut self, p: Parsed, dropped: &mut DroppedSummary) -> Result<Entry, EntryError> {
        let source = self.request.source;
        let options = self.request.options;
        // Scrub before fingerprinting (a fingerprint must never be a hash of an e-mail
        // address); count the addresses only in text that is kept, since text that is not
        // kept was already counted as a dropped name or message.
        let scrub = |text: Option<String>, kept: bool, dropped: &mut DroppedSummary| {
            text.map(|t| {
                let (clean, n) = privacy::scrub_emails(&t);
                if kept {
                    dropped.emails += n;
                }
                clean
            })
        };
        let payer = scrub(p.payer, options.keep_payer_names, dropped);
        let message = scrub(p.message, options.keep_messages, dropped);
        let key = match p.transaction_id {
            Some(id) => EntryKey::TransactionId {
                platform: source.platform.slug().to_owned(),
                source: source.id.clone(),
                id,
            },
            None => {
                let mut input = FingerprintInput {
                    source: &source.id,
                    occurred_at: p.occurred_at,
                    gross: p.gross,
                    fee: p.fee,
                    net: p.net,
                    kind: p.kind,
                    payer: payer.as_deref(),
                    message: message.as_deref(),
                    ordinal: 0,
                };
                let first = Fingerprint::digest(&input);
                let seen = self.ordinals.entry(first).or_insert(0);
                input.ordinal = *seen;
                *seen += 1;
                let fingerprint = if input.ordinal == 0 {
                    Fingerprint::from_digest(&first)
                } else {
                    Fingerprint::compute(&input)
                };
                EntryKey::Fingerprint { fingerprint }
            }
        };
        Entry::new(NewEntry {
            source: source.id.clone(),
            kind: p.kind,
            occurred_at: p.occurred_at,
            gross: p.gross,
            fee: p.fee,
            net: p.net,
            key,
            payer: payer.filter(|_| options.keep_payer_names),
            message: message.filter(|_| options.keep_messages),
        })
    }
}
