use super::kernel::{Bound, Kernel};
use super::readback::read;
use super::shader::{self, buffer, Dims, FORWARD_DIMS, LSTM_MATH};
use super::Context;
use crate::data::{adam_corrections, Batch, Gradients, ADAM_BETAS_EPS};
use crate::net::NetShape;
use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

const FORWARD_WGSL: &str = include_str!("../../../shaders/bptt_forward.wgsl");
const HEADS_WGSL: &str = include_str!("../../../shaders/bptt_heads.wgsl");
const BACKWARD_WGSL: &str = include_str!("../../../shaders/bptt_backward.wgsl");
const GRADS_WGSL: &str = include_str!("../../../shaders/bptt_grads.wgsl");
const ADAM_WGSL: &str = include_str!("../../../shaders/adam.wgsl");

/// Mirrors `GradDims` in shaders/bptt_grads.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct GradDims {
    rows: u32,
    j_count: u32,
    c_count: u32,
    left_stride: u32,
    left_offset: u32,
    right_stride: u32,
    right_shift: u32,
    out_offset: u32,
    bias_offset: u32,
    has_bias: u32,
    _pad: [u32; 2],
}

/// Mirrors `AdamDims` in shaders/adam.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct AdamDims {
    n: u32,
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    c1: f32,
    c2: f32,
    _pad: u32,
}

/// ONE trained by backpropagation through time on the GPU: batches of `sequences` x `steps`
/// go up once, then forward (keeping gates and states), heads and losses, the backward pass,
/// the weight gradients and Adam all run in one submission of eight dispatches, whatever the
/// number of steps; only the two loss sums come back per step. The same arithmetic as
/// `cpu::bptt` and `evolve::Adam`.
pub struct Bptt {
    ctx: Context,
    shape: NetShape,
    sequences: usize,
    steps: usize,
    forward: Kernel,
    heads: Kernel,
    backward: Kernel,
    grads: Kernel,
    adam: Kernel,
    params: wgpu::Buffer,
    inputs: wgpu::Buffer,
    actions: wgpu::Buffer,
    targets: wgpu::Buffer,
    weights: wgpu::Buffer,
    losses: wgpu::Buffer,
    dh_rec: wgpu::Buffer,
    dc_carry: wgpu::Buffer,
    grad: wgpu::Buffer,
    rates: wgpu::Buffer,
    moments: [wgpu::Buffer; 2],
    adam_dims: wgpu::Buffer,
    forward_bg: wgpu::BindGroup,
    heads_bg: wgpu::BindGroup,
    backward_bg: wgpu::BindGroup,
    /// One per gradient block: Wx and b, Wh, Wa and ba, Wp and bp.
    grads_bg: [wgpu::BindGroup; 4],
    adam_bg: wgpu::BindGroup,
    grad_dims_stride: u64,
    /// Adam steps taken since the optimizer was reset.
    adam_steps: i32,
}

impl Bptt {
    /// Allocates everything for batches of exactly `sequences` x `steps` (shorter trials are
    /// padded with zero weights). Refuses sizes this adapter cannot hold, naming the buffer.
    pub fn new(ctx: &Context, shape: NetShape, sequences: usize, steps: usize) -> Result<Bptt, String> {
        shape.validate()?;
        if sequences == 0 || steps == 0 {
            return Err("a BPTT batch needs at least one sequence of one step".into());
        }
        if shape.outputs() > 16 {
            return Err(format!("the BPTT heads kernel takes at most 16 outputs, ONE has {}", shape.outputs()));
        }
        let (h, i, o, n) = (shape.hidden, shape.input(), shape.outputs(), shape.layout().total);
        let rows = sequences * steps;
        let limits = ctx.device.limits();
        let cap = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
        for (name, floats) in [("inputs", rows * i), ("gates", rows * 4 * h), ("gate gradients", rows * 4 * h)] {
            let bytes = floats as u64 * 4;
            if bytes > cap {
                return Err(format!(
                    "the BPTT {name} buffer for {sequences} sequences x {steps} steps needs {} MiB, over this adapter's limit of {} MiB",
                    bytes >> 20,
                    cap >> 20
                ));
            }
        }
        if rows.div_ceil(64) > 65_535 || sequences > 65_535 {
            return Err(format!("{sequences} sequences x {steps} steps exceed the BPTT kernels' dispatch limits"));
        }
        let dev = &ctx.device;
        use wgpu::BufferUsages as U;
        // One block: the forward and backward kernels walk the steps themselves.
        let (dims, _) = shader::dims_blocks(ctx, shape, sequences, 1, steps);
        let l = shape.layout();
        let block =
            |j_count: usize, c_count: usize, left: (usize, usize), right: (usize, usize), out, bias: Option<usize>| {
                GradDims {
                    rows: rows as u32,
                    j_count: j_count as u32,
                    c_count: c_count as u32,
                    left_stride: left.0 as u32,
                    left_offset: left.1 as u32,
                    right_stride: right.0 as u32,
                    right_shift: right.1 as u32,
                    out_offset: out as u32,
                    bias_offset: bias.unwrap_or(0) as u32,
                    has_bias: bias.is_some() as u32,
                    _pad: [0; 2],
                }
            };
        let (a, p) = (shape.actions(), shape.pred());
        let blocks = [
            block(4 * h, i, (4 * h, 0), (i, 0), l.wx.start, Some(l.b.start)),
            block(4 * h, h, (4 * h, 0), (h, sequences), l.wh.start, None),
            block(a, h, (o, 0), (h, 0), l.wa.start, Some(l.ba.start)),
            block(p, h, (o, a), (h, 0), l.wp.start, Some(l.bp.start)),
        ];
        let grad_dims_stride = (std::mem::size_of::<GradDims>() as u64)
            .next_multiple_of(limits.min_uniform_buffer_offset_alignment as u64);
        let mut bytes = vec![0u8; grad_dims_stride as usize * blocks.len()];
        for (k, b) in blocks.iter().enumerate() {
            let at = k * grad_dims_stride as usize;
            bytes[at..at + std::mem::size_of::<GradDims>()].copy_from_slice(bytemuck::bytes_of(b));
        }
        let grad_dims = dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("bptt grad dims"),
            contents: &bytes,
            usage: U::UNIFORM,
        });
        let adam_dims = buffer(ctx, "adam dims", 8, U::UNIFORM | U::COPY_DST);

        let rw = U::STORAGE | U::COPY_DST | U::COPY_SRC;
        let params = buffer(ctx, "bptt params", n, rw);
        let inputs = buffer(ctx, "bptt inputs", rows * i, rw);
        let actions = buffer(ctx, "bptt actions", rows, rw);
        let targets = buffer(ctx, "bptt targets", rows * p, rw);
        let weights = buffer(ctx, "bptt weights", rows * 2, rw);
        let gates = buffer(ctx, "bptt gates", rows * 4 * h, U::STORAGE);
        let cells = buffer(ctx, "bptt cells", rows * h, U::STORAGE);
        let hs = buffer(ctx, "bptt hidden", rows * h, U::STORAGE);
        let dy = buffer(ctx, "bptt output gradients", rows * o, U::STORAGE);
        let losses = buffer(ctx, "bptt losses", rows * 2, U::STORAGE | U::COPY_SRC);
        let dh_rec = buffer(ctx, "bptt dh", sequences * h, rw);
        let dc_carry = buffer(ctx, "bptt dc", sequences * h, rw);
        let dz = buffer(ctx, "bptt gate gradients", rows * 4 * h, U::STORAGE);
        let grad = buffer(ctx, "bptt gradient", n, rw);
        let rates = buffer(ctx, "bptt rates", n, rw);
        ctx.queue.write_buffer(&rates, 0, bytemuck::cast_slice(&vec![1.0f32; n]));
        let moments = [buffer(ctx, "adam m", n, rw), buffer(ctx, "adam v", n, rw)];

        // `dims` is bound at a dynamic offset (a storage block: see `shader::Dims`), and so is
        // `g`, the uniform block of the gradient kernel's four dispatches.
        let dims_block = || Bound::Block(&dims, std::mem::size_of::<Dims>());
        let grad_block = || Bound::Block(&grad_dims, std::mem::size_of::<GradDims>());
        let forward = Kernel::new(ctx, "bptt_forward", &[FORWARD_DIMS, LSTM_MATH, FORWARD_WGSL], &["dims"]);
        let heads = Kernel::new(ctx, "bptt_heads", &[FORWARD_DIMS, HEADS_WGSL], &["dims"]);
        let backward = Kernel::new(ctx, "bptt_backward", &[FORWARD_DIMS, LSTM_MATH, BACKWARD_WGSL], &["dims"]);
        let grads = Kernel::new(ctx, "bptt_grads", &[GRADS_WGSL], &["g"]);
        let adam = Kernel::new(ctx, "adam", &[ADAM_WGSL], &[]);
        let w = Bound::Whole;
        // The gradient blocks: Wx and b from the gate gradients and the inputs, Wh from the gate
        // gradients and the previous hidden states, Wa and ba, Wp and bp from the output
        // gradients and the hidden states.
        let grads_bg = [(&dz, &inputs), (&dz, &hs), (&dy, &hs), (&dy, &hs)].map(|(left, right)| {
            grads.bind(ctx, &[("g", grad_block()), ("left", w(left)), ("right", w(right)), ("grad", w(&grad))])
        });
        Ok(Bptt {
            forward_bg: forward.bind(
                ctx,
                &[
                    ("dims", dims_block()),
                    ("params", w(&params)),
                    ("inputs", w(&inputs)),
                    ("gates", w(&gates)),
                    ("cells", w(&cells)),
                    ("hs", w(&hs)),
                ],
            ),
            heads_bg: heads.bind(
                ctx,
                &[
                    ("dims", dims_block()),
                    ("params", w(&params)),
                    ("hs", w(&hs)),
                    ("actions", w(&actions)),
                    ("targets", w(&targets)),
                    ("weights", w(&weights)),
                    ("dy", w(&dy)),
                    ("losses", w(&losses)),
                ],
            ),
            backward_bg: backward.bind(
                ctx,
                &[
                    ("dims", dims_block()),
                    ("params", w(&params)),
                    ("gates", w(&gates)),
                    ("cells", w(&cells)),
                    ("dy", w(&dy)),
                    ("dh_rec", w(&dh_rec)),
                    ("dc_carry", w(&dc_carry)),
                    ("dz", w(&dz)),
                ],
            ),
            grads_bg,
            adam_bg: adam.bind(
                ctx,
                &[
                    ("a", w(&adam_dims)),
                    ("grad", w(&grad)),
                    ("rates", w(&rates)),
                    ("params", w(&params)),
                    ("m", w(&moments[0])),
                    ("v", w(&moments[1])),
                ],
            ),
            forward,
            heads,
            backward,
            grads,
            adam,
            ctx: ctx.clone(),
            shape,
            sequences,
            steps,
            params,
            inputs,
            actions,
            targets,
            weights,
            losses,
            dh_rec,
            dc_carry,
            grad,
            rates,
            moments,
            adam_dims,
            grad_dims_stride,
            adam_steps: 0,
        })
    }

    /// Replaces ONE's parameters on the GPU and forgets the optimizer's moments.
    pub fn set_params(&mut self, params: &[f32]) {
        assert_eq!(params.len(), self.shape.layout().total, "parameters of another shape");
        self.ctx.queue.write_buffer(&self.params, 0, bytemuck::cast_slice(params));
        let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
        for m in &self.moments {
            encoder.clear_buffer(m, 0, None);
        }
        self.ctx.queue.submit([encoder.finish()]);
        self.adam_steps = 0;
    }

    /// Adam's state: first and second moments, and the steps taken.
    pub async fn moments(&self) -> Result<(Vec<f32>, Vec<f32>, i32), String> {
        let n = self.shape.layout().total;
        let m = read::<f32>(&self.ctx, &self.moments[0], n).await?;
        let v = read::<f32>(&self.ctx, &self.moments[1], n).await?;
        Ok((m, v, self.adam_steps))
    }

    /// Puts Adam's state back (after `set_params`, which clears it), to go on where it was.
    pub fn set_moments(&mut self, m: &[f32], v: &[f32], steps: i32) {
        let n = self.shape.layout().total;
        assert!(m.len() == n && v.len() == n, "moments of another shape");
        self.ctx.queue.write_buffer(&self.moments[0], 0, bytemuck::cast_slice(m));
        self.ctx.queue.write_buffer(&self.moments[1], 0, bytemuck::cast_slice(v));
        self.adam_steps = steps;
    }

    /// The learning-rate multiplier of each parameter (1 everywhere until set).
    pub fn set_rates(&self, rates: &[f32]) {
        assert_eq!(rates.len(), self.shape.layout().total, "one rate per parameter");
        self.ctx.queue.write_buffer(&self.rates, 0, bytemuck::cast_slice(rates));
    }

    pub async fn params(&self) -> Result<Vec<f32>, String> {
        read::<f32>(&self.ctx, &self.params, self.shape.layout().total).await
    }

    fn upload(&self, batch: &Batch) -> Result<(), String> {
        let s = self.shape;
        batch.validate(s.input(), s.pred(), s.actions())?;
        if (batch.sequences, batch.steps) != (self.sequences, self.steps) {
            return Err(format!(
                "a batch of {} x {} steps given to BPTT buffers of {} x {}",
                batch.sequences, batch.steps, self.sequences, self.steps
            ));
        }
        let q = &self.ctx.queue;
        q.write_buffer(&self.inputs, 0, bytemuck::cast_slice(&batch.inputs));
        q.write_buffer(&self.actions, 0, bytemuck::cast_slice(&batch.actions));
        q.write_buffer(&self.targets, 0, bytemuck::cast_slice(&batch.targets));
        q.write_buffer(&self.weights, 0, bytemuck::cast_slice(&batch.weights));
        Ok(())
    }

    /// Forward, losses, backward and weight gradients, into `encoder`: seven dispatches
    /// whatever the number of steps (the forward and the backward pass each walk every step
    /// inside one dispatch, a workgroup per sequence), and Adam makes eight per update.
    fn encode_gradient(&self, encoder: &mut wgpu::CommandEncoder) {
        let (n, rows) = (self.sequences, self.sequences * self.steps);
        encoder.clear_buffer(&self.dh_rec, 0, None);
        encoder.clear_buffer(&self.dc_carry, 0, None);
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&self.forward.pipeline);
        pass.set_bind_group(0, &self.forward_bg, &[0]);
        pass.dispatch_workgroups(n as u32, 1, 1);
        pass.set_pipeline(&self.heads.pipeline);
        pass.set_bind_group(0, &self.heads_bg, &[0]);
        pass.dispatch_workgroups(rows.div_ceil(64) as u32, 1, 1);
        pass.set_pipeline(&self.backward.pipeline);
        pass.set_bind_group(0, &self.backward_bg, &[0]);
        pass.dispatch_workgroups(n as u32, 1, 1);
        pass.set_pipeline(&self.grads.pipeline);
        let s = self.shape;
        let h = s.hidden;
        let sizes = [(4 * h, s.input()), (4 * h, h), (s.actions(), h), (s.pred(), h)];
        for (k, (j_count, c_count)) in sizes.iter().enumerate() {
            pass.set_bind_group(0, &self.grads_bg[k], &[(k as u64 * self.grad_dims_stride) as u32]);
            pass.dispatch_workgroups((c_count + 1).div_ceil(16) as u32, j_count.div_ceil(16) as u32, 1);
        }
    }

    async fn loss_sums(&self) -> Result<(f32, f32), String> {
        let losses = read::<f32>(&self.ctx, &self.losses, self.sequences * self.steps * 2).await?;
        // Summed in f64 so that the reported loss does not depend on the batch's size.
        let (i, p) = losses.chunks(2).fold((0.0f64, 0.0f64), |(i, p), l| (i + l[0] as f64, p + l[1] as f64));
        Ok((i as f32, p as f32))
    }

    /// The loss and its gradient at the current parameters, read back (for checks against
    /// `cpu::bptt`).
    pub async fn gradient(&mut self, batch: &Batch) -> Result<Gradients<f32>, String> {
        self.upload(batch)?;
        let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
        self.encode_gradient(&mut encoder);
        self.ctx.queue.submit([encoder.finish()]);
        let grad = read::<f32>(&self.ctx, &self.grad, self.shape.layout().total).await?;
        let (imitation, prediction) = self.loss_sums().await?;
        Ok(Gradients { grad, imitation, prediction })
    }

    /// One training step on `batch`: gradient, then Adam with learning rate `lr` (times each
    /// parameter's rate). Returns the two loss sums before the step.
    pub async fn train_step(&mut self, batch: &Batch, lr: f32) -> Result<(f32, f32), String> {
        self.upload(batch)?;
        self.adam_steps += 1;
        let (b1, b2, eps) = ADAM_BETAS_EPS;
        let (c1, c2) = adam_corrections(self.adam_steps);
        let n = self.shape.layout().total;
        let dims = AdamDims { n: n as u32, lr, beta1: b1, beta2: b2, eps, c1, c2, _pad: 0 };
        self.ctx.queue.write_buffer(&self.adam_dims, 0, bytemuck::bytes_of(&dims));
        let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
        self.encode_gradient(&mut encoder);
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.adam.pipeline);
            pass.set_bind_group(0, &self.adam_bg, &[]);
            let groups = n.div_ceil(64);
            pass.dispatch_workgroups(groups.min(65_535) as u32, groups.div_ceil(65_535) as u32, 1);
        }
        self.ctx.queue.submit([encoder.finish()]);
        self.loss_sums().await
    }
}
