import ArgumentParser
import Base

@main
struct Regime: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regime",
        abstract: "A batch processor for regularization and generalization studies.",
        discussion: """
        Exit codes: 0 success; 1 a stage failed; 2 invalid pipeline or input data; \
        64 command-line usage; 128 + the signal when interrupted (130 for Ctrl-C, 143 for SIGTERM).
        """,
        version: regimeVersion,
        subcommands: [Run.self, Check.self, Dag.self, Show.self, Diff.self, Export.self, PlotCommand.self, ReportCommand.self,
                      Convert.self, ReferenceCommand.self, Doctor.self, SlurmCommand.self, StatusCommand.self])
}
