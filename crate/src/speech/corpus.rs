use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Validation,
}

/// A synthetic speaker: an espeak-ng accent and voice variant at one speed and pitch.
#[derive(Clone, Debug, Deserialize)]
pub struct Speaker {
    pub id: String,
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
pub struct Corpus {
    pub sample_rate: u32,
    pub commands: Vec<String>,
    pub speakers: Vec<Speaker>,
    pub utterances: Vec<Utterance>,
    blob: Vec<u8>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Corpus {
    /// Parses the manifest and checks the blob and every utterance against their checksums;
    /// any mismatch is refused with the utterance it concerns.
    pub fn load(manifest: &str, blob: Vec<u8>) -> Result<Corpus, String> {
        let m: Manifest = serde_json::from_str(manifest).map_err(|e| format!("corpus manifest: {e}"))?;
        if m.format != "onelab-corpus" || m.version != 1 {
            return Err(format!(
                "corpus manifest is {:?} version {}, expected onelab-corpus version 1",
                m.format, m.version
            ));
        }
        if hex(&Sha256::digest(&blob)) != m.corpus_sha256 {
            return Err("corpus.bin does not match the manifest's checksum".into());
        }
        for u in &m.utterances {
            let bytes = blob
                .get(u.offset..u.offset + u.samples)
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
            blob,
        })
    }

    /// Reads the corpus committed in www/corpus (native code and tests).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn committed() -> Result<Corpus, String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/corpus/");
        let manifest =
            std::fs::read_to_string(format!("{dir}manifest.json")).map_err(|e| format!("{dir}manifest.json: {e}"))?;
        let blob = std::fs::read(format!("{dir}corpus.bin")).map_err(|e| format!("{dir}corpus.bin: {e}"))?;
        Corpus::load(&manifest, blob)
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
