// OpenBLAS's CBLAS (with its thread-count controls) and LAPACKE, as regime's
// LinearAlgebra module sees them. Nothing outside Sources/LinearAlgebra imports this.
#ifndef REGIME_CBLAS_SHIM_H
#define REGIME_CBLAS_SHIM_H

#include <cblas.h>
#include <lapacke.h>

#endif
