/// The text diagnostics point into: a pipeline file, or one `--set` argument.
public struct SourceText: Sendable, Equatable {
    /// What the header names: the file path as the user gave it, or `<command line>`.
    public let name: String
    public let lines: [String]

    public init(name: String, text: String) {
        self.name = name
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
    }

    /// The text of a 1-based line ("" outside the text).
    public func line(_ number: Int) -> String {
        number >= 1 && number <= lines.count ? lines[number - 1] : ""
    }
}

/// A place in a source text: 1-based line and column (in characters), and how
/// many characters the caret underlines.
public struct SourceLocation: Sendable, Equatable, Comparable {
    public let source: SourceText
    public let line: Int
    public let column: Int
    public let length: Int

    public init(source: SourceText, line: Int, column: Int, length: Int = 1) {
        self.source = source
        self.line = line
        self.column = column
        self.length = max(1, length)
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        if a.source.name != b.source.name { return a.source.name < b.source.name }
        return (a.line, a.column) < (b.line, b.column)
    }

    public static func == (a: SourceLocation, b: SourceLocation) -> Bool {
        a.source.name == b.source.name && a.line == b.line && a.column == b.column && a.length == b.length
    }
}
