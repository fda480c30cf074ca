use super::kernel::{Bound, Kernel};
use super::readback::read;
use super::shader::{buffer, LSTM_MATH, NOISE};
use super::Context;
use crate::data::{path_moves, ActionChoice, Population, RolloutResult, RolloutSpec};
use crate::world::{Episode, BUMP_REWARD, GOAL_REWARD, OBS_LEN, STEP_REWARD};
use bytemuck::{Pod, Zeroable};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const ROLLOUT_WGSL: &str = include_str!("../../../shaders/rollout.wgsl");
const PERTURB_WGSL: &str = include_str!("../../../shaders/perturb.wgsl");
/// The world buffer of rollout.wgsl: every cell's observation (`OBS_LEN` f32 bit patterns per
/// cell), then a word per cell of its wall bits with `GOAL_CELL` or `EXIT_CELL`, then each
/// episode's start cell, then the utterance each episode hears (0 when silent); the offsets say
/// where each part begins, in words.
pub struct PackedWorld {
    pub words: Vec<u32>,
    pub off_walls: usize,
    pub off_starts: usize,
    pub off_heard: usize,
}

/// The maze, task, starts and utterances of `spec` packed as the rollout kernel reads them: a
/// pure function, so the packing is checked on the CPU.
pub fn pack_world(spec: &RolloutSpec) -> PackedWorld {
    let maze = &spec.maze;
    let (cells, e) = (maze.walls.len(), spec.episodes());
    let mut words: Vec<u32> = Vec::with_capacity(cells * (OBS_LEN + 1) + 2 * e);
    for c in 0..cells {
        let (x, y) = maze.xy(c);
        words.extend(Episode::at(x, y, 1).observe(maze).iter().map(|v| v.to_bits()));
    }
    let off_walls = words.len();
    let moves = spec.task.distances(maze);
    words.extend((0..cells).map(|c| {
        let (x, y) = maze.xy(c);
        let end = if spec.task.goal.contains(x, y) {
            GOAL_CELL
        } else if spec.task.is_exit(x, y) {
            EXIT_CELL
        } else {
            0
        };
        maze.walls[c] as u32 | end | path_moves(moves[c]) << MOVES_SHIFT
    }));
    let off_starts = words.len();
    words.extend(spec.starts.iter().map(|&s| s as u32));
    let off_heard = words.len();
    words.extend((0..e).map(|i| spec.heard.get(i).copied().unwrap_or(0)));
    PackedWorld { words, off_walls, off_starts, off_heard }
}

/// Bits beside the wall bits of a cell's world word (rollout.wgsl): the episode ends there.
const GOAL_CELL: u32 = 16;
const EXIT_CELL: u32 = 32;
/// The cell's moves to the goal (`path_moves`) fill the world word's top 24 bits.
const MOVES_SHIFT: u32 = 8;

/// The rollout kernel keeps each episode's input in workgroup memory of this many floats.
pub const MAX_INPUT: usize = 64;

/// How members' parameters reach the rollout kernel: regenerated from (seed, member, index) on
/// every use, or materialised once per generation into a members x parameters buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Perturbation {
    Regenerated,
    Materialised,
    /// Materialised when the members x parameters buffer fits the adapter's storage limit,
    /// regenerated otherwise: `onelab bench rollout` found materialising faster at nearly every
    /// size measured (BENCHMARKS.md), and regenerating needs no memory.
    Auto,
}

impl Perturbation {
    pub const ALL: [Perturbation; 3] = [Perturbation::Auto, Perturbation::Regenerated, Perturbation::Materialised];
}

/// Mirrors `Rollout` in shaders/rollout.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct RolloutUniform {
    members: u32,
    episodes: u32,
    steps: u32,
    hidden: u32,
    input: u32,
    obs: u32,
    goal: u32,
    listen: u32,
    off_wx: u32,
    off_wh: u32,
    off_b: u32,
    off_wa: u32,
    off_ba: u32,
    n_params: u32,
    seed: u32,
    antithetic: u32,
    action_mode: u32,
    action_seed: u32,
    materialised: u32,
    maze_w: u32,
    off_walls: u32,
    off_starts: u32,
    off_heard: u32,
    off_actions: u32,
    goal_reward: f32,
    bump_reward: f32,
    step_reward: f32,
    _pad: u32,
}

/// Mirrors `Perturb` in shaders/perturb.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct PerturbUniform {
    n_params: u32,
    members: u32,
    seed: u32,
    antithetic: u32,
}

/// Buffers of one size of problem, kept while successive generations have that size.
struct Buffers {
    key: [usize; 5],
    uniform: wgpu::Buffer,
    perturb_uniform: wgpu::Buffer,
    params: wgpu::Buffer,
    world: wgpu::Buffer,
    out: wgpu::Buffer,
    state: wgpu::Buffer,
    perturbed: Option<wgpu::Buffer>,
}

/// The population rollout on the GPU (shaders/rollout.wgsl), checked against
/// `cpu::rollout`. One readback per generation: the results, and the actions when asked for.
pub struct Rollout {
    ctx: Context,
    rollout: Kernel,
    perturb: Kernel,
    buffers: Option<Buffers>,
    /// The goal-input frames last uploaded, kept until a spec brings another table.
    utterances: Option<(Arc<Vec<f32>>, wgpu::Buffer)>,
}

impl Rollout {
    pub fn new(ctx: &Context) -> Rollout {
        Rollout {
            rollout: Kernel::new(ctx, "rollout", &[NOISE, LSTM_MATH, ROLLOUT_WGSL], &[]),
            perturb: Kernel::new(ctx, "perturb", &[NOISE, PERTURB_WGSL], &[]),
            ctx: ctx.clone(),
            buffers: None,
            utterances: None,
        }
    }

    fn check_fits(&self, name: &str, words: usize) -> Result<(), String> {
        let limits = self.ctx.device.limits();
        let cap = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
        let bytes = words as u64 * 4;
        if bytes > cap {
            return Err(format!(
                "the rollout's {name} buffer needs {} MiB, over this adapter's limit of {} MiB",
                bytes >> 20,
                cap >> 20
            ));
        }
        Ok(())
    }

    fn buffers(
        &mut self,
        pop: &Population,
        spec: &RolloutSpec,
        world_words: usize,
        materialised: bool,
    ) -> Result<&Buffers, String> {
        let (p, e, t, n, h) = (pop.size, spec.episodes(), spec.step_limit, pop.mean.len(), spec.shape.hidden);
        let key = [p, e, t, n, world_words];
        let out_words = p * e * (4 + t);
        let state_words = p * e * 3 * h;
        self.check_fits("results", out_words)?;
        self.check_fits("hidden state", state_words)?;
        if materialised {
            self.check_fits("perturbed parameters", p * n)?;
        }
        let reuse = self.buffers.as_ref().is_some_and(|b| b.key == key);
        if !reuse {
            use wgpu::BufferUsages as U;
            let ctx = &self.ctx;
            self.buffers = Some(Buffers {
                key,
                uniform: buffer(
                    ctx,
                    "rollout uniform",
                    std::mem::size_of::<RolloutUniform>() / 4,
                    U::UNIFORM | U::COPY_DST,
                ),
                perturb_uniform: buffer(ctx, "perturb uniform", 4, U::UNIFORM | U::COPY_DST),
                params: buffer(ctx, "mean and sigma", 2 * n, U::STORAGE | U::COPY_DST),
                world: buffer(ctx, "world", world_words, U::STORAGE | U::COPY_DST),
                out: buffer(ctx, "rollout out", out_words, U::STORAGE | U::COPY_DST | U::COPY_SRC),
                state: buffer(ctx, "rollout state", state_words, U::STORAGE),
                perturbed: None,
            });
        }
        let b = self.buffers.as_mut().expect("just set");
        if materialised && b.perturbed.is_none() {
            b.perturbed =
                Some(buffer(&self.ctx, "perturbed", p * n, wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC));
        }
        Ok(b)
    }

    fn write_params(&self, params: &wgpu::Buffer, pop: &Population) {
        let q = &self.ctx.queue;
        q.write_buffer(params, 0, bytemuck::cast_slice(&pop.mean));
        q.write_buffer(params, (pop.mean.len() * 4) as u64, bytemuck::cast_slice(&pop.sigma));
    }

    fn encode_perturb(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        uniform: &wgpu::Buffer,
        params: &wgpu::Buffer,
        perturbed: &wgpu::Buffer,
        pop: &Population,
    ) {
        let n = pop.mean.len();
        let u = PerturbUniform {
            n_params: n as u32,
            members: pop.size as u32,
            seed: pop.seed,
            antithetic: pop.antithetic as u32,
        };
        self.ctx.queue.write_buffer(uniform, 0, bytemuck::bytes_of(&u));
        let w = Bound::Whole;
        let group =
            self.perturb.bind(&self.ctx, &[("p", w(uniform)), ("params", w(params)), ("perturbed", w(perturbed))]);
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&self.perturb.pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(n.div_ceil(256) as u32, pop.size as u32, 1);
    }

    /// Runs every member of `pop` on every episode of `spec`. With `with_actions` the actions of
    /// all agents come back too (for drawing a member's episode); otherwise only the results.
    pub async fn run(
        &mut self,
        pop: &Population,
        spec: &RolloutSpec,
        mode: Perturbation,
        with_actions: bool,
    ) -> Result<RolloutResult, String> {
        spec.validate(pop.size)?;
        let shape = spec.shape;
        if shape.input() > MAX_INPUT {
            return Err(format!("ONE's input of {} values exceeds the rollout kernel's {MAX_INPUT}", shape.input()));
        }
        let l = shape.layout();
        if pop.mean.len() != l.total || pop.sigma.len() != l.total {
            return Err("the population's parameters do not match ONE's shape".into());
        }
        let (p, e, t) = (pop.size, spec.episodes(), spec.step_limit);
        if p == 0 || p > 65_535 || e.div_ceil(16) > 65_535 {
            return Err(format!("{p} members x {e} episodes is outside the rollout kernel's dispatch limits"));
        }
        let PackedWorld { words: world, off_walls, off_starts, off_heard } = pack_world(spec);

        let materialise = match mode {
            Perturbation::Regenerated => false,
            Perturbation::Materialised => true,
            Perturbation::Auto => self.check_fits("perturbed parameters", p * pop.mean.len()).is_ok(),
        };
        let (action_mode, action_seed) = match &spec.action {
            ActionChoice::Argmax => (0, 0),
            ActionChoice::Sampled { seed } => (1, *seed),
            ActionChoice::Scripted(_) => (2, 0),
        };
        let uniform = RolloutUniform {
            members: p as u32,
            episodes: e as u32,
            steps: t as u32,
            hidden: shape.hidden as u32,
            input: shape.input() as u32,
            obs: shape.obs as u32,
            goal: shape.goal as u32,
            listen: spec.listen as u32,
            off_wx: l.wx.start as u32,
            off_wh: l.wh.start as u32,
            off_b: l.b.start as u32,
            off_wa: l.wa.start as u32,
            off_ba: l.ba.start as u32,
            n_params: l.total as u32,
            seed: pop.seed,
            antithetic: pop.antithetic as u32,
            action_mode,
            action_seed,
            materialised: materialise as u32,
            maze_w: spec.maze.width as u32,
            off_walls: off_walls as u32,
            off_starts: off_starts as u32,
            off_heard: off_heard as u32,
            off_actions: (p * e * 4) as u32,
            goal_reward: GOAL_REWARD,
            bump_reward: BUMP_REWARD,
            step_reward: STEP_REWARD,
            _pad: 0,
        };

        if !self.utterances.as_ref().is_some_and(|(table, _)| Arc::ptr_eq(table, &spec.utterances)) {
            self.check_fits("utterances", spec.utterances.len())?;
            use wgpu::util::DeviceExt;
            let contents: &[u8] =
                if spec.utterances.is_empty() { &[0; 4] } else { bytemuck::cast_slice(&spec.utterances) };
            let buffer = self.ctx.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("utterances"),
                contents,
                usage: wgpu::BufferUsages::STORAGE,
            });
            self.utterances = Some((spec.utterances.clone(), buffer));
        }
        self.buffers(pop, spec, world.len(), materialise)?;
        let b = self.buffers.as_ref().expect("allocated above");
        let q = &self.ctx.queue;
        q.write_buffer(&b.uniform, 0, bytemuck::bytes_of(&uniform));
        q.write_buffer(&b.world, 0, bytemuck::cast_slice(&world));
        if let ActionChoice::Scripted(actions) = &spec.action {
            q.write_buffer(&b.out, (p * e * 4 * 4) as u64, bytemuck::cast_slice(actions));
        }
        self.write_params(&b.params, pop);
        let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
        if let (true, Some(perturbed)) = (materialise, &b.perturbed) {
            self.encode_perturb(&mut encoder, &b.perturb_uniform, &b.params, perturbed, pop);
        }
        let dummy;
        let perturbed = match &b.perturbed {
            Some(buf) if materialise => buf,
            _ => {
                dummy = buffer(&self.ctx, "no perturbed", 1, wgpu::BufferUsages::STORAGE);
                &dummy
            }
        };
        let utterances = &self.utterances.as_ref().expect("uploaded above").1;
        let w = Bound::Whole;
        let group = self.rollout.bind(
            &self.ctx,
            &[
                ("r", w(&b.uniform)),
                ("params", w(&b.params)),
                ("perturbed", w(perturbed)),
                ("world", w(&b.world)),
                ("out", w(&b.out)),
                ("state", w(&b.state)),
                ("utterances", w(utterances)),
            ],
        );
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.rollout.pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(p as u32, e.div_ceil(16) as u32, 1);
        }
        self.ctx.queue.submit([encoder.finish()]);

        let words = if with_actions { p * e * (4 + t) } else { p * e * 4 };
        let out: Vec<u32> = read(&self.ctx, &b.out, words).await?;
        let results = &out[..p * e * 4];
        Ok(RolloutResult {
            episodes: e,
            fitness: results.chunks(4).map(|r| f32::from_bits(r[0])).collect(),
            reached: results.chunks(4).map(|r| r[1] == 1).collect(),
            steps: results.chunks(4).map(|r| r[2]).collect(),
            nearest: results.chunks(4).map(|r| r[3]).collect(),
            actions: if with_actions { out[p * e * 4..].to_vec() } else { Vec::new() },
        })
    }

    /// The population's parameters as the perturb kernel materialises them, `[member][n]`.
    pub async fn materialise(&mut self, pop: &Population) -> Result<Vec<f32>, String> {
        let n = pop.mean.len();
        self.check_fits("perturbed parameters", pop.size * n)?;
        use wgpu::BufferUsages as U;
        let ctx = &self.ctx;
        let uniform = buffer(ctx, "perturb uniform", 4, U::UNIFORM | U::COPY_DST);
        let params = buffer(ctx, "mean and sigma", 2 * n, U::STORAGE | U::COPY_DST);
        let perturbed = buffer(ctx, "perturbed", pop.size * n, U::STORAGE | U::COPY_SRC);
        self.write_params(&params, pop);
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        self.encode_perturb(&mut encoder, &uniform, &params, &perturbed, pop);
        ctx.queue.submit([encoder.finish()]);
        read(ctx, &perturbed, pop.size * n).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::NetShape;
    use crate::world::{Maze, Task};

    #[test]
    fn the_world_is_packed_as_the_kernel_reads_it() {
        let maze = Maze::generate(5, 5, 0.5, 3);
        let task = Task::parse("ne|sw", &maze).unwrap();
        let mut spec = RolloutSpec::new(NetShape::for_maze(16, 8), maze.clone(), task, vec![12, 7, 0], 20);
        spec.heard = vec![4, 9, 2];
        let p = pack_world(&spec);
        assert_eq!((p.off_walls, p.off_starts, p.off_heard, p.words.len()), (150, 175, 178, 181));
        let observation = |c: usize| -> Vec<f32> {
            p.words[c * OBS_LEN..(c + 1) * OBS_LEN].iter().map(|&w| f32::from_bits(w)).collect()
        };
        assert_eq!(observation(7), Episode::at(2, 1, 1).observe(&maze).to_vec());
        // North east (4, 0) is the goal, south west (0, 4) an exit (no path: the most 24 bits
        // hold), the centre neither; each beside its moves to the goal.
        let moves = spec.task.distances(&maze);
        assert_eq!(p.words[p.off_walls + 4], maze.walls[4] as u32 | GOAL_CELL);
        assert_eq!(p.words[p.off_walls + 20], maze.walls[20] as u32 | EXIT_CELL | 0xFF_FFFF << MOVES_SHIFT);
        assert!(moves[12] > 0 && moves[12] < 25);
        assert_eq!(p.words[p.off_walls + 12], maze.walls[12] as u32 | (moves[12] as u32) << MOVES_SHIFT);
        assert_eq!(&p.words[p.off_starts..p.off_heard], &[12, 7, 0]);
        assert_eq!(&p.words[p.off_heard..], &[4, 9, 2]);
    }
}
