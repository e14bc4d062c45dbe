// libFuzzer harness for the pipeline front end: YAML text → PipelineLoader.parse
// (YAML syntax, --set overrides, schema checks, the stage graph) → Plan, as
// `regime check` does (with its batch count and memory estimate). Any PipelineError is a fine answer; a trap, a stack
// overflow, a huge allocation or a hang is a finding.
//
// Input: the bytes up to the first NUL are the pipeline text (UTF-8, lossy);
// every further NUL-separated piece is one `--set` override. A pipeline with a
// NUL is invalid YAML anyway, so seeds without NUL are plain pipeline files.
//
// Inputs over 64 KiB are ignored, to keep each run quick; the reader's own
// limits (nesting depth, alias expansion, size) are what the fuzzer probes.
//
// Build and run with scripts/fuzz.sh yaml.

import Engine
import Operations
import Pipeline

private let maximumInput = 64 * 1024
private let loader = PipelineLoader(registry: regimeOperations)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size <= maximumInput else { return -1 }  // -1: keep out of the corpus
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
    let pieces = bytes.split(separator: 0, omittingEmptySubsequences: false)
    let text = String(decoding: pieces.first ?? [], as: UTF8.self)
    let overrides = pieces.dropFirst().map { String(decoding: $0, as: UTF8.self) }
    do {
        let spec = try loader.parse(text: text, path: "fuzz.yaml", directory: nil, overrides: overrides)
        let plan = try Plan(spec)
        _ = plan.instances.count
        // What check does next: batching and the memory estimate.
        _ = try planBatchCount(plan)
        _ = try MemoryEstimate.of(plan, jobs: 2).summary
    } catch {
        // What regime prints: every diagnostic rendered against its source line.
        _ = String(describing: error)
    }
    return 0
}
