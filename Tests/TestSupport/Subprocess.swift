import Foundation

/// The outcome of a finished child process.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs child processes for end-to-end and interop tests.
public enum Subprocess {
    /// The two OpenBLAS kernel sets regime's guarantees must hold on: the one
    /// these machines' environment forces (Haswell), and the one a user's
    /// machine gets with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset.
    public static let kernelSets: [(name: String, environment: [String: String], unsetting: [String])] = [
        ("Haswell", ["OPENBLAS_CORETYPE": "Haswell"], []),
        ("the CPU's own", [:], ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]),
    ]

    /// Runs `executable` with `arguments` to completion and collects its output.
    public static func run(_ executable: String, _ arguments: [String], currentDirectory: String? = nil,
                           environment: [String: String]? = nil, unsetting: [String] = [],
                           input: String? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        if environment != nil || !unsetting.isEmpty {
            var merged = ProcessInfo.processInfo.environment.merging(environment ?? [:]) { $1 }
            for name in unsetting { merged[name] = nil }
            process.environment = merged
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        if let input {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            pipe.fileHandleForWriting.write(Data(input.utf8))
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        // Read both pipes concurrently so neither fills up and blocks the child.
        nonisolated(unsafe) var stderrData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            stderrData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus,
                             stdout: String(decoding: stdoutData, as: UTF8.self),
                             stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// Runs the built `regime` with `arguments`.
    public static func regime(_ arguments: [String], currentDirectory: String? = nil,
                              environment: [String: String]? = nil, unsetting: [String] = []) throws -> ProcessResult {
        try run(Paths.regimeBinary.path, arguments, currentDirectory: currentDirectory, environment: environment,
                unsetting: unsetting)
    }
}
