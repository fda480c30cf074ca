use super::PolicyRef;
use crate::data::{Population, MEAN_MEMBER};

/// The parameters behind a copy's trials at one generation, so that any stored trial's policy
/// can be regenerated and its actions replayed (paper 3.6): the population (seed, antithetic
/// pairing, mean and mutation sizes) that a generation's members were drawn from, or, for the
/// trials of an evaluation, the mean policy alone (`sigma` empty, seed 0).
#[derive(Clone, Debug, PartialEq)]
pub struct PolicySnapshot {
    pub copy: u32,
    pub generation: u32,
    pub population_seed: u32,
    pub antithetic: bool,
    pub mean: Vec<f32>,
    pub sigma: Vec<f32>,
}

impl PolicySnapshot {
    /// The snapshot of a generation's population.
    pub fn population(copy: u32, generation: u32, pop: &Population) -> PolicySnapshot {
        PolicySnapshot {
            copy,
            generation,
            population_seed: pop.seed,
            antithetic: pop.antithetic,
            mean: pop.mean.clone(),
            sigma: pop.sigma.clone(),
        }
    }

    /// The snapshot of a mean policy evaluated at `generation`.
    pub fn mean_policy(copy: u32, generation: u32, mean: &[f32]) -> PolicySnapshot {
        PolicySnapshot {
            copy,
            generation,
            population_seed: 0,
            antithetic: false,
            mean: mean.to_vec(),
            sigma: Vec::new(),
        }
    }

    /// Whether the trials of `policy` acted with parameters drawn from this snapshot.
    pub fn covers(&self, policy: &PolicyRef) -> bool {
        match *policy {
            PolicyRef::One { .. } => false,
            PolicyRef::Copy { copy, generation, member, population_seed } => {
                copy == self.copy
                    && generation == self.generation
                    && population_seed == self.population_seed
                    && (member == MEAN_MEMBER) == self.sigma.is_empty()
            }
        }
    }

    /// The parameters of `member` (or of the mean, for `MEAN_MEMBER`), regenerated.
    pub fn params(&self, member: u32) -> Vec<f32> {
        if member == MEAN_MEMBER {
            return self.mean.clone();
        }
        let pop = Population {
            seed: self.population_seed,
            size: member as usize + 1,
            antithetic: self.antithetic,
            mean: self.mean.clone(),
            sigma: self.sigma.clone(),
        };
        pop.member(member as usize)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(17 + 4 * (self.mean.len() + self.sigma.len()));
        for v in [self.copy, self.generation, self.population_seed] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.push(self.antithetic as u8);
        out.extend_from_slice(&(self.mean.len() as u32).to_le_bytes());
        out.push(!self.sigma.is_empty() as u8);
        for v in self.mean.iter().chain(&self.sigma) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<PolicySnapshot, String> {
        let word = |i: usize| u32::from_le_bytes(bytes[4 * i..4 * i + 4].try_into().expect("four bytes"));
        if bytes.len() < 18 {
            return Err("a policy snapshot is truncated".into());
        }
        let n = u32::from_le_bytes(bytes[13..17].try_into().expect("four bytes"));
        let with_sigma = bytes[17] == 1;
        let floats = &bytes[18..];
        // In 64 bits: 4 n wraps around a 32-bit usize (wasm32) and would pass a short snapshot.
        if floats.len() as u64 != 4 * n as u64 * (1 + with_sigma as u64) {
            return Err(format!("a policy snapshot of {n} parameters holds {} bytes of them", floats.len()));
        }
        let n = n as usize;
        let values: Vec<f32> =
            floats.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("four bytes"))).collect();
        if values.iter().any(|v| !v.is_finite()) || values[n..].iter().any(|&s| s < 0.0) {
            return Err(
                "a policy snapshot holds parameters that are not finite numbers, or a negative mutation size".into()
            );
        }
        Ok(PolicySnapshot {
            copy: word(0),
            generation: word(1),
            population_seed: word(2),
            antithetic: bytes[12] == 1,
            mean: values[..n].to_vec(),
            sigma: values[n..].to_vec(),
        })
    }
}
