// The LSTM cell's arithmetic, shared by the kernels that step ONE (prepended at load).

fn sigmoid(x: f32) -> f32 {
    return 1.0 / (1.0 + exp(-x));
}

// tanh through a clamp: some drivers compute tanh as a ratio of exponentials that overflows to
// NaN for large |x|; beyond 15 the f32 result is +-1 anyway.
fn tanh_safe(x: f32) -> f32 {
    return tanh(clamp(x, -15.0, 15.0));
}

// Activated gates (i, f, g, o) from gate sums `z` (without bias) and biases `b`.
fn lstm_gate_values(z: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
    return vec4<f32>(sigmoid(z.x + b.x), sigmoid(z.y + b.y), tanh_safe(z.z + b.z), sigmoid(z.w + b.w));
}

// Gate sums `z` (i, f, g, o, without bias), biases `b`, previous cell `c`: returns (c_t, h_t).
fn lstm_cell(z: vec4<f32>, b: vec4<f32>, c: f32) -> vec2<f32> {
    let v = lstm_gate_values(z, b);
    let c_new = v.y * c + v.x * v.z;
    return vec2<f32>(c_new, v.w * tanh_safe(c_new));
}
