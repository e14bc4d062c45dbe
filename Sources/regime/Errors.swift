import ArgumentParser
import Base
import Datasets
import Foundation
import HDF5
import LinearAlgebra
import Pipeline

/// Exit codes, as the README documents them.
enum Exit {
    static let inputError: Int32 = 2
}

/// Runs `body`, turning the errors regime knows into one line on stderr and an
/// exit code: invalid input data → 2; a file that cannot be written or read
/// (with the OS reason) → 1. Exit codes and ArgumentParser's own errors pass.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as DataError {
        printError(error.description)
        throw ExitCode(Exit.inputError)
    } catch let error as HDF5Error {
        printError(error.description)
        throw ExitCode(1)
    } catch let error as SystemError {
        printError(error.description)
        throw ExitCode(1)
    }
}

/// An output named on the command line must not be the file the command reads.
func refuseOverwriting(_ input: String, with output: String) throws {
    if FileIdentity(output) == FileIdentity(input) {
        printError("\(output) is the results file being read; choose another output name")
        throw ExitCode(64)
    }
}

/// Writes `regime: error: <message>` to stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("regime: error: \(message)\n".utf8))
}
