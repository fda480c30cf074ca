// Population rollout: P perturbed copies of ONE x E episodes x T steps in the maze, entirely on
// the GPU: forward pass, action choice and maze step (walls, moves, goal test, reward vector).
// Needs noise.wgsl and lstm_math.wgsl, prepended at load. The CPU twin is crate/src/cpu/rollout.rs.
//
// Member m's parameter k is `mean[k] + (sign * sigma[k]) * noise(stream, k)` (see
// crate/src/evolve/population.rs), regenerated here on every use, or read from `perturbed`
// when the host materialised them (perturb.wgsl).
//
// Bindings (group 0):
//   0 r          uniform   `Rollout` below
//   1 params     storage, read        [mean (n) | sigma (n)]
//   2 perturbed  storage, read        [member][n] when r.materialised == 1 (else unused)
//   3 world      storage, read        u32 words: [obs table: cell x obs (f32 bits) | walls per
//                                     cell (bits N1 E2 S4 W8; 16 goal cell, 32 exit cell; bits
//                                     8..31 its moves to the goal) | start cell per episode |
//                                     utterance heard per episode]
//   4 out        storage, read_write  [agent][4] results: fitness (f32 bits), reached, steps, the
//                                     fewest moves to the goal from any cell the episode stood on;
//                                     then [agent][step] actions taken (when scripted, read
//                                     first), 255 after the episode's end. agent = m * E + e
//   5 state      storage, read_write  [agent][3][hidden]: two hidden-state slots and the cell
//   6 utterances storage, read        [utterance][listen][goal] goal-input frames, uploaded once
//
// Work split: one workgroup of 16 x 16 invocations per (member, tile of 16 episodes); dispatch
// (P, ceil(E / 16), 1). The workgroup runs all T steps of its episodes. Per step: invocation
// (0, e) writes episode e's input; the gates are a tiled product over K = input + hidden (as in
// lstm_gates.wgsl), so each regenerated weight serves the 16 episodes; invocations 0..79 compute
// the 5 action logits of the 16 episodes; invocation (0, e) picks the action and steps the maze.

struct Rollout {
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

@group(0) @binding(0) var<uniform> r: Rollout;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> perturbed: array<f32>;
@group(0) @binding(3) var<storage, read> world: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<u32>;
@group(0) @binding(5) var<storage, read_write> state: array<f32>;
@group(0) @binding(6) var<storage, read> utterances: array<f32>;

const TILE: u32 = 16u;
const STAY: u32 = 4u;
const ACTIONS: u32 = 5u;
const NO_ACTION: u32 = 255u;
const GOAL_CELL: u32 = 16u;
const EXIT_CELL: u32 = 32u;
const MOVES_SHIFT: u32 = 8u;
const SCRIPTED: u32 = 2u;
const SAMPLED: u32 = 1u;

var<workgroup> xin: array<array<f32, 64>, 16>;  // [episode][input], input <= 64
var<workgroup> xs: array<array<f32, 17>, 16>;   // [episode][k] tile of [x_t, h_{t-1}]
var<workgroup> ws: array<array<f32, 17>, 64>;   // [gate * 16 + unit][k] tile of weights
var<workgroup> logits: array<array<f32, 5>, 16>;

var<private> stream: u32;
var<private> sign: f32;
var<private> member: u32;

fn weight(k: u32) -> f32 {
    if (r.materialised == 1u) {
        return perturbed[member * r.n_params + k];
    }
    return params[k] + (sign * params[r.n_params + k]) * noise(stream, k);
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    member = wg.x;
    let noise_of_member = member_noise(r.seed, member, r.antithetic);
    stream = noise_of_member.stream;
    sign = noise_of_member.sign;
    let e_local = lid.y;
    let episode = wg.y * TILE + e_local;
    let valid = episode < r.episodes;
    let agent = member * r.episodes + episode;
    let h = r.hidden;
    let base = agent * 3u * h;
    let k_total = r.input + h;

    if (valid) {
        for (var u = lid.x; u < h; u += TILE) {
            state[base + u] = 0.0;
            state[base + 2u * h + u] = 0.0;
        }
    }
    // The episode's own state lives in invocation (0, e).
    let stepper = valid && lid.x == 0u;
    var pos = 0u;
    var running = false;
    var fitness = 0.0;
    var reached = 0u;
    var steps_taken = 0u;
    var nearest = 0u;
    var prev_reward = vec3<f32>(0.0);
    var prev_action = NO_ACTION;
    if (stepper) {
        pos = world[r.off_starts + episode];
        nearest = world[r.off_walls + pos] >> MOVES_SHIFT;
        running = true;
    }
    var cur = 0u;
    storageBarrier();

    for (var t = 0u; t < r.steps; t++) {
        // Input: [observation, goal frame or silence, previous reward, previous action one-hot].
        if (stepper) {
            for (var j = 0u; j < r.obs; j++) {
                xin[e_local][j] = bitcast<f32>(world[pos * r.obs + j]);
            }
            for (var j = 0u; j < r.goal; j++) {
                var v = 0.0;
                if (t < r.listen) {
                    v = utterances[(world[r.off_heard + episode] * r.listen + t) * r.goal + j];
                }
                xin[e_local][r.obs + j] = v;
            }
            let at = r.obs + r.goal;
            xin[e_local][at] = prev_reward.x;
            xin[e_local][at + 1u] = prev_reward.y;
            xin[e_local][at + 2u] = prev_reward.z;
            for (var a = 0u; a < ACTIONS; a++) {
                xin[e_local][at + 3u + a] = select(0.0, 1.0, prev_action == a);
            }
        }
        workgroupBarrier();

        // Gates, 16 units at a time.
        let h_prev = base + cur * h;
        let h_next = base + (1u - cur) * h;
        for (var u0 = 0u; u0 < h; u0 += TILE) {
            var acc = vec4<f32>(0.0);
            for (var k0 = 0u; k0 < k_total; k0 += TILE) {
                let k = k0 + lid.x;
                var v = 0.0;
                if (valid && k < k_total) {
                    if (k < r.input) {
                        v = xin[e_local][k];
                    } else {
                        v = state[h_prev + (k - r.input)];
                    }
                }
                xs[e_local][lid.x] = v;
                let load_unit = u0 + lid.y;
                for (var g = 0u; g < 4u; g++) {
                    var w = 0.0;
                    if (load_unit < h && k < k_total) {
                        let row = g * h + load_unit;
                        if (k < r.input) {
                            w = weight(r.off_wx + row * r.input + k);
                        } else {
                            w = weight(r.off_wh + row * h + (k - r.input));
                        }
                    }
                    ws[g * TILE + lid.y][lid.x] = w;
                }
                workgroupBarrier();
                for (var kk = 0u; kk < TILE; kk++) {
                    let xv = xs[e_local][kk];
                    acc += xv * vec4<f32>(ws[lid.x][kk], ws[TILE + lid.x][kk], ws[2u * TILE + lid.x][kk], ws[3u * TILE + lid.x][kk]);
                }
                workgroupBarrier();
            }
            let unit = u0 + lid.x;
            if (valid && unit < h) {
                let ci = base + 2u * h + unit;
                let c = lstm_cell(acc, vec4<f32>(weight(r.off_b + unit), weight(r.off_b + h + unit), weight(r.off_b + 2u * h + unit), weight(r.off_b + 3u * h + unit)), state[ci]);
                state[ci] = c.x;
                state[h_next + unit] = c.y;
            }
        }
        storageBarrier();

        // Action logits: invocation f < 80 computes logit f % 5 of episode f / 5 of the tile.
        let f = lid.y * TILE + lid.x;
        if (f < TILE * ACTIONS) {
            let el = f / ACTIONS;
            let a = f % ACTIONS;
            let e = wg.y * TILE + el;
            if (e < r.episodes) {
                let hb = (member * r.episodes + e) * 3u * h + (1u - cur) * h;
                var acc = 0.0;
                for (var u = 0u; u < h; u++) {
                    acc += weight(r.off_wa + a * h + u) * state[hb + u];
                }
                logits[el][a] = acc + weight(r.off_ba + a);
            }
        }
        workgroupBarrier();

        // Action and maze step.
        let at = r.off_actions + agent * r.steps + t;
        if (stepper && running) {
            var a = 0u;
            if (r.action_mode == SCRIPTED) {
                a = out[at];
            } else if (r.action_mode == SAMPLED) {
                let u = unit_f32(hash2(hash2(r.action_seed, member), episode * r.steps + t));
                a = sample_action(u, e_local);
            } else {
                for (var b = 1u; b < ACTIONS; b++) {
                    if (logits[e_local][b] > logits[e_local][a]) {
                        a = b;
                    }
                }
            }
            // While the command is spoken the agent is held where it stands.
            if (t < r.listen) {
                a = STAY;
            }
            out[at] = a;
            var bump = 0.0;
            if (a < 4u) {
                if ((world[r.off_walls + pos] & (1u << a)) != 0u) {
                    bump = r.bump_reward;
                } else if (a == 0u) {
                    pos -= r.maze_w;
                } else if (a == 1u) {
                    pos += 1u;
                } else if (a == 2u) {
                    pos += r.maze_w;
                } else {
                    pos -= 1u;
                }
            }
            steps_taken = t + 1u;
            let cell = world[r.off_walls + pos];
            nearest = min(nearest, cell >> MOVES_SHIFT);
            var goal = 0.0;
            if ((cell & GOAL_CELL) != 0u) {
                goal = r.goal_reward;
                reached = 1u;
                running = false;
            } else if ((cell & EXIT_CELL) != 0u || steps_taken >= r.steps) {
                running = false;
            }
            fitness += (goal + bump) + r.step_reward;
            prev_reward = vec3<f32>(goal, bump, r.step_reward);
            prev_action = a;
        } else if (stepper) {
            out[at] = NO_ACTION;
        }
        cur = 1u - cur;
        workgroupBarrier();
    }

    if (stepper) {
        out[agent * 4u] = bitcast<u32>(fitness);
        out[agent * 4u + 1u] = reached;
        out[agent * 4u + 2u] = steps_taken;
        out[agent * 4u + 3u] = nearest;
    }
}

// Walks the cumulative softmax of episode `el`'s logits, as crate/src/net/action.rs does.
fn sample_action(u: f32, el: u32) -> u32 {
    var m = logits[el][0];
    for (var a = 1u; a < ACTIONS; a++) {
        m = max(m, logits[el][a]);
    }
    var p: array<f32, 5>;
    var sum = 0.0;
    for (var a = 0u; a < ACTIONS; a++) {
        p[a] = exp(logits[el][a] - m);
        sum += p[a];
    }
    var acc = 0.0;
    for (var a = 0u; a < ACTIONS; a++) {
        acc += p[a] / sum;
        if (u < acc) {
            return a;
        }
    }
    return ACTIONS - 1u;
}
