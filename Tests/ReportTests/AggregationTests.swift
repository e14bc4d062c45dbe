import Report
import Testing
import TestSupport

@Suite("aggregation")
struct AggregationTests {
    @Test("the t quantile behind the 95% intervals: within 1e-4 of SciPy's for 1 to 200 degrees of freedom")
    func quantiles() throws {
        let reference = try #require(Python.doubles(try Python.json("t_quantiles.py")["quantiles"]))
        #expect(reference.count == 200)
        for (index, expected) in reference.enumerated() {
            let value = Aggregation.studentQuantile975(degrees: index + 1)
            #expect(abs(value - expected) < 1e-4, "ν = \(index + 1): \(value) vs \(expected)")
        }
    }
}
