//! The CPU path's hot loops (and the FFT's) compiled a second time for wider vector registers, chosen at run
//! time.
//!
//! The native build targets baseline x86-64 (four floats per SSE register, no integer vector
//! multiply), so that one binary runs on any x86-64 machine. Most machines have AVX2 or
//! AVX-512: a function defined with `wide_fn!` runs its body compiled for the widest the
//! processor has. Only the register width changes, never the operations: fused multiply-add
//! is not enabled and floats are never reassociated, so every result has the bits of the same
//! body compiled for the baseline (and of the same loop in wasm with simd128).

/// Defines a function whose body is compiled three times natively on x86-64: for AVX-512F, for
/// AVX2 and for the baseline, the first the processor allows being called. Elsewhere (wasm)
/// it is the plain function.
macro_rules! wide_fn {
    ($(#[$meta:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn avx512($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the processor has just been found to have AVX-512F.
                    return unsafe { avx512($($arg),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the processor has just been found to have AVX2.
                    return unsafe { avx2($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}

pub(crate) use wide_fn;
