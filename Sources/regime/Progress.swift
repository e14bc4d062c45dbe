import Base
import Engine
import Foundation

/// Shows a run's progress on stderr: on a terminal one live line (points done
/// of total, rate, ETA, failures), rewritten at most ten times a second; when
/// not on a terminal (Slurm logs, make output) a plain line every five seconds
/// (REGIME_PROGRESS_INTERVAL seconds, when set).
final class ProgressPrinter: ProgressObserver, Sendable {
    private let terminal = isatty(STDERR_FILENO) == 1
    private let start = Date()
    private let quiet: Bool
    private let interval: TimeInterval
    /// What the printer last showed, behind one lock (events come from any unit's thread).
    private let shown = Locked(Shown())

    private struct Shown {
        var lastDraw = Date.distantPast
        var liveLine = false
        var last: (done: Int, total: Int, units: Int, unitsTotal: Int, failures: Int) = (0, 0, 0, 0, 0)
    }

    init(quiet: Bool) {
        self.quiet = quiet
        interval = terminal ? 0.1
            : ProcessInfo.processInfo.environment["REGIME_PROGRESS_INTERVAL"].flatMap(Double.init) ?? 5
    }

    func handle(_ event: RunEvent) {
        shown.withLock { shown in
        switch event {
        case .log(let line):
            clearLiveLine(&shown)
            if !quiet { writeStderr(line + "\n") }
        case .progress(let done, let total, let units, let unitsTotal, let failures):
            shown.last = (done, total, units, unitsTotal, failures)
            guard !quiet, Date().timeIntervalSince(shown.lastDraw) >= interval || units == unitsTotal else { return }
            shown.lastDraw = Date()
            let line = render(shown)
            if terminal {
                writeStderr("\r\u{1B}[K" + line)
                shown.liveLine = true
            } else if units < unitsTotal, units > 0 || done > 0 {
                writeStderr("regime: " + line + "\n")
            }
        }
        }
    }

    /// Ends the live line (before the final report).
    func finish() {
        shown.withLock { clearLiveLine(&$0) }
    }

    private func clearLiveLine(_ shown: inout Shown) {
        if shown.liveLine {
            writeStderr("\r\u{1B}[K")
            shown.liveLine = false
        }
    }

    private func render(_ shown: Shown) -> String {
        let last = shown.last
        let elapsed = Date().timeIntervalSince(start)
        var line = "[\(last.done)/\(last.total) points, \(last.units)/\(last.unitsTotal) units]"
        if last.done > 0, elapsed > 0 {
            let rate = Double(last.done) / elapsed
            line += String(format: " %.1f points/s", rate)
            if last.done < last.total { line += ", ETA " + ProgressPrinter.duration(Double(last.total - last.done) / rate) }
        }
        line += ", " + ProgressPrinter.duration(elapsed) + " elapsed"
        if last.failures > 0 { line += ", \(last.failures) failed" }
        return line
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600 ? String(format: "%d:%02d:%02d", total / 3600, total % 3600 / 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}

func writeStderr(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
