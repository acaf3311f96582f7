//! Text encodings of imported files: detection and streaming decoding to UTF-8.
//!
//! Decision: detection is by byte-order mark first (UTF-8, UTF-16 LE/BE), then a strict UTF-8
//! check of the first 64 KiB, then EUC-KR — which in `encoding_rs` is the WHATWG "EUC-KR",
//! i.e. Windows code page 949 (UHC), what Korean Excel writes. A NUL byte without a BOM, or
//! bytes invalid in every candidate, mean the file is not text: a per-file error. Decoding is
//! streaming and strict: a byte sequence invalid in the detected encoding later in the file is
//! a per-file error with its byte offset, never a silent U+FFFD in someone's ledger.

use encoding_rs::{DecoderResult, EUC_KR, UTF_8, UTF_16BE, UTF_16LE};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::{self, Read};

/// How many bytes detection looks at.
pub(crate) const SNIFF_LEN: usize = 64 * 1024;

/// The encoding an import detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (as Excel writes "CSV UTF-8").
    Utf8Bom,
    /// UTF-16 little-endian, with its byte-order mark.
    Utf16Le,
    /// UTF-16 big-endian, with its byte-order mark.
    Utf16Be,
    /// EUC-KR / CP949 (Windows code page 949), as Korean spreadsheets save CSV.
    EucKr,
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 (with BOM)",
            TextEncoding::Utf16Le => "UTF-16LE (with BOM)",
            TextEncoding::Utf16Be => "UTF-16BE (with BOM)",
            TextEncoding::EucKr => "EUC-KR/CP949",
        })
    }
}

impl TextEncoding {
    fn encoding(self) -> &'static encoding_rs::Encoding {
        match self {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => UTF_8,
            TextEncoding::Utf16Le => UTF_16LE,
            TextEncoding::Utf16Be => UTF_16BE,
            TextEncoding::EucKr => EUC_KR,
        }
    }
}

/// Why a file is not text we can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotText {
    Nul,
    Invalid,
}

/// Detects the encoding of `sniff` (the first bytes of the file; `complete` when that is the
/// whole file). Returns the encoding and the BOM length to skip.
pub(crate) fn detect(sniff: &[u8], complete: bool) -> Result<(TextEncoding, usize), NotText> {
    if sniff.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Ok((TextEncoding::Utf8Bom, 3));
    }
    if sniff.starts_with(&[0xFF, 0xFE]) {
        return Ok((TextEncoding::Utf16Le, 2));
    }
    if sniff.starts_with(&[0xFE, 0xFF]) {
        return Ok((TextEncoding::Utf16Be, 2));
    }
    if sniff.contains(&0) {
        return Err(NotText::Nul);
    }
    // A cut-off multi-byte character at the end of the window is not evidence against an
    // encoding: when the window is not the whole file, only judge it up to its last newline
    // (ASCII in every candidate).
    let judged = if complete {
        sniff
    } else {
        match sniff.iter().rposition(|&b| b == b'\n') {
            Some(end) => &sniff[..=end],
            None => sniff,
        }
    };
    if std::str::from_utf8(judged).is_ok() {
        return Ok((TextEncoding::Utf8, 0));
    }
    if EUC_KR
        .decode_without_bom_handling_and_without_replacement(judged)
        .is_some()
    {
        return Ok((TextEncoding::EucKr, 0));
    }
    Err(NotText::Invalid)
}

/// An invalid byte sequence found while decoding.
#[derive(Debug)]
pub(crate) struct Malformed {
    pub(crate) encoding: TextEncoding,
    pub(crate) offset: u64,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bytes near offset {} are not valid {}",
            self.offset, self.encoding
        )
    }
}

impl std::error::Error for Malformed {}

/// A `Read` that decodes `inner` from `encoding` to UTF-8 as it goes, counting raw bytes
/// consumed (for progress).
pub(crate) struct DecodingReader<R> {
    inner: R,
    encoding: TextEncoding,
    decoder: encoding_rs::Decoder,
    raw: Vec<u8>,
    raw_pos: usize,
    raw_len: usize,
    eof: bool,
    out: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    consumed: u64,
    finished: bool,
    /// A `\r` held back at the end of a chunk until we know whether `\n` follows.
    pending_cr: bool,
}

impl<R: Read> DecodingReader<R> {
    /// `already_consumed` counts bytes the caller skipped (a BOM) so progress stays in file
    /// bytes.
    pub(crate) fn new(inner: R, encoding: TextEncoding, already_consumed: u64) -> Self {
        DecodingReader {
            inner,
            encoding,
            decoder: encoding.encoding().new_decoder_without_bom_handling(),
            raw: vec![0; 64 * 1024],
            raw_pos: 0,
            raw_len: 0,
            eof: false,
            out: vec![0; 128 * 1024],
            out_pos: 0,
            out_len: 0,
            consumed: already_consumed,
            finished: false,
            pending_cr: false,
        }
    }

    /// Raw file bytes consumed so far.
    pub(crate) fn bytes_consumed(&self) -> u64 {
        self.consumed
    }
}

impl<R> DecodingReader<R> {
    /// Turns CRLF into LF in `out[1..=written]`, in place. Why: the csv crate records a
    /// record's line number before it consumes the `\n` of a CRLF, so every row of a CRLF
    /// file (what Excel and PayPal write) would be reported one line too early; with LF only,
    /// row errors name the line the user sees in an editor. A lone `\r` is kept. Returns the
    /// range of `out` holding the result.
    fn normalize_line_ends(&mut self, written: usize, finishing: bool) -> (usize, usize) {
        let end = 1 + written;
        if !self.pending_cr && !self.out[1..end].contains(&b'\r') {
            return (1, end); // the common LF-only case: no copying
        }
        let mut start = 1;
        if self.pending_cr && (written > 0 || finishing) {
            if written == 0 || self.out[1] != b'\n' {
                self.out[0] = b'\r';
                start = 0;
            }
            self.pending_cr = false;
        }
        let mut w = start;
        let mut i = start;
        while i < end {
            let b = self.out[i];
            if b == b'\r' {
                if i + 1 < end && self.out[i + 1] == b'\n' {
                    i += 1;
                    continue;
                }
                if i + 1 == end && !finishing {
                    self.pending_cr = true;
                    i += 1;
                    continue;
                }
            }
            self.out[w] = b;
            w += 1;
            i += 1;
        }
        (start, w)
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_pos < self.out_len {
                let n = buf.len().min(self.out_len - self.out_pos);
                buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
                self.out_pos += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            if self.raw_pos == self.raw_len && !self.eof {
                let n = loop {
                    match self.inner.read(&mut self.raw) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                };
                self.raw_pos = 0;
                self.raw_len = n;
                self.eof = n == 0;
            }
            // Decode after a one-byte gap, so a held-back `\r` can be put back in front.
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.raw[self.raw_pos..self.raw_len],
                &mut self.out[1..],
                self.eof,
            );
            self.raw_pos += read;
            self.consumed += read as u64;
            let finishing = self.eof && matches!(result, DecoderResult::InputEmpty);
            let (start, len) = self.normalize_line_ends(written, finishing);
            self.out_pos = start;
            self.out_len = len;
            match result {
                DecoderResult::InputEmpty => {
                    if self.eof {
                        self.finished = true;
                    }
                }
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(bad, after) => {
                    let back = u64::from(bad) + u64::from(after);
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        Malformed {
                            encoding: self.encoding,
                            offset: self.consumed.saturating_sub(back),
                        },
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> (TextEncoding, String) {
        let (enc, bom) = detect(bytes, true).unwrap();
        let mut r = DecodingReader::new(&bytes[bom..], enc, bom as u64);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(
            r.bytes_consumed(),
            bytes.len() as u64,
            "progress counts file bytes"
        );
        (enc, s)
    }

    #[test]
    fn detects_boms_utf8_and_cp949() {
        assert_eq!(decode_all(b"a,b\n"), (TextEncoding::Utf8, "a,b\n".into()));
        assert_eq!(
            decode_all(b"\xEF\xBB\xBFa\n"),
            (TextEncoding::Utf8Bom, "a\n".into())
        );
        assert_eq!(
            decode_all(b"\xFF\xFEa\0\n\0"),
            (TextEncoding::Utf16Le, "a\n".into())
        );
        assert_eq!(
            decode_all(b"\xFE\xFF\0a\0\n"),
            (TextEncoding::Utf16Be, "a\n".into())
        );
        let (cp949, _, _) = EUC_KR.encode("날짜,금액\n");
        assert_eq!(
            decode_all(&cp949),
            (TextEncoding::EucKr, "날짜,금액\n".into())
        );
    }

    #[test]
    fn crlf_becomes_lf_even_across_chunk_boundaries() {
        // 64 KiB raw chunks: put a CRLF exactly across the first boundary.
        let mut bytes = vec![b'a'; 64 * 1024 - 1];
        bytes.extend_from_slice(b"\r\nb\r\nc\rd\r");
        let (_, s) = decode_all(&bytes);
        assert!(s.ends_with("a\nb\nc\rd\r"), "{:?}", &s[s.len() - 12..]);
        assert_eq!(s.len(), bytes.len() - 2);
    }

    #[test]
    fn nul_bytes_and_garbage_are_not_text() {
        assert_eq!(detect(b"PK\x03\x04\0\0", true), Err(NotText::Nul));
        assert_eq!(detect(b"\xFF\xFF\xFF\x80", true), Err(NotText::Invalid));
    }

    #[test]
    fn a_cut_multibyte_character_at_the_window_end_is_not_held_against_utf8() {
        let text = "a,b\n가".as_bytes();
        assert_eq!(
            detect(&text[..text.len() - 1], false).unwrap().0,
            TextEncoding::Utf8
        );
    }

    #[test]
    fn invalid_bytes_later_in_the_file_are_an_error_not_a_replacement() {
        let mut bytes = b"a,b\n".to_vec();
        bytes.extend_from_slice(b"\xFF\n");
        let mut r = DecodingReader::new(&bytes[..], TextEncoding::Utf8, 0);
        let mut s = String::new();
        let err = r.read_to_string(&mut s).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }
}
