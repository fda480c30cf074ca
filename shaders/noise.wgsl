// Counter-based random numbers, the WGSL twin of crate/src/rng.rs (bit for bit): the PCG hash,
// and the perturbation noise of evolution strategies. Prepended to the kernels that use it.

fn pcg_hash(x: u32) -> u32 {
    let state = x * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

fn hash2(seed: u32, counter: u32) -> u32 {
    return pcg_hash(pcg_hash(seed) ^ counter);
}

fn unit_f32(bits: u32) -> f32 {
    return f32(bits >> 8u) * (1.0 / 16777216.0);
}

// Irwin-Hall sum of three 21-bit uniforms, mean 0, variance 1; exact in f32 (see rng.rs).
fn noise(stream: u32, k: u32) -> f32 {
    let a = pcg_hash(pcg_hash(k) ^ stream);
    let b = pcg_hash(a ^ 0x9e3779b9u);
    let sum = (a >> 11u) + (b >> 11u) + ((a & 0x7ffu) | ((b & 0x3ffu) << 11u));
    return (f32(sum) - 3145728.0) * (1.0 / 1048576.0);
}

// Member m's noise stream and sign: with antithetic sampling members 2j and 2j+1 share pair j's
// stream with signs +1 and -1 (crate/src/evolve/population.rs).
struct MemberNoise {
    stream: u32,
    sign: f32,
}

fn member_noise(seed: u32, m: u32, antithetic: u32) -> MemberNoise {
    if (antithetic == 1u) {
        return MemberNoise(hash2(seed, m / 2u), select(-1.0, 1.0, m % 2u == 0u));
    }
    return MemberNoise(hash2(seed, m), 1.0);
}
