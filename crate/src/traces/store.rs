use super::{decode, encode, Filter, PolicySnapshot, Trial};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Segments are closed at this size and a new one begun.
const SEGMENT_BYTES: u64 = 64 << 20;

/// The policy log's file, beside the segments.
const POLICIES: &str = "policies.bin";

/// What `FileStore::open` found: the records kept, and what it could not read, if anything: a
/// torn tail it cut off, or damaged bytes it skipped (described per file).
#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    pub records: usize,
    pub torn: Option<String>,
}

/// The native trace store: append-only segment files `segment-NNNNN.bin` of records
/// `[magic "ONEr"][length u32][encoded trial][CRC-32 of length and trial u32]`, and an in-memory
/// index built on open. The magic makes a record impossible to mistake for zeros, and the CRC
/// covers the length, so a damaged length is caught like a damaged record. A crash mid-write
/// leaves a torn last record: `open` cuts it off. Damage in the middle (a flipped bit, an
/// overwritten range) loses only the damaged records: `open` skips to the next record that
/// checks, keeps everything after it, and reports the bytes skipped. `policies.bin` holds the
/// policy log (the parameters behind the copies' trials) in the same framing and recovery.
pub struct FileStore {
    dir: PathBuf,
    /// (segment, offset of the record's magic, payload length) per record.
    index: Vec<(u32, u64, u32)>,
    segment: u32,
    segment_len: u64,
    /// Snapshots in the policy log.
    policies: usize,
}

const MAGIC: [u8; 4] = *b"ONEr";
/// Magic and length before the payload, CRC after it.
const HEAD: usize = 8;
const FRAMING: usize = 12;
/// No record is larger: a trial record is at most about 600 bytes, a policy snapshot of the
/// largest ONE (`limits::HIDDEN`) about 9 MB.
const MAX_RECORD: usize = 16 << 20;

fn segment_path(dir: &Path, n: u32) -> PathBuf {
    dir.join(format!("segment-{n:05}.bin"))
}

/// Appends one framed record to `buf`.
fn frame(buf: &mut Vec<u8>, payload: &[u8]) {
    let len = (payload.len() as u32).to_le_bytes();
    let mut crc = crc32fast::Hasher::new();
    crc.update(&len);
    crc.update(payload);
    buf.extend_from_slice(&MAGIC);
    buf.extend_from_slice(&len);
    buf.extend_from_slice(payload);
    buf.extend_from_slice(&crc.finalize().to_le_bytes());
}

/// The payload length of a whole, checked record at `at`, if one is there.
fn record_at(bytes: &[u8], at: usize) -> Option<usize> {
    if bytes.get(at..at + 4)? != MAGIC {
        return None;
    }
    let len_bytes = bytes.get(at + 4..at + HEAD)?;
    let len = u32::from_le_bytes(len_bytes.try_into().ok()?) as usize;
    if len > MAX_RECORD {
        return None;
    }
    let payload = bytes.get(at + HEAD..at + HEAD + len)?;
    let crc = bytes.get(at + HEAD + len..at + FRAMING + len)?;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(len_bytes);
    hasher.update(payload);
    (hasher.finalize().to_le_bytes() == crc).then_some(len)
}

/// What a scan of a file found: its records (offset and payload length), where the last one
/// ends, the damaged ranges it skipped between records (offset, length), and the bytes after
/// the last record that are no record (a torn or damaged tail).
struct Scan {
    records: Vec<(u64, u32)>,
    end: usize,
    skipped: Vec<(usize, usize)>,
}

fn scan(bytes: &[u8]) -> Scan {
    let mut out = Scan { records: Vec::new(), end: 0, skipped: Vec::new() };
    let mut at = 0usize;
    while at < bytes.len() {
        if let Some(len) = record_at(bytes, at) {
            out.records.push((at as u64, len as u32));
            at += FRAMING + len;
            out.end = at;
            continue;
        }
        // Damage: resynchronise at the next record that checks, if there is one.
        match (at + 1..bytes.len()).find(|&p| record_at(bytes, p).is_some()) {
            Some(next) => {
                out.skipped.push((at, next - at));
                at = next;
            }
            None => break,
        }
    }
    out
}

fn read_or_empty(path: &Path) -> Result<Vec<u8>, String> {
    match fs::read(path) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Scans the file at `path`, cuts off a tail that is no record (torn or damaged), and describes
/// what was skipped or cut. A non-empty file with no record at all is left as it is and refused:
/// it is not a store of this lab (or one written before records had their magic).
fn recover(path: &Path) -> Result<(Vec<(u64, u32)>, u64, Option<String>), String> {
    let bytes = read_or_empty(path)?;
    let found = scan(&bytes);
    // A first record torn mid-write begins like one (or with the zeros a crash can leave);
    // anything else is not this lab's.
    let begins_as_ours = bytes.iter().zip(MAGIC).all(|(&b, m)| b == m || b == 0);
    if found.records.is_empty() && !begins_as_ours {
        return Err(format!(
            "{} holds no record this lab can read (a file of an earlier version, or damaged throughout): it was left as it is",
            path.display()
        ));
    }
    let mut notes: Vec<String> =
        found.skipped.iter().map(|&(at, len)| format!("{len} damaged bytes skipped at byte {at}")).collect();
    if found.end < bytes.len() {
        set_len(path, found.end as u64)?;
        notes.push(format!("a torn tail at byte {} ({} bytes cut off)", found.end, bytes.len() - found.end));
    }
    let note = (!notes.is_empty()).then(|| format!("{}: {}", path.display(), notes.join(", ")));
    Ok((found.records, found.end as u64, note))
}

/// Cuts the file at `path` to `len` bytes, synced.
fn set_len(path: &Path, len: u64) -> Result<(), String> {
    OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.set_len(len).and_then(|_| f.sync_data()))
        .map_err(|e| format!("cannot cut {}: {e}", path.display()))
}

/// Writes `buf` at the end of the file at `path` with one write and one sync.
fn append_bytes(path: &Path, buf: &[u8]) -> Result<(), String> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    file.write_all(buf).and_then(|_| file.sync_data()).map_err(|e| format!("cannot append to {}: {e}", path.display()))
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
        let mut store =
            FileStore { dir: dir.to_path_buf(), index: Vec::new(), segment: 0, segment_len: 0, policies: 0 };
        let mut torn = Vec::new();
        for &n in &segments {
            let (records, len, cut) = recover(&segment_path(dir, n))?;
            store.index.extend(records.into_iter().map(|(at, len)| (n, at, len)));
            torn.extend(cut);
            store.segment = n;
            store.segment_len = len;
        }
        let (policies, _, cut) = recover(&dir.join(POLICIES))?;
        store.policies = policies.len();
        torn.extend(cut);
        let records = store.index.len();
        Ok((store, Recovery { records, torn: (!torn.is_empty()).then(|| torn.join("; ")) }))
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Snapshots in the policy log.
    pub fn policies_len(&self) -> usize {
        self.policies
    }

    /// Cuts the store back to its first `trials` trials and `policies` snapshots: what a
    /// checkpoint counted, when a run goes on from it (the trials stored after it are made
    /// again). Asking for more than the store holds is refused by name.
    pub fn cut(&mut self, trials: usize, policies: usize) -> Result<(), String> {
        if trials > self.len() || policies > self.policies {
            return Err(format!(
                "the store holds {} trials and {} policy snapshots, fewer than the {trials} and {policies} counted",
                self.len(),
                self.policies
            ));
        }
        if let Some(&(segment, offset, _)) = self.index.get(trials) {
            set_len(&segment_path(&self.dir, segment), offset)?;
            for later in segment + 1..=self.segment {
                let path = segment_path(&self.dir, later);
                fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
            }
            self.index.truncate(trials);
            (self.segment, self.segment_len) = (segment, offset);
        }
        if policies < self.policies {
            let path = self.dir.join(POLICIES);
            set_len(&path, scan(&read_or_empty(&path)?).records[policies].0)?;
            self.policies = policies;
        }
        Ok(())
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
            frame(&mut buf, &payload);
        }
        append_bytes(&segment_path(&self.dir, self.segment), &buf)?;
        self.segment_len += buf.len() as u64;
        self.index.extend(entries);
        Ok(())
    }

    /// Adds snapshots to the policy log, with one write and one sync.
    pub fn append_policies(&mut self, snapshots: &[PolicySnapshot]) -> Result<(), String> {
        let mut buf = Vec::new();
        for s in snapshots {
            frame(&mut buf, &s.encode());
        }
        append_bytes(&self.dir.join(POLICIES), &buf)?;
        self.policies += snapshots.len();
        Ok(())
    }

    /// Every snapshot in the policy log, oldest first.
    pub fn policies(&self) -> Result<Vec<PolicySnapshot>, String> {
        let bytes = read_or_empty(&self.dir.join(POLICIES))?;
        let records = scan(&bytes).records;
        records.iter().map(|&(at, len)| PolicySnapshot::decode(&bytes[at as usize + HEAD..][..len as usize])).collect()
    }

    /// Trial `i`, in the order appended.
    pub fn get(&self, i: usize) -> Result<Trial, String> {
        let &(segment, offset, len) =
            self.index.get(i).ok_or_else(|| format!("no trial {i}: the store holds {}", self.len()))?;
        let path = segment_path(&self.dir, segment);
        let mut file = File::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let mut payload = vec![0; len as usize];
        file.seek(SeekFrom::Start(offset + HEAD as u64))
            .and_then(|_| file.read_exact(&mut payload))
            .map_err(|e| format!("cannot read trial {i}: {e}"))?;
        decode(&payload)
    }

    /// Every trial in the order appended, decoded one at a time and read a segment at a time:
    /// how consolidation and training walk a store too big for memory.
    pub fn trials(&self) -> impl Iterator<Item = Result<Trial, String>> + '_ {
        let mut current: Option<(u32, Vec<u8>)> = None;
        self.index.iter().map(move |&(segment, offset, len)| {
            if current.as_ref().is_none_or(|(s, _)| *s != segment) {
                let path = segment_path(&self.dir, segment);
                current = Some((segment, fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?));
            }
            let bytes = &current.as_ref().expect("just set").1;
            let at = offset as usize + HEAD;
            decode(&bytes[at..at + len as usize])
        })
    }

    /// Streams the trials `filter` matches, in the order appended, to `each` in batches of up to
    /// `size`. Returns the number of trials passed on.
    pub fn batches(
        &self,
        filter: &Filter,
        size: usize,
        mut each: impl FnMut(Vec<Trial>) -> Result<(), String>,
    ) -> Result<usize, String> {
        assert!(size > 0, "batches need a size of at least 1");
        let (mut batch, mut passed) = (Vec::with_capacity(size), 0);
        for trial in self.trials() {
            let trial = trial?;
            if filter.matches(&trial) {
                batch.push(trial);
                if batch.len() == size {
                    passed += size;
                    each(std::mem::replace(&mut batch, Vec::with_capacity(size)))?;
                }
            }
        }
        if !batch.is_empty() {
            passed += batch.len();
            each(batch)?;
        }
        Ok(passed)
    }

    /// Every trial in order.
    pub fn read_all(&self) -> Result<Vec<Trial>, String> {
        self.trials().collect()
    }

    /// Bytes on disk, framing included.
    pub fn bytes(&self) -> u64 {
        self.index.iter().map(|&(_, _, len)| (len as usize + FRAMING) as u64).sum()
    }
}
