use serde::Serialize;

/// The version byte every encoded trial starts with.
pub const FORMAT_VERSION: u8 = 1;

/// The maze a trial ran in, enough to generate it again.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MazeSpec {
    pub size: u16,
    pub openings: f32,
    pub seed: u32,
}

impl MazeSpec {
    pub fn generate(&self) -> crate::world::Maze {
        let n = self.size as usize;
        crate::world::Maze::generate(n, n, self.openings, self.seed)
    }
}

/// The spoken command an episode heard during its listening steps (heard even when the policy
/// ignored it): a corpus utterance, or a user's recording ("user:<key>"), and its augmentation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Heard {
    pub speaker: String,
    pub command: String,
    pub augment_seed: u32,
    pub listen: u16,
}

/// Which policy acted: ONE at some version, or member `member` of generation `generation` of a
/// copy's evolution, whose parameters are regenerated from the generation's mean and sigma
/// (kept with the copy) and the population seed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum PolicyRef {
    One { version: u32 },
    Copy { copy: u32, generation: u32, member: u32, population_seed: u32 },
}

/// Why a trial was run. Stored as its index, so new phases go at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Phase {
    /// A population member's episode while a copy evolves.
    Evolution,
    /// The mean policy judged on the validation speakers (ONE never trains on these).
    Evaluation,
    Consolidation,
    /// A finished copy's mean policy showing its skill to the training speakers: the traces
    /// consolidation imitates.
    Demonstration,
}

/// One trial as stored: observations and rewards are not stored, since replaying the actions in
/// the regenerated maze reproduces them bit for bit (`replay`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trial {
    pub experiment: u32,
    pub task: String,
    pub maze: MazeSpec,
    pub start: u16,
    pub step_limit: u16,
    pub heard: Option<Heard>,
    pub policy: PolicyRef,
    pub phase: Phase,
    /// 0 N, 1 E, 2 S, 3 W, 4 stay; as many as the trial took.
    pub actions: Vec<u8>,
    pub success: bool,
    pub cumulative_reward: f32,
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.push(bytes.len().min(255) as u8);
    out.extend_from_slice(&bytes[..bytes.len().min(255)]);
}

/// The compact encoding: little-endian fields, actions packed two per byte.
pub fn encode(t: &Trial) -> Vec<u8> {
    let mut out = Vec::with_capacity(48 + t.actions.len() / 2);
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&t.experiment.to_le_bytes());
    put_str(&mut out, &t.task);
    out.extend_from_slice(&t.maze.size.to_le_bytes());
    out.extend_from_slice(&t.maze.openings.to_le_bytes());
    out.extend_from_slice(&t.maze.seed.to_le_bytes());
    out.extend_from_slice(&t.start.to_le_bytes());
    out.extend_from_slice(&t.step_limit.to_le_bytes());
    match &t.heard {
        None => out.push(0),
        Some(h) => {
            out.push(1);
            put_str(&mut out, &h.speaker);
            put_str(&mut out, &h.command);
            out.extend_from_slice(&h.augment_seed.to_le_bytes());
            out.extend_from_slice(&h.listen.to_le_bytes());
        }
    }
    match t.policy {
        PolicyRef::One { version } => {
            out.push(0);
            out.extend_from_slice(&version.to_le_bytes());
        }
        PolicyRef::Copy { copy, generation, member, population_seed } => {
            out.push(1);
            for v in [copy, generation, member, population_seed] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    out.push(t.phase as u8);
    out.push(t.success as u8);
    out.extend_from_slice(&t.cumulative_reward.to_le_bytes());
    out.extend_from_slice(&(t.actions.len() as u16).to_le_bytes());
    for pair in t.actions.chunks(2) {
        out.push(pair[0] | pair.get(1).map_or(0, |a| a << 4));
    }
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let s = self.bytes.get(self.at..self.at + n).ok_or("the trial record is truncated")?;
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().expect("two bytes")))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("four bytes")))
    }
    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_bits(self.u32()?))
    }
    fn string(&mut self) -> Result<String, String> {
        let n = self.u8()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| "a trial record holds invalid text".to_string())
    }
}

pub fn decode(bytes: &[u8]) -> Result<Trial, String> {
    let mut r = Reader { bytes, at: 0 };
    let version = r.u8()?;
    if version != FORMAT_VERSION {
        return Err(format!("trial record format {version} is not the supported {FORMAT_VERSION}"));
    }
    let experiment = r.u32()?;
    let task = r.string()?;
    let maze = MazeSpec { size: r.u16()?, openings: r.f32()?, seed: r.u32()? };
    let (start, step_limit) = (r.u16()?, r.u16()?);
    let heard = match r.u8()? {
        0 => None,
        1 => Some(Heard { speaker: r.string()?, command: r.string()?, augment_seed: r.u32()?, listen: r.u16()? }),
        other => return Err(format!("unknown utterance tag {other} in a trial record")),
    };
    let policy = match r.u8()? {
        0 => PolicyRef::One { version: r.u32()? },
        1 => PolicyRef::Copy { copy: r.u32()?, generation: r.u32()?, member: r.u32()?, population_seed: r.u32()? },
        other => return Err(format!("unknown policy tag {other} in a trial record")),
    };
    let phase = match r.u8()? {
        0 => Phase::Evolution,
        1 => Phase::Evaluation,
        2 => Phase::Consolidation,
        3 => Phase::Demonstration,
        other => return Err(format!("unknown phase {other} in a trial record")),
    };
    let success = r.u8()? == 1;
    let cumulative_reward = r.f32()?;
    let n = r.u16()? as usize;
    let packed = r.take(n.div_ceil(2))?;
    let actions: Vec<u8> = (0..n).map(|i| (packed[i / 2] >> (4 * (i % 2))) & 15).collect();
    if let Some(a) = actions.iter().find(|&&a| a > 4) {
        return Err(format!("a trial record holds action {a}, which does not exist"));
    }
    if r.at != bytes.len() {
        return Err("a trial record has trailing bytes".into());
    }
    // The bounds every setting is held to (crate::limits), so that a record that decodes is one
    // that replays.
    use crate::limits::{check, MAZE_SIZE, STEP_LIMIT};
    let size = maze.size as usize;
    check("a trial record's maze size", size, MAZE_SIZE)?;
    check("a trial record's step limit", step_limit as usize, STEP_LIMIT)?;
    if !(0.0..=1.0).contains(&maze.openings) {
        return Err(format!("a trial record's maze openings {} are not a share in [0, 1]", maze.openings));
    }
    if start as usize >= size * size {
        return Err(format!("a trial record starts at cell {start} of a {size}x{size} maze"));
    }
    if actions.len() > step_limit as usize {
        return Err(format!("a trial record holds {} actions, over its step limit {step_limit}", actions.len()));
    }
    if heard.as_ref().is_some_and(|h| h.listen >= step_limit) {
        return Err("a trial record listens for all its steps".into());
    }
    Ok(Trial { experiment, task, maze, start, step_limit, heard, policy, phase, actions, success, cumulative_reward })
}
