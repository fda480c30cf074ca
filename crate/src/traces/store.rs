use super::{decode, encode, Trial};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Segments are closed at this size and a new one begun.
const SEGMENT_BYTES: u64 = 64 << 20;

/// What `FileStore::open` found: the records kept, and the torn tail it cut off, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    pub records: usize,
    pub torn: Option<String>,
}

/// The native trace store: append-only segment files `segment-NNNNN.bin` of records
/// `[length u32][encoded trial][CRC-32 of it u32]`, and an in-memory index built on open. A crash
/// mid-write leaves a torn last record: `open` detects it by length or checksum, reports it, and
/// cuts it off, so everything before it stays readable and appends continue cleanly.
pub struct FileStore {
    dir: PathBuf,
    /// (segment, offset of the record's length field, payload length) per record.
    index: Vec<(u32, u64, u32)>,
    segment: u32,
    segment_len: u64,
}

fn segment_path(dir: &Path, n: u32) -> PathBuf {
    dir.join(format!("segment-{n:05}.bin"))
}

impl FileStore {
    pub fn open(dir: &Path) -> Result<(FileStore, Recovery), String> {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut segments: Vec<u32> = fs::read_dir(dir)
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.strip_prefix("segment-")?.strip_suffix(".bin")?.parse().ok())
            .collect();
        segments.sort();
        let mut store = FileStore { dir: dir.to_path_buf(), index: Vec::new(), segment: 0, segment_len: 0 };
        let mut torn = None;
        for &n in &segments {
            let path = segment_path(dir, n);
            let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let mut at = 0usize;
            while at < bytes.len() {
                let problem = match bytes.get(at..at + 4) {
                    None => Some("a torn length field"),
                    Some(l) => {
                        let len = u32::from_le_bytes(l.try_into().expect("four bytes")) as usize;
                        match bytes.get(at + 4..at + 8 + len) {
                            None => Some("a torn record"),
                            Some(rest) => {
                                let (payload, crc) = rest.split_at(len);
                                if crc32fast::hash(payload).to_le_bytes() != crc {
                                    Some("a record failing its checksum")
                                } else {
                                    store.index.push((n, at as u64, len as u32));
                                    at += 8 + len;
                                    None
                                }
                            }
                        }
                    }
                };
                if let Some(what) = problem {
                    torn = Some(format!(
                        "{} ends in {what} at byte {at} ({} bytes cut off)",
                        path.display(),
                        bytes.len() - at
                    ));
                    OpenOptions::new()
                        .write(true)
                        .open(&path)
                        .and_then(|f| f.set_len(at as u64))
                        .map_err(|e| format!("cannot cut the torn tail of {}: {e}", path.display()))?;
                    break;
                }
            }
            store.segment = n;
            store.segment_len = at as u64;
        }
        let records = store.index.len();
        Ok((store, Recovery { records, torn }))
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Appends the trials with one write and one sync: a batch is a generation's trials.
    pub fn append(&mut self, trials: &[Trial]) -> Result<(), String> {
        if self.segment_len >= SEGMENT_BYTES {
            self.segment += 1;
            self.segment_len = 0;
        }
        let mut buf = Vec::new();
        let mut entries = Vec::with_capacity(trials.len());
        for t in trials {
            let payload = encode(t);
            entries.push((self.segment, self.segment_len + buf.len() as u64, payload.len() as u32));
            buf.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            buf.extend_from_slice(&payload);
            buf.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        }
        let path = segment_path(&self.dir, self.segment);
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        file.write_all(&buf)
            .and_then(|_| file.sync_data())
            .map_err(|e| format!("cannot append to {}: {e}", path.display()))?;
        self.segment_len += buf.len() as u64;
        self.index.extend(entries);
        Ok(())
    }

    /// Trial `i`, in the order appended.
    pub fn get(&self, i: usize) -> Result<Trial, String> {
        let &(segment, offset, len) =
            self.index.get(i).ok_or_else(|| format!("no trial {i}: the store holds {}", self.len()))?;
        let path = segment_path(&self.dir, segment);
        let mut file = File::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let mut payload = vec![0; len as usize];
        file.seek(SeekFrom::Start(offset + 4))
            .and_then(|_| file.read_exact(&mut payload))
            .map_err(|e| format!("cannot read trial {i}: {e}"))?;
        decode(&payload)
    }

    /// Every trial in order, read segment by segment (for training and statistics).
    pub fn read_all(&self) -> Result<Vec<Trial>, String> {
        let mut out = Vec::with_capacity(self.len());
        let mut current: Option<(u32, Vec<u8>)> = None;
        for &(segment, offset, len) in &self.index {
            if current.as_ref().is_none_or(|(s, _)| *s != segment) {
                let path = segment_path(&self.dir, segment);
                current = Some((segment, fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?));
            }
            let bytes = &current.as_ref().expect("just set").1;
            out.push(decode(&bytes[offset as usize + 4..offset as usize + 4 + len as usize])?);
        }
        Ok(out)
    }

    /// Bytes on disk, framing included.
    pub fn bytes(&self) -> u64 {
        self.index.iter().map(|&(_, _, len)| len as u64 + 8).sum()
    }
}
