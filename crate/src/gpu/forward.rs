use super::readback::read;
use super::Context;
use crate::data::Trace;
use crate::net::One;
use wgpu::util::DeviceExt;

use super::kernel::{Bound, Kernel};
use super::shader::{self, buffer, Dims, FORWARD_DIMS, GATE_SUMS, LSTM_MATH};

const GATES_WGSL: &str = include_str!("../../../shaders/lstm_gates.wgsl");
const HEADS_WGSL: &str = include_str!("../../../shaders/lstm_heads.wgsl");

/// ONE run forward on the GPU for `n` agents, up to `max_steps` steps per call, with the hidden
/// and cell state kept on the GPU between steps and between calls. Same buffer layouts as
/// [`crate::cpu::Forward`]: inputs `[step][agent][input]`, outputs `[step][agent][output]`.
pub struct Forward {
    ctx: Context,
    n: usize,
    hidden: usize,
    input: usize,
    outputs: usize,
    max_steps: usize,
    gates: Kernel,
    heads: Kernel,
    inputs: wgpu::Buffer,
    out: wgpu::Buffer,
    /// Hidden state, double-buffered: the gates kernel reads one while writing the other.
    h: [wgpu::Buffer; 2],
    c: wgpu::Buffer,
    /// `gates_bg[k]` reads `h[k]` and writes `h[1 - k]`; `heads_bg[k]` reads `h[k]`.
    gates_bg: [wgpu::BindGroup; 2],
    heads_bg: [wgpu::BindGroup; 2],
    dims_stride: u64,
    /// Which of `h` holds the latest hidden state.
    cur: usize,
}

impl Forward {
    /// Uploads ONE's parameters and allocates state for `n` agents and up to `max_steps` steps
    /// per call. Refuses sizes this adapter cannot hold, naming the buffer and the limit.
    pub fn new(ctx: &Context, one: &One, n: usize, max_steps: usize) -> Result<Forward, String> {
        let s = one.shape;
        s.validate()?;
        if n == 0 || max_steps == 0 {
            return Err("the forward pass needs at least one agent and one step".into());
        }
        let (input, hidden, outputs) = (s.input(), s.hidden, s.outputs());
        let limits = ctx.device.limits();
        let cap = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
        for (name, floats) in [
            ("inputs", max_steps * n * input),
            ("outputs", max_steps * n * outputs),
            ("hidden state", n * hidden),
            ("parameters", one.params.len()),
        ] {
            let bytes = floats as u64 * 4;
            if bytes > cap {
                return Err(format!(
                    "the {name} buffer for {n} agents x {max_steps} steps needs {} MiB, over this adapter's limit of {} MiB",
                    bytes >> 20,
                    cap >> 20
                ));
            }
        }
        if n * outputs > 65_535 * 64 {
            return Err(format!("{n} agents exceed the heads kernel's dispatch limit"));
        }

        let dev = &ctx.device;
        let (dims, dims_stride) = shader::dims_blocks(ctx, s, n, max_steps, 0);
        let params = dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("params"),
            contents: bytemuck::cast_slice(&one.params),
            usage: wgpu::BufferUsages::STORAGE,
        });
        use wgpu::BufferUsages as U;
        let inputs = buffer(ctx, "inputs", max_steps * n * input, U::STORAGE | U::COPY_DST);
        let out = buffer(ctx, "outputs", max_steps * n * outputs, U::STORAGE | U::COPY_SRC);
        let state = U::STORAGE | U::COPY_SRC | U::COPY_DST;
        let h = [buffer(ctx, "h0", n * hidden, state), buffer(ctx, "h1", n * hidden, state)];
        let c = buffer(ctx, "c", n * hidden, state);

        let gates = Kernel::new(ctx, "lstm_gates", &[FORWARD_DIMS, LSTM_MATH, GATE_SUMS, GATES_WGSL], &["dims"]);
        let heads = Kernel::new(ctx, "lstm_heads", &[FORWARD_DIMS, HEADS_WGSL], &["dims"]);
        let (w, dims_block) = (Bound::Whole, || Bound::Block(&dims, std::mem::size_of::<Dims>()));
        // The gates kernel reads h[k] and writes h[1 - k]; the heads kernel reads h[k].
        let gates_bg = [0, 1].map(|k| {
            gates.bind(
                ctx,
                &[
                    ("dims", dims_block()),
                    ("params", w(&params)),
                    ("inputs", w(&inputs)),
                    ("h_prev", w(&h[k])),
                    ("h_next", w(&h[1 - k])),
                    ("cell", w(&c)),
                ],
            )
        });
        let heads_bg = [0, 1].map(|k| {
            heads.bind(
                ctx,
                &[("dims", dims_block()), ("params", w(&params)), ("hidden", w(&h[k])), ("outputs", w(&out))],
            )
        });

        Ok(Forward {
            gates,
            heads,
            ctx: ctx.clone(),
            n,
            hidden,
            input,
            outputs,
            max_steps,
            inputs,
            out,
            h,
            c,
            gates_bg,
            heads_bg,
            dims_stride,
            cur: 0,
        })
    }

    pub fn agents(&self) -> usize {
        self.n
    }

    /// Forgets every agent's state (start of new episodes).
    pub fn reset(&mut self) {
        let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
        for b in [&self.h[0], &self.h[1], &self.c] {
            encoder.clear_buffer(b, 0, None);
        }
        self.ctx.queue.submit([encoder.finish()]);
    }

    /// `steps` steps in one submission; returns the outputs of every step.
    pub async fn run(&mut self, inputs: &[f32], steps: usize) -> Result<Vec<f32>, String> {
        self.encode_steps(inputs, steps, None);
        read::<f32>(&self.ctx, &self.out, steps * self.n * self.outputs).await
    }

    /// Like `run`, and also returns the hidden and cell state after every step (copied out of
    /// the state buffers between steps, so the kernels are exactly those of `run`).
    pub async fn run_traced(&mut self, inputs: &[f32], steps: usize) -> Result<Trace, String> {
        let floats = steps * self.n * self.hidden;
        use wgpu::BufferUsages as U;
        let trace_h = buffer(&self.ctx, "trace h", floats, U::COPY_DST | U::COPY_SRC);
        let trace_c = buffer(&self.ctx, "trace c", floats, U::COPY_DST | U::COPY_SRC);
        self.encode_steps(inputs, steps, Some((&trace_h, &trace_c)));
        Ok(Trace {
            outputs: read::<f32>(&self.ctx, &self.out, steps * self.n * self.outputs).await?,
            hidden: read::<f32>(&self.ctx, &trace_h, floats).await?,
            cell: read::<f32>(&self.ctx, &trace_c, floats).await?,
        })
    }

    fn encode_steps(&mut self, inputs: &[f32], steps: usize, trace: Option<(&wgpu::Buffer, &wgpu::Buffer)>) {
        assert!(steps >= 1 && steps <= self.max_steps, "steps must be in 1..={}", self.max_steps);
        assert_eq!(inputs.len(), steps * self.n * self.input, "inputs must be [steps][agents][input]");
        self.ctx.queue.write_buffer(&self.inputs, 0, bytemuck::cast_slice(inputs));
        let gates_groups = (self.hidden.div_ceil(16) as u32, self.n.div_ceil(16) as u32);
        let heads_groups = (self.n * self.outputs).div_ceil(64) as u32;
        let state_bytes = (self.n * self.hidden * 4) as u64;
        let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
        for step in 0..steps {
            let offset = [(step as u64 * self.dims_stride) as u32];
            {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(&self.gates.pipeline);
                pass.set_bind_group(0, &self.gates_bg[self.cur], &offset);
                pass.dispatch_workgroups(gates_groups.0, gates_groups.1, 1);
                pass.set_pipeline(&self.heads.pipeline);
                pass.set_bind_group(0, &self.heads_bg[1 - self.cur], &offset);
                pass.dispatch_workgroups(heads_groups, 1, 1);
            }
            self.cur = 1 - self.cur;
            if let Some((th, tc)) = trace {
                let at = step as u64 * state_bytes;
                encoder.copy_buffer_to_buffer(&self.h[self.cur], 0, th, at, state_bytes);
                encoder.copy_buffer_to_buffer(&self.c, 0, tc, at, state_bytes);
            }
        }
        self.ctx.queue.submit([encoder.finish()]);
    }
}
