//! ONE as a file: an experiment's consolidated ONE with the settings it was trained under and how
//! it was judged, so that a ONE trained on the page runs in the CLI and the other way round, and
//! so that the site can ship a pretrained ONE (`www/pretrained/one.onelab`).
//!
//! The bytes are an export file ([`Archive`]: magic, sections with a CRC-32 each, an end section
//! with the CRC-32 of the whole) holding two sections and no trials: the settings (the
//! experiment's JSON, as a share link carries them) and the parameters (JSON of [`Saved`]).
//! Written from the same values they are the same bytes, natively and in wasm.

use super::config::ExperimentConfig;
use super::judge::{Judgement, RetentionRow};
use crate::net::One;
use crate::traces::Archive;
use serde::{Deserialize, Serialize};

/// The version of the parameters section this lab writes; a newer one is refused by name.
const FORMAT: u32 = 1;

/// A ONE file's contents, fully checked against its own settings.
#[derive(Clone, Debug)]
pub struct OneFile {
    pub config: ExperimentConfig,
    /// The consolidated ONE that was judged: the accepted one, else the rejected candidate
    /// (the one "Talk to ONE" talks to; `judgement.accepted` says which).
    pub one: One,
    /// Its result table, verdict and retention row on the experiment's validation speakers.
    pub judgement: Judgement,
    /// The whole retention matrix, a row per consolidation of the experiment.
    pub retention: Vec<RetentionRow>,
}

/// The parameters section.
#[derive(Serialize, Deserialize)]
struct Saved {
    format: u32,
    one: One,
    judgement: Judgement,
    retention: Vec<RetentionRow>,
}

impl OneFile {
    pub fn to_bytes(&self) -> Vec<u8> {
        let saved = Saved {
            format: FORMAT,
            one: self.one.clone(),
            judgement: self.judgement.clone(),
            retention: self.retention.clone(),
        };
        Archive {
            settings: Some(serde_json::to_string(&self.config).expect("settings serialise")),
            parameters: Some(serde_json::to_string(&saved).expect("a ONE serialises")),
            trials: Vec::new(),
            recordings: Vec::new(),
        }
        .to_bytes()
    }

    /// Reads a ONE file and checks it whole: the file's checksums, its settings' bounds, ONE's
    /// shape and parameters against those settings, and a table and matrix that fit its
    /// commands. Any failure is named; nothing is half-read.
    pub fn from_bytes(bytes: &[u8]) -> Result<OneFile, String> {
        let archive = Archive::from_bytes(bytes).map_err(|e| format!("not a ONE file: {e}"))?;
        let (Some(settings), Some(parameters)) = (&archive.settings, &archive.parameters) else {
            return Err(
                "not a ONE file: it holds no ONE (an export of traces is imported with Import, not loaded)".into()
            );
        };
        let config =
            ExperimentConfig::from_json(settings.as_bytes()).map_err(|e| format!("the ONE file's settings: {e}"))?;
        #[derive(Deserialize)]
        struct Format {
            format: Option<u32>,
        }
        let read = |e: serde_json::Error| format!("the ONE file's parameters cannot be read: {e}");
        match serde_json::from_str::<Format>(parameters).map_err(read)?.format {
            Some(FORMAT) => {}
            Some(v) if v > FORMAT => {
                return Err(format!("the ONE file is of format {v}, from a newer lab (this one reads format {FORMAT})"))
            }
            _ => return Err("the ONE file's parameters name no format this lab knows".into()),
        }
        let saved: Saved = serde_json::from_str(parameters).map_err(read)?;
        let tasks = config.tasks.len();
        let fits = |r: &RetentionRow| r.success.len() == tasks && r.learned.len() <= tasks;
        if saved.judgement.rows.len() > tasks
            || !fits(&saved.judgement.retention)
            || saved.retention.len() > tasks
            || !saved.retention.iter().all(fits)
        {
            return Err("the ONE file's result table or retention matrix does not fit its commands".into());
        }
        // Judged after a copy per row: grown by their units if the copies froze and grew.
        let shape = config.shape_after(saved.judgement.rows.len());
        saved.one.check(shape).map_err(|e| format!("the ONE file: {e}"))?;
        Ok(OneFile { config, one: saved.one, judgement: saved.judgement, retention: saved.retention })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::CommandRow;

    fn file() -> OneFile {
        let mut config = ExperimentConfig::default_experiment();
        config.tasks = vec!["ne".into(), "sw".into()];
        config.copy.hidden = 4;
        let one = One::new(config.copy.shape(), 5);
        let row = |task: &str, command: &str| CommandRow {
            task: task.into(),
            command: command.into(),
            copy_generations: 3,
            copy: 0.5,
            copy_shuffled: 0.25,
            one: 1.0 / 3.0,
            one_shuffled: 0.1,
            one_cross: 0.2,
            one_recordings: None,
            recordings: 0,
            chance: 0.3,
        };
        let retention = RetentionRow { learned: config.tasks.clone(), success: vec![0.1, 0.7], accepted: false };
        let judgement = Judgement {
            rows: vec![row("ne", "north east"), row("sw", "south west")],
            retention: retention.clone(),
            cross_voices: Vec::new(),
            accepted: false,
            verdict: "rejected".into(),
        };
        OneFile { config, one, judgement, retention: vec![retention] }
    }

    /// Read back, a file gives the same ONE bit for bit and writes the same bytes again.
    #[test]
    fn round_trip_is_bit_for_bit() {
        let bytes = file().to_bytes();
        let back = OneFile::from_bytes(&bytes).unwrap();
        let bits = |o: &One| o.params.iter().map(|p| p.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back.one), bits(&file().one));
        assert_eq!(back.to_bytes(), bytes);
    }

    /// A cut file, a flipped byte, another shape, a newer format and an export of traces are
    /// each refused by name.
    #[test]
    fn bad_files_are_refused_by_name() {
        let bytes = file().to_bytes();
        for len in [0, 7, 8, 100, bytes.len() / 2, bytes.len() - 1] {
            let e = OneFile::from_bytes(&bytes[..len]).unwrap_err();
            assert!(e.starts_with("not a ONE file"), "cut to {len}: {e}");
        }
        let mut flipped = bytes.clone();
        flipped[bytes.len() / 2] ^= 1;
        assert!(OneFile::from_bytes(&flipped).unwrap_err().contains("corrupt"));

        let mut other = file();
        let shape = crate::net::NetShape { hidden: 5, ..other.config.copy.shape() };
        other.one = One::new(shape, 5);
        let e = OneFile::from_bytes(&other.to_bytes()).unwrap_err();
        assert!(e.contains("shape"), "{e}");

        let newer = Archive {
            settings: Some(serde_json::to_string(&file().config).unwrap()),
            parameters: Some(r#"{"format": 2}"#.into()),
            trials: Vec::new(),
            recordings: Vec::new(),
        };
        let e = OneFile::from_bytes(&newer.to_bytes()).unwrap_err();
        assert!(e.contains("format 2, from a newer lab"), "{e}");

        let traces = Archive { parameters: None, ..newer };
        assert!(OneFile::from_bytes(&traces.to_bytes()).unwrap_err().contains("holds no ONE"));
    }

    /// The pretrained ONE the site ships is the default experiment's (seed 1): when the default
    /// changes, `onelab run --cpu --seed 1 --no-baseline --out www/pretrained/one.onelab` makes it
    /// again (the same bytes on any machine, as the CPU path's results are).
    #[test]
    fn the_shipped_one_is_the_default_experiments() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/pretrained/one.onelab");
        let file = OneFile::from_bytes(&std::fs::read(path).unwrap()).unwrap();
        let json = |c: &ExperimentConfig| serde_json::to_string(c).unwrap();
        assert_eq!(json(&file.config), json(&ExperimentConfig::default_experiment()), "regenerate {path}");
        assert!(file.judgement.accepted, "the shipped ONE was accepted");
    }
}
