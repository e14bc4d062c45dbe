// GLPK, the GNU Linear Programming Kit (Debian's libglpk-dev, which ships no
// pkg-config file; its header and library are on the default paths). Nothing
// outside Sources/Learning/References imports this module.
#ifndef REGIME_CGLPK_SHIM_H
#define REGIME_CGLPK_SHIM_H

#include <glpk.h>

#endif
