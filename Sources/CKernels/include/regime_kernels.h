#ifndef REGIME_KERNELS_H
#define REGIME_KERNELS_H

/// The trainer's fused elementwise update for the built-in parameterizations,
/// compiled for AVX-512, AVX2 and the x86-64 baseline and chosen when the
/// library loads (the Swift trainer's own loops are compiled for the baseline
/// alone, two doubles at a time). Learning's Swift kernel is the definition:
/// these do the same operations in the same order, without contraction into
/// fused multiply-adds, so every width gives the same bits (KernelTests).
///
/// For each row j < d and column k < count (row-major, row stride count):
///   g' = g + l2[k]·w;  θ ← θ − rate[k]·(J_φ(θ)ᵀ g' + decay[k]·θ);  w = φ(θ)
/// with `step` 0 only w = φ(θ) is computed.

/// w = u^depth − v^depth (depth ≥ 2).
void regime_diagonal_update(long depth, int step, long d, long count, double *u, double *v, double *w,
                            const double *g, const double *rate, const double *l2, const double *decay);

/// w = u∘u.
void regime_squared_update(int step, long d, long count, double *u, double *w, const double *g,
                           const double *rate, const double *l2, const double *decay);

#endif
