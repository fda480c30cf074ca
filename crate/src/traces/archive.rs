//! The export file: one file holding an experiment's settings, ONE's (or a copy's) parameters
//! and statistics, its traces and the user's recordings, so that a lab moves between browsers
//! and machines. The same bytes are written natively and (later) in the browser.
//!
//! Layout: the 8-byte magic `ONELABX1`, then sections `[kind u8][length u64][payload][CRC-32 of
//! payload u32]`, all little-endian. Kinds: 1 settings (JSON), 2 parameters and statistics (JSON),
//! 3 one trial record, 4 one recording (JSON). Unknown kinds are refused, not skipped: a file from
//! a newer lab must not be half-imported.

use super::{decode, encode, Trial};

const MAGIC: &[u8; 8] = b"ONELABX1";

/// What an export file holds, fully checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Archive {
    pub settings: Option<String>,
    pub parameters: Option<String>,
    pub trials: Vec<Trial>,
    pub recordings: Vec<String>,
}

fn section(out: &mut Vec<u8>, kind: u8, payload: &[u8]) {
    out.push(kind);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
}

impl Archive {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        if let Some(s) = &self.settings {
            section(&mut out, 1, s.as_bytes());
        }
        if let Some(p) = &self.parameters {
            section(&mut out, 2, p.as_bytes());
        }
        for t in &self.trials {
            section(&mut out, 3, &encode(t));
        }
        for r in &self.recordings {
            section(&mut out, 4, r.as_bytes());
        }
        out
    }

    /// Reads and checks a whole export file before anything is imported from it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Archive, String> {
        if bytes.len() < 8 || &bytes[..7] != b"ONELABX" {
            return Err("not a ONE Lab export file (its first bytes are not ONELABX)".into());
        }
        if bytes[7] != MAGIC[7] {
            return Err(format!(
                "export format version {} is not supported (this lab reads version 1)",
                bytes[7] as char
            ));
        }
        let mut archive = Archive::default();
        let mut at = 8;
        let mut count = 0;
        while at < bytes.len() {
            count += 1;
            let header = bytes.get(at..at + 9).ok_or(format!("the file is truncated in section {count}"))?;
            let kind = header[0];
            let len = u64::from_le_bytes(header[1..9].try_into().expect("eight bytes")) as usize;
            let body = at + 9;
            let end = body.checked_add(len).and_then(|e| e.checked_add(4)).filter(|&e| e <= bytes.len());
            let end = end.ok_or(format!("the file is truncated in section {count}"))?;
            let payload = &bytes[body..body + len];
            if crc32fast::hash(payload).to_le_bytes() != bytes[body + len..end] {
                return Err(format!("section {count} fails its checksum: the file is corrupt"));
            }
            let text = || String::from_utf8(payload.to_vec()).map_err(|_| format!("section {count} is not text"));
            match kind {
                1 => archive.settings = Some(text()?),
                2 => archive.parameters = Some(text()?),
                3 => archive.trials.push(decode(payload).map_err(|e| format!("section {count}: {e}"))?),
                4 => archive.recordings.push(text()?),
                other => {
                    return Err(format!("section {count} has unknown kind {other}: the file comes from a newer lab"))
                }
            }
            at = end;
        }
        Ok(archive)
    }
}
