// Hands control to libFuzzer with this target's entry point (see Fuzz/CFuzzer).
import CFuzzer
import Foundation

var arguments = CommandLine.argc
var vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &vector) { data, size in fuzzHDF5(data, size) })
