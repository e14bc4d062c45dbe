// liblbfgs (Naoaki Okazaki's L-BFGS and OWL-QN, the library CRFsuite uses), from Debian's liblbfgs-dev.
#include <lbfgs.h>
