import Foundation

/// The Python interpreter of the repository's virtualenv (`.venv`, made by
/// `make deps` with h5py, NumPy, SciPy, scikit-learn, pandas and xarray), and the
/// interop scripts in Tests/interop that compute independent answers.
///
/// A missing interpreter is a test failure, not a skip: the interop tests are
/// part of what `make test` proves.
public enum Python {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// The interpreter: $REGIME_PYTHON, or .venv/bin/python under the package root.
    public static var interpreter: String {
        ProcessInfo.processInfo.environment["REGIME_PYTHON"] ?? Paths.repository(".venv/bin/python").path
    }

    /// Runs Tests/interop/<script> with `arguments`; returns its stdout, or throws
    /// with its stderr when it fails.
    public static func run(_ script: String, _ arguments: [String] = [], unsetting: [String] = []) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            throw Failure(description: "no Python at \(interpreter): run `make deps` to create the test virtualenv")
        }
        let path = Paths.repository("Tests/interop/\(script)").path
        let result = try Subprocess.run(interpreter, [path] + arguments, unsetting: unsetting)
        guard result.status == 0 else {
            throw Failure(description: "\(script) exited with \(result.status):\n\(result.stderr)")
        }
        return result.stdout
    }

    /// Runs a script and decodes the JSON object it prints.
    public static func json(_ script: String, _ arguments: [String] = []) throws -> [String: Any] {
        let output = try run(script, arguments)
        guard let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
            throw Failure(description: "\(script) printed no JSON object: \(output.prefix(500))")
        }
        return object
    }
}

extension Python {
    /// Floats a script printed as repr strings (exact, unlike JSON number
    /// parsing), or plain JSON numbers for integers.
    public static func doubles(_ value: Any?) -> [Double]? {
        guard let list = value as? [Any] else { return nil }
        var result: [Double] = []
        result.reserveCapacity(list.count)
        for item in list {
            if let text = item as? String, let number = Double(text) {
                result.append(number)
            } else if let number = item as? NSNumber {
                result.append(number.doubleValue)
            } else {
                return nil
            }
        }
        return result
    }

    /// One float a script printed as a repr string.
    public static func double(_ value: Any?) -> Double? {
        if let text = value as? String { return Double(text) }
        return (value as? NSNumber)?.doubleValue
    }
}
