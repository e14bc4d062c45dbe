// SUNDIALS CVODE, the stiff ODE integrator (BDF with a dense Jacobian) that
// `optimizer: {method: flow}` integrates gradient flow with (Debian's
// libsundials-dev, which ships no pkg-config file; its headers and libraries
// are on the default paths). Nothing outside Sources/Learning/Flow imports this.
#ifndef REGIME_CSUNDIALS_SHIM_H
#define REGIME_CSUNDIALS_SHIM_H

#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunlinsol/sunlinsol_dense.h>

#endif
