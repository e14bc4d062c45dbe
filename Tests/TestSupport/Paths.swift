import Foundation

/// Where things are, for tests: the package root, the built `regime`, and
/// per-test temporary directories inside the repository's build folder (no test
/// reads or writes outside the repository).
public enum Paths {
    /// The package root (the folder of Package.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A file or folder under the package root.
    public static func repository(_ relative: String) -> URL {
        packageRoot.appendingPathComponent(relative)
    }

    /// The `regime` executable of the build the tests run in (beside the test bundle).
    /// $REGIME_BINARY, when set, names it instead, with no fallback: scripts/sanitize.sh
    /// pins the instrumented binary of its scratch path, so that a sanitized test run
    /// never runs an uninstrumented `.build/debug/regime`.
    public static var regimeBinary: URL {
        if let pinned = ProcessInfo.processInfo.environment["REGIME_BINARY"], !pinned.isEmpty {
            return URL(fileURLWithPath: pinned)
        }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle.appendingPathComponent("regime"),
                          bundle.deletingLastPathComponent().appendingPathComponent("regime"),
                          repository(".build/debug/regime")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }
}

/// A fresh directory for one test under `.build/test-tmp/` (under $REGIME_TEST_TMP
/// when set: scripts/sanitize.sh keeps its runs inside their own scratch paths),
/// removed when the value is deinitialized (unless REGIME_KEEP_TEST_FILES is set).
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL

    public init(_ label: String = "test") throws {
        let root = ProcessInfo.processInfo.environment["REGIME_TEST_TMP"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? Paths.repository(".build/test-tmp")
        url = root.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }

    /// The path of a file inside the directory.
    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes text to a file inside the directory and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let path = file(name)
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    deinit {
        if ProcessInfo.processInfo.environment["REGIME_KEEP_TEST_FILES"] == nil {
            try? FileManager.default.removeItem(at: url)
        }
    }
}
