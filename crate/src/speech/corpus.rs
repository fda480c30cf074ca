use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Who a speaker is heard by: training speakers by the copies (and so by consolidation),
/// validation speakers (espeak-ng voice variants training never hears) and cross-synthesiser
/// speakers (festival, a synthesiser training never hears) only when ONE is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Validation,
    Cross,
}

impl Split {
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Cross => "cross",
        }
    }
}

/// A synthetic speaker: a synthesiser's voice for a language or accent at one speed and pitch
/// (for espeak-ng, words per minute and 0 to 99; for festival, percent of the voice's own
/// durations, and 0 for the voice's own pitch).
#[derive(Clone, Debug, Deserialize)]
pub struct Speaker {
    pub id: String,
    pub synth: String,
    pub accent: String,
    pub variant: String,
    pub speed: u32,
    pub pitch: u32,
    pub split: Split,
}

/// One utterance: `samples` mu-law bytes at `offset` in the corpus blob.
#[derive(Clone, Debug, Deserialize)]
pub struct Utterance {
    pub speaker: String,
    pub text: String,
    pub offset: usize,
    pub samples: usize,
    pub sha256: String,
}

#[derive(Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    sample_rate: u32,
    commands: Vec<String>,
    speakers: Vec<Speaker>,
    utterances: Vec<Utterance>,
    corpus_sha256: String,
}

/// The command corpus made by scripts/make-corpus.py: www/corpus/manifest.json and corpus.bin.
#[derive(Clone)]
pub struct Corpus {
    pub sample_rate: u32,
    pub commands: Vec<String>,
    pub speakers: Vec<Speaker>,
    pub utterances: Vec<Utterance>,
    /// Shared, so that a clone (one per experiment, and per ONE file loaded on the page) does
    /// not copy the audio (25 MB).
    blob: Arc<[u8]>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Corpus {
    /// Parses the manifest and checks the blob and every utterance against their checksums;
    /// any mismatch is refused with the utterance it concerns.
    pub fn load(manifest: &str, blob: Vec<u8>) -> Result<Corpus, String> {
        let m: Manifest = serde_json::from_str(manifest).map_err(|e| format!("corpus manifest: {e}"))?;
        if m.format != "onelab-corpus" || m.version != 2 {
            return Err(format!(
                "corpus manifest is {:?} version {}, expected onelab-corpus version 2",
                m.format, m.version
            ));
        }
        if hex(&Sha256::digest(&blob)) != m.corpus_sha256 {
            return Err("corpus.bin does not match the manifest's checksum".into());
        }
        for u in &m.utterances {
            let bytes = (u.offset.checked_add(u.samples))
                .and_then(|end| blob.get(u.offset..end))
                .ok_or_else(|| format!("utterance {:?} by {} lies outside corpus.bin", u.text, u.speaker))?;
            if hex(&Sha256::digest(bytes)) != u.sha256 {
                return Err(format!("utterance {:?} by {} fails its checksum", u.text, u.speaker));
            }
            if !m.speakers.iter().any(|s| s.id == u.speaker) || !m.commands.contains(&u.text) {
                return Err(format!("utterance {:?} by {} names an unknown speaker or command", u.text, u.speaker));
            }
        }
        Ok(Corpus {
            sample_rate: m.sample_rate,
            commands: m.commands,
            speakers: m.speakers,
            utterances: m.utterances,
            blob: blob.into(),
        })
    }

    /// The first `n` speakers of each split, with their utterances and nothing else: a corpus
    /// of the same shape and far less audio, for checks whose cost grows with the corpus and
    /// whose outcome does not (`onelab fuzz` resuming checkpoints).
    pub fn first_speakers(&self, n: usize) -> Corpus {
        let mut kept: Vec<Speaker> = Vec::new();
        for s in &self.speakers {
            if kept.iter().filter(|k| k.split == s.split).count() < n {
                kept.push(s.clone());
            }
        }
        let mut blob = Vec::new();
        let mut utterances = Vec::new();
        for u in self.utterances.iter().filter(|u| kept.iter().any(|s| s.id == u.speaker)) {
            utterances.push(Utterance { offset: blob.len(), ..u.clone() });
            blob.extend_from_slice(&self.blob[u.offset..u.offset + u.samples]);
        }
        Corpus {
            sample_rate: self.sample_rate,
            commands: self.commands.clone(),
            speakers: kept,
            utterances,
            blob: blob.into(),
        }
    }

    /// Reads the corpus committed in www/corpus (native code and tests).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn committed() -> Result<Corpus, String> {
        Corpus::read(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../www/corpus")))
    }

    /// Reads `dir`/manifest.json and `dir`/corpus.bin, as scripts/make-corpus.py writes them.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn read(dir: &std::path::Path) -> Result<Corpus, String> {
        let (manifest, blob) = (dir.join("manifest.json"), dir.join("corpus.bin"));
        let text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let bytes = std::fs::read(&blob).map_err(|e| format!("{}: {e}", blob.display()))?;
        Corpus::load(&text, bytes)
    }

    /// The speakers of `split`.
    pub fn speakers_of(&self, split: Split) -> impl Iterator<Item = &Speaker> {
        self.speakers.iter().filter(move |s| s.split == split)
    }

    pub fn speaker(&self, id: &str) -> &Speaker {
        self.speakers.iter().find(|s| s.id == id).expect("checked on load")
    }

    /// The utterance's audio as samples in [-1, 1].
    pub fn audio(&self, u: &Utterance) -> Vec<f32> {
        self.blob[u.offset..u.offset + u.samples].iter().map(|&b| mu_law_decode(b)).collect()
    }
}

/// ITU-T G.711 mu-law expansion to [-1, 1] (as Python's audioop.ulaw2lin, scaled by 1/32768).
pub fn mu_law_decode(byte: u8) -> f32 {
    let u = !byte;
    let exponent = ((u >> 4) & 7) as i32;
    let mantissa = (u & 15) as i32;
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    let value = if u & 0x80 != 0 { -magnitude } else { magnitude };
    value as f32 / 32768.0
}
