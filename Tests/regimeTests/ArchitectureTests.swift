import Foundation
import Testing
import TestSupport

/// The module table of docs/architecture.md is the rule: every `import` in a
/// module's sources names a module the table allows it (or the system's own).
@Suite("architecture")
struct ArchitectureTests {
    static let system: Set<String> = ["Foundation", "Glibc", "Darwin", "Musl", "Dispatch", "Synchronization", "_StringProcessing"]

    /// Module → the modules it may import, from the table.
    static func allowed() throws -> [String: Set<String>] {
        let text = try String(contentsOfFile: Paths.repository("docs/architecture.md").path, encoding: .utf8)
        var table: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            let modules = cells[1].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }
            let imports = cells[3] == "—" ? [] : cells[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for module in modules { table[module] = Set(imports) }
        }
        return table
    }

    @Test("every module imports only what docs/architecture.md allows it")
    func imports() throws {
        let table = try Self.allowed()
        #expect(table.count >= 12, "the table names the modules")
        let sources = Paths.repository("Sources")
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { !$0.hasPrefix(".") }
        var checked = 0
        for module in modules {
            guard let allowed = table[module] else {
                Issue.record("\(module) is missing from docs/architecture.md")
                continue
            }
            if allowed.contains("everything") { continue }
            let files = (FileManager.default.enumerator(atPath: sources.appendingPathComponent(module).path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".swift") }
            for file in files {
                let text = try String(contentsOfFile: sources.appendingPathComponent(module).appendingPathComponent(file).path, encoding: .utf8)
                for line in text.split(separator: "\n") where line.hasPrefix("import ") || line.hasPrefix("@testable import ") {
                    let words = line.split(separator: " ").map(String.init)
                    var imported = words.last ?? ""
                    if let dot = imported.firstIndex(of: ".") { imported = String(imported[..<dot]) }
                    #expect(Self.system.contains(imported) || allowed.contains(imported), "\(module)/\(file) imports \(imported)")
                    checked += 1
                }
            }
        }
        #expect(checked > 150, "\(checked) imports checked")
    }
}
