import Foundation
import LinearAlgebra

/// Before a run: when OpenBLAS fell back to its generic kernels on a CPU it does
/// not know, restart regime with the kernel set the CPU supports
/// (`BLASKernel.preferredCore`). OpenBLAS reads OPENBLAS_CORETYPE only when it
/// loads, so the choice takes a new process image: execv of this same binary
/// with the same arguments, before anything has been read or written. A value
/// the user set (even empty) is kept; a failed exec goes on with the fallback.
func adoptPreferredBLASKernels() {
    guard getenv("OPENBLAS_CORETYPE") == nil, let core = BLASKernel.preferredCore() else { return }
    let fallback = BLASKernel.current
    setenv("OPENBLAS_CORETYPE", core, 1)
    setenv(BLASKernel.replacedVariable, fallback, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    unsetenv("OPENBLAS_CORETYPE")
    unsetenv(BLASKernel.replacedVariable)
}
