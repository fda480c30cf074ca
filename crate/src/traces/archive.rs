//! The export file: one file holding an experiment's settings, ONE's (or a copy's) parameters
//! and statistics, its traces and the user's recordings, so that a lab moves between browsers
//! and machines. The same bytes are written natively and (later) in the browser.
//!
//! Layout: the 8-byte magic `ONELABX2`, then sections `[kind u8][length u64][payload][CRC-32 of
//! payload u32]`, all little-endian. Kinds: 1 settings (JSON), 2 parameters and statistics (JSON),
//! 3 one trial record, 4 one recording (JSON), and last 0, the end: its payload is the number of
//! sections before it (u64) and the CRC-32 of every byte before it (u32), so that a file cut at a
//! section boundary is refused like any other cut. Unknown kinds are refused, not skipped: a file
//! from a newer lab must not be half-imported. Version 1 files had no end section and are refused.

use super::{decode, encode, Trial};

const MAGIC: &[u8; 8] = b"ONELABX2";

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
        let sections = self.settings.is_some() as u64 + self.parameters.is_some() as u64 + self.trials.len() as u64;
        let mut end = (sections + self.recordings.len() as u64).to_le_bytes().to_vec();
        end.extend_from_slice(&crc32fast::hash(&out).to_le_bytes());
        section(&mut out, 0, &end);
        out
    }

    /// Reads and checks a whole export file before anything is imported from it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Archive, String> {
        if bytes.len() < 8 || &bytes[..7] != b"ONELABX" {
            return Err("not a ONE Lab export file (its first bytes are not ONELABX)".into());
        }
        if bytes[7] != MAGIC[7] {
            return Err(format!(
                "export format version {} is not supported (this lab reads version 2)",
                bytes[7] as char
            ));
        }
        let mut archive = Archive::default();
        let mut at = 8;
        let mut count = 0u64;
        while at < bytes.len() {
            count += 1;
            let header = bytes.get(at..at + 9).ok_or(format!("the file is truncated in section {count}"))?;
            let kind = header[0];
            // No `as usize`: on a 32-bit target 2^32 + 5 would read as 5.
            let len = usize::try_from(u64::from_le_bytes(header[1..9].try_into().expect("eight bytes")))
                .map_err(|_| format!("the file is truncated in section {count}"))?;
            let body = at + 9;
            let end = body.checked_add(len).and_then(|e| e.checked_add(4)).filter(|&e| e <= bytes.len());
            let end = end.ok_or(format!("the file is truncated in section {count}"))?;
            let payload = &bytes[body..body + len];
            if crc32fast::hash(payload).to_le_bytes() != bytes[body + len..end] {
                return Err(format!("section {count} fails its checksum: the file is corrupt"));
            }
            let text = || String::from_utf8(payload.to_vec()).map_err(|_| format!("section {count} is not text"));
            match kind {
                0 => {
                    let whole = payload.len() == 12
                        && u64::from_le_bytes(payload[..8].try_into().expect("eight bytes")) == count - 1
                        && payload[8..] == crc32fast::hash(&bytes[..at]).to_le_bytes();
                    if !whole || end != bytes.len() {
                        return Err(format!(
                            "section {count}, the end of the file, does not match what came before it"
                        ));
                    }
                    return Ok(archive);
                }
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
        Err("the file is truncated: it ends before its end section".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive() -> Archive {
        let trial = |i: u32| Trial {
            experiment: i,
            task: "ne".into(),
            maze: super::super::MazeSpec { size: 5, openings: 0.5, seed: 3 },
            start: 7,
            step_limit: 10,
            heard: None,
            policy: super::super::PolicyRef::One { version: i },
            phase: super::super::Phase::Evolution,
            actions: vec![],
            success: false,
            cumulative_reward: 0.0,
        };
        Archive {
            settings: Some("{\"tasks\": [\"ne\"]}".into()),
            parameters: Some("[1, 2, 3]".into()),
            trials: (0..3).map(trial).collect(),
            recordings: vec!["{\"label\": \"north east\"}".into(), "{}".into()],
        }
    }

    /// All or nothing: every cut of the file, at a section boundary or inside one, is refused.
    #[test]
    fn every_truncation_is_refused() {
        let bytes = archive().to_bytes();
        assert_eq!(Archive::from_bytes(&bytes).unwrap(), archive());
        for len in 0..bytes.len() {
            assert!(
                Archive::from_bytes(&bytes[..len]).is_err(),
                "a file cut to {len} of {} bytes was read",
                bytes.len()
            );
        }
        let mut longer = bytes.clone();
        longer.extend_from_slice(&bytes[8..]);
        assert!(Archive::from_bytes(&longer).is_err(), "sections after the end are refused");
    }

    /// A section length of 2^32 + 5 is refused, not read as 5 (as a 32-bit `usize` would).
    #[test]
    fn a_length_past_32_bits_is_refused() {
        let mut bytes = MAGIC.to_vec();
        bytes.push(4);
        bytes.extend_from_slice(&((1u64 << 32) + 5).to_le_bytes());
        bytes.extend_from_slice(b"hello");
        bytes.extend_from_slice(&crc32fast::hash(b"hello").to_le_bytes());
        assert!(Archive::from_bytes(&bytes).unwrap_err().contains("truncated"));
    }
}
