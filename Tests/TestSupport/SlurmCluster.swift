import Foundation

/// The real single-node Slurm cluster (slurmctld, slurmd and munged on
/// 127.0.0.1, from Debian's slurm-wlm and munge) that `make test` starts with
/// scripts/test-with-slurm.sh around the test run and stops by PID after it;
/// the tests find it through REGIME_TEST_SLURM_CONF. Without it the Slurm
/// tests fail, saying so — they are never skipped.
public struct SlurmCluster: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public let configuration: String
    /// What a Slurm client (sbatch, squeue, and regime running them) needs.
    public var environment: [String: String] { ["SLURM_CONF": configuration] }

    /// The cluster of this test run.
    public static func current() throws -> SlurmCluster {
        guard let path = ProcessInfo.processInfo.environment["REGIME_TEST_SLURM_CONF"],
              FileManager.default.fileExists(atPath: path) else {
            throw Failure(description: "no test cluster: run the tests with make test (scripts/test-with-slurm.sh starts one)")
        }
        return SlurmCluster(configuration: path)
    }

    /// Runs a Slurm client command (squeue, scancel, sbatch) against the cluster.
    public func client(_ program: String, _ arguments: [String]) throws -> ProcessResult {
        try Subprocess.run("/usr/bin/" + program, arguments, environment: environment)
    }
}
