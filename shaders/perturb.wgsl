// Materialises a population's perturbed parameters: perturbed[m][k] =
// mean[k] + (sign * sigma[k]) * noise(stream(m), k), as crate/src/evolve/population.rs defines.
// Needs noise.wgsl, prepended at load. Used when reading stored weights beats regenerating them
// inside rollout.wgsl (measured by `onelab bench rollout`), and to check the noise bit for bit.
//
// Bindings (group 0):
//   0 p          uniform  `Perturb` below
//   1 params     storage, read        [mean (n) | sigma (n)]
//   2 perturbed  storage, read_write  [member][n]
//
// Work split: one invocation per (parameter, member): x over parameters in groups of 256,
// y over members. Dispatch (ceil(n / 256), members, 1).

struct Perturb {
    n_params: u32,
    members: u32,
    seed: u32,
    antithetic: u32,
}

@group(0) @binding(0) var<uniform> p: Perturb;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> perturbed: array<f32>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let k = gid.x;
    let m = gid.y;
    if (k >= p.n_params || m >= p.members) {
        return;
    }
    let member = member_noise(p.seed, m, p.antithetic);
    perturbed[m * p.n_params + k] = params[k] + (member.sign * params[p.n_params + k]) * noise(member.stream, k);
}
