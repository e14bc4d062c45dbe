/// One problem with a pipeline, rendered like a compiler diagnostic:
///
///     pipelines/kernel-rich.yaml:14:7: error: unknown key 'lamda' in stage 'fit'
///        14 |       lamda: 0.01
///           |       ^~~~~ did you mean 'l2'?
public struct Diagnostic: Sendable, Equatable {
    public var location: SourceLocation?
    public var message: String
    /// Text after the caret (a did-you-mean).
    public var hint: String?
    /// Lines after the source excerpt (`note: …`).
    public var notes: [String]

    public init(_ message: String, at location: SourceLocation?, hint: String? = nil, notes: [String] = []) {
        self.location = location
        self.message = message
        self.hint = hint
        self.notes = notes
    }

    /// The rendered text (no trailing newline).
    public var rendered: String {
        guard let location else {
            return (["error: \(message)"] + notes.map { "note: \($0)" }).joined(separator: "\n")
        }
        let number = String(location.line)
        let gutter = String(repeating: " ", count: max(number.count + 3, 5))
        let numbered = String(repeating: " ", count: gutter.count - number.count) + number
        var text = location.source.line(location.line)
        var column = location.column
        // A very long line is shown as a window around the caret.
        let window = 120
        if text.count > window {
            let start = max(0, min(column - 1 - window / 2, text.count - window))
            let shown = String(text.dropFirst(start).prefix(window))
            text = (start > 0 ? "…" : "") + shown + (start + window < text.count ? "…" : "")
            column = column - start + (start > 0 ? 1 : 0)
        }
        let padding = String(text.prefix(column - 1).map { $0 == "\t" ? "\t" : " " })
        let available = max(1, text.count - (column - 1))
        let underline = "^" + String(repeating: "~", count: min(location.length, available) - 1)
        var lines = [
            "\(location.source.name):\(location.line):\(location.column): error: \(message)",
            "\(numbered) | \(text)",
            "\(gutter) | \(padding)\(underline)" + (hint.map { " \($0)" } ?? ""),
        ]
        lines += notes.map { "note: \($0)" }
        return lines.joined(separator: "\n")
    }
}

/// Every problem found in one pass over a pipeline; nothing runs.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics.sorted { a, b in
            switch (a.location, b.location) {
            case let (x?, y?): return x < y
            case (nil, _?): return false
            case (_?, nil): return true
            case (nil, nil): return false
            }
        }
    }

    public var description: String {
        let body = diagnostics.map(\.rendered).joined(separator: "\n")
        let count = diagnostics.count
        return body + "\n\(count) error\(count == 1 ? "" : "s")"
    }
}
