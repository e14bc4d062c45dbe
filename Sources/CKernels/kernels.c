#include "regime_kernels.h"

// No contraction into fused multiply-adds: the AVX2 and AVX-512 versions must
// round exactly as the baseline (and the Swift definition) does.
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__clang__)
#define REGIME_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define REGIME_CLONES
#endif

// Diagonal's power: x^k as the Swift definition multiplies it.
static inline __attribute__((always_inline)) double power(double x, long k) {
    switch (k) {
    case 1: return x;
    case 2: return x * x;
    case 3: return x * x * x;
    case 4: { double s = x * x; return s * s; }
    default: {
        double result = x;
        for (long i = 1; i < k; i++) result *= x;
        return result;
    }
    }
}

static inline __attribute__((always_inline)) void diagonal_rows(long depth, int step, long d, long count, double *restrict u, double *restrict v,
                                 double *restrict w, const double *restrict g, const double *restrict rate,
                                 const double *restrict l2, const double *restrict decay) {
    const double D = (double)depth;
    for (long j = 0; j < d; j++) {
        double *restrict uj = u + j * count, *restrict vj = v + j * count, *restrict wj = w + j * count;
        const double *restrict gj = g + j * count;
        for (long k = 0; k < count; k++) {
            double a = uj[k], b = vj[k];
            if (step) {
                double gradient = gj[k] + l2[k] * wj[k];
                double scale = D * gradient;
                double pu = scale * power(a, depth - 1);
                double pv = -scale * power(b, depth - 1);
                a -= rate[k] * (pu + decay[k] * a);
                b -= rate[k] * (pv + decay[k] * b);
                uj[k] = a;
                vj[k] = b;
            }
            wj[k] = power(a, depth) - power(b, depth);
        }
    }
}

REGIME_CLONES
void regime_diagonal_update(long depth, int step, long d, long count, double *u, double *v, double *w,
                            const double *g, const double *rate, const double *l2, const double *decay) {
    // Depths and the step flag fixed per call, so each loop is specialized.
    if (step) {
        switch (depth) {
        case 2: diagonal_rows(2, 1, d, count, u, v, w, g, rate, l2, decay); return;
        case 3: diagonal_rows(3, 1, d, count, u, v, w, g, rate, l2, decay); return;
        default: diagonal_rows(depth, 1, d, count, u, v, w, g, rate, l2, decay); return;
        }
    }
    diagonal_rows(depth, 0, d, count, u, v, w, g, rate, l2, decay);
}

static inline __attribute__((always_inline)) void squared_rows(int step, long d, long count, double *restrict u, double *restrict w,
                                const double *restrict g, const double *restrict rate, const double *restrict l2,
                                const double *restrict decay) {
    for (long j = 0; j < d; j++) {
        double *restrict uj = u + j * count, *restrict wj = w + j * count;
        const double *restrict gj = g + j * count;
        for (long k = 0; k < count; k++) {
            double a = uj[k];
            if (step) {
                double gradient = gj[k] + l2[k] * wj[k];
                double pu = 2 * a * gradient;
                a -= rate[k] * (pu + decay[k] * a);
                uj[k] = a;
            }
            wj[k] = a * a;
        }
    }
}

REGIME_CLONES
void regime_squared_update(int step, long d, long count, double *u, double *w, const double *g,
                           const double *rate, const double *l2, const double *decay) {
    if (step) {
        squared_rows(1, d, count, u, w, g, rate, l2, decay);
    } else {
        squared_rows(0, d, count, u, w, g, rate, l2, decay);
    }
}
