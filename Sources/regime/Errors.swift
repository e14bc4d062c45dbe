import ArgumentParser
import Data
import Foundation
import HDF5
import LinearAlgebra

/// Exit codes, as the README documents them.
enum Exit {
    static let inputError: Int32 = 2
}

/// Runs `body`, turning the errors regime knows into one line on stderr and an
/// exit code: invalid input data → 2. Anything else propagates to
/// ArgumentParser.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as DataError {
        printError(error.description)
        throw ExitCode(Exit.inputError)
    } catch let error as HDF5Error {
        printError(error.description)
        throw ExitCode(1)
    }
}

/// Writes `regime: error: <message>` to stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("regime: error: \(message)\n".utf8))
}
