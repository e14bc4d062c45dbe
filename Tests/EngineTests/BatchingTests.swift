@testable import Engine
import Operations
import Pipeline
import Testing

@Suite("how fit points are dealt into batches")
struct BatchingTests {
    @Test("near-equal pieces of at most batch_width, at least two from 16 points on, dealt round-robin in windows of 8")
    func pieces() {
        #expect(FitBatching.pieces(1, width: 32) == [1])
        #expect(FitBatching.pieces(15, width: 32) == [15])
        #expect(FitBatching.pieces(16, width: 32) == [8, 8])
        #expect(FitBatching.pieces(17, width: 32) == [9, 8])
        #expect(FitBatching.pieces(64, width: 32) == [32, 32])
        #expect(FitBatching.pieces(65, width: 32) == [22, 22, 21])
        #expect(FitBatching.pieces(20, width: 4) == [4, 4, 4, 4, 4])
        #expect(FitBatching.members(7, width: 3) == [[0, 3, 6], [1, 4], [2, 5]])
        #expect(FitBatching.members(16, width: 32) == [[0, 2, 4, 6, 8, 10, 12, 14], [1, 3, 5, 7, 9, 11, 13, 15]])
        // Beyond 8 batches, each window of 8 deals its own stretch of points.
        #expect(FitBatching.members(20, width: 2) == (0..<8).map { [$0, $0 + 8] } + [[16, 18], [17, 19]])
        for size in [1, 15, 16, 33, 100, 1000, 10_000] {
            let members = FitBatching.members(size, width: 32)
            #expect(members.map(\.count) == FitBatching.pieces(size, width: 32))
            #expect(members.flatMap { $0 }.sorted() == Array(0..<size), "every point once")
        }
    }

    @Test("a 16-point α sweep trains as two batches that each span the whole α range")
    func sweepBatches() throws {
        let text = """
            name: alpha
            stages:
              data: {op: synthesize, n: 20, d: 40}
              fit:
                op: fit
                input: data
                model: diagonal
                optimizer: {steps: 10}
                sweep:
                  init_scale: {logspace: [-3, 0.5, 16]}
            """
        let spec = try PipelineLoader(registry: regimeOperations).parse(text: text, path: "alpha.yaml", directory: nil, overrides: [])
        let plan = try Plan(spec)
        let batches = try FitBatching.batches(plan)
        let count = try planBatchCount(plan)
        #expect(batches.count == 2 && count == 2)
        let fits = plan.instances.indices.filter { plan.instances[$0].stage == "fit" }
        #expect(batches[0].points == stride(from: 0, to: 16, by: 2).map { fits[$0] })
        #expect(batches[1].points == stride(from: 1, to: 16, by: 2).map { fits[$0] })
    }
}
