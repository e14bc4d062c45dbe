import ArgumentParser
import Engine
import Foundation
import Pipeline

/// `regime slurm`: a pipeline's fit batches as a Slurm job array — task i runs
/// `regime run --shard i/N` on the shared cache — and a gathering job, queued
/// after the whole array succeeded, that runs the plain `regime run` writing
/// the outputs. `--resubmit` queues only the shards that are not done.
struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Submit a pipeline to Slurm: a job array of shards, then a gathering job that writes the outputs.",
        discussion: """
        The cache directory must be on a file system every node sees. Task i runs `regime run --shard i/N` \
        with --jobs = its CPUs (one BLAS thread each); the gathering job waits for the whole array \
        (--dependency=afterok) and writes the outputs. Options may also come from the pipeline's `slurm:` \
        block; the command line wins. The scripts, job ids and each task's start and exit are recorded in \
        the cache (slurm/); `regime status` reads them. Exit codes: 0 submitted (or printed); 1 sbatch is \
        missing or refused (nothing stays queued); 2 invalid pipeline.
        """)

    @OptionGroup var pipelineOptions: PipelineOptions

    @Option(help: "Array tasks (shards); default: the slurm block's, else 4.")
    var shards: Int?

    @Option(help: "sbatch --partition.")
    var partition: String?

    @Option(help: "sbatch --time per task (e.g. 2:00:00).")
    var time: String?

    @Option(name: .customLong("cpus-per-task"), help: "sbatch --cpus-per-task: a task's jobs (default 1).")
    var cpusPerTask: Int?

    @Option(help: "sbatch --mem (e.g. 8G).")
    var mem: String?

    @Option(help: "sbatch --account.")
    var account: String?

    @Option(name: .customLong("sbatch-arg"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("A further sbatch option (e.g. --qos=long); repeatable.", valueName: "arg"))
    var sbatchArgs: [String] = []

    @Option(help: "The cache directory, on a file system all nodes see (default: .regime beside the pipeline).")
    var cache: String?

    @Option(name: .customLong("hdf5-locking"), help: "HDF5 file locking for the jobs' runs: auto, on, off or best-effort (off or best-effort on NFS and some Lustre).")
    var locking: String = "auto"

    @Flag(name: .customLong("print"), help: "Print the two job scripts; submit nothing.")
    var printOnly = false

    @Flag(help: "Submit only the shards that are not done (none may be queued), and a new gathering job.")
    var resubmit = false

    func validate() throws {
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1") }
        if let cpusPerTask, cpusPerTask < 1 { throw ValidationError("--cpus-per-task must be at least 1") }
        if printOnly && resubmit { throw ValidationError("--print and --resubmit do not go together") }
        if !["auto", "on", "off", "best-effort"].contains(locking) { throw ValidationError("--hdf5-locking must be auto, on, off or best-effort") }
    }

    func run() throws {
        let plan = try pipelineOptions.plan()
        var cluster = try ClusterRun(plan: plan, cache: cache, pipelineOptions: pipelineOptions)
        if locking != "auto" { cluster.runArguments += ["--hdf5-locking", locking] }
        let block = plan.spec.slurm
        func text(_ key: String) -> String? { block?[key]?.string }
        var settings = ClusterRun.Settings(
            shards: shards ?? block?["shards"]?.integer ?? cluster.lastSubmission?.shards ?? 4,
            cpusPerTask: cpusPerTask ?? block?["cpus_per_task"]?.integer ?? 1)
        settings.sbatch = [("partition", partition ?? text("partition")), ("time", time ?? text("time")),
                           ("mem", mem ?? text("mem")), ("account", account ?? text("account"))]
            .compactMap { name, value in value.map { "--\(name)=\($0)" } }
        settings.sbatch += (block?["sbatch_args"]?.list ?? []).compactMap(\.string) + sbatchArgs

        if printOnly {
            let scripts = cluster.scripts(settings, tasks: Array(1...settings.shards))
            print(scripts.array, terminator: "")
            print(ClusterRun.gatherSeparator)
            print(scripts.gather, terminator: "")
            return
        }
        var tasks = Array(1...settings.shards)
        if !resubmit, let last = cluster.lastSubmission {
            // A second array over the same cache while the first still runs would compute every batch twice.
            let queued = [last.arrayJob, last.gatherJob ?? ""].filter { !$0.isEmpty && cluster.queueState(of: $0) != nil }
            if !queued.isEmpty {
                printError("slurm: submission \(last.number) (job\(queued.count == 1 ? "" : "s") \(queued.joined(separator: ", "))) is still queued for this pipeline and cache; "
                           + "watch it with regime status, or scancel it before submitting again")
                throw ExitCode(1)
            }
        }
        if resubmit {
            guard let last = cluster.lastSubmission else {
                printError("slurm: nothing was submitted for this pipeline (with this cache); run regime slurm without --resubmit")
                throw ExitCode(1)
            }
            if let shards, shards != last.shards {
                printError("slurm: the last submission has \(last.shards) shards, not \(shards): resubmit with --shards \(last.shards), or submit anew without --resubmit")
                throw ExitCode(1)
            }
            settings.shards = last.shards
            let states = try cluster.states()
            let queued = states.filter { $0.state == .running || $0.state == .pending }
            if !queued.isEmpty {
                printError("slurm: shard\(queued.count == 1 ? "" : "s") \(queued.map { String($0.progress.index) }.joined(separator: ", ")) "
                           + "\(queued.count == 1 ? "is" : "are") still queued or running (array job \(last.arrayJob)); wait for them, or scancel them first")
                throw ExitCode(1)
            }
            tasks = states.filter { $0.state != .done }.map(\.progress.index)
            // The last gathering job can no longer run (its array did not all succeed): take it off the queue.
            if let gather = last.gatherJob { cluster.cancelIfQueued(gather) }
        }
        let submission = try cluster.submit(settings, tasks: tasks)
        if tasks.isEmpty {
            print("regime: \(plan.spec.name): every shard is done; gathering job \(submission.gatherJob ?? "?") writes the outputs")
        } else {
            print("regime: \(plan.spec.name): submitted array job \(submission.arrayJob) (shard\(tasks.count == 1 ? "" : "s") "
                  + "\(ClusterRun.ranges(tasks)) of \(settings.shards)) and gathering job \(submission.gatherJob ?? "?") after it; "
                  + "watch with: regime status \(pipelineOptions.pipeline)")
        }
    }
}

/// `regime status`: how far each shard of the last `regime slurm` submission
/// is, and each point, from the cache and the queue (never from sacct).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each shard and point of a pipeline submitted with regime slurm: done, running, pending, missing or failed.",
        discussion: """
        done: every batch of the shard is in the cache. running, pending: its array task is in the queue \
        (squeue). failed: its task ended with regime's exit code 1 or 2 (see its log). missing: none of \
        these — never run, cancelled, killed by its time limit or a node failure; regime slurm --resubmit \
        queues it again. Exit codes: 0 every shard is done; 1 otherwise.
        """)

    @OptionGroup var pipelineOptions: PipelineOptions

    @Option(help: "The cache directory (default: .regime beside the pipeline).")
    var cache: String?

    @Flag(help: "List every point with its state.")
    var points = false

    func run() throws {
        let plan = try pipelineOptions.plan()
        let cluster = try ClusterRun(plan: plan, cache: cache, pipelineOptions: pipelineOptions)
        guard let last = cluster.lastSubmission else {
            printError("status: nothing was submitted with regime slurm for this pipeline (cache \(cluster.runner.cacheRoot))")
            throw ExitCode(1)
        }
        let states = try cluster.states()
        let total = states.reduce(0) { $0 + $1.progress.points.count }
        let done = states.reduce(0) { $0 + $1.progress.pointsDone }
        var counts: [String: Int] = [:]
        for shard in states { counts[shard.state.rawValue, default: 0] += 1 }
        let summary = ClusterRun.TaskState.allCases.compactMap { state in counts[state.rawValue].map { "\($0) \(state.rawValue)" } }
        print("\(plan.spec.name): \(last.shards) shard\(last.shards == 1 ? "" : "s") (\(summary.joined(separator: ", "))), "
              + "\(done) of \(total) points done; submission \(last.number): array job \(last.arrayJob)"
              + (last.gatherJob.map { ", gathering job \($0) (\(cluster.queueState(of: $0) ?? "not queued"))" } ?? ""))
        print("shard  state    job            points  done  note")
        for shard in states {
            let job = shard.job ?? "—"
            print(String(format: "%5d", shard.progress.index) + "  " + shard.state.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                  + "  " + job.padding(toLength: max(13, job.count), withPad: " ", startingAt: 0)
                  + String(format: "  %6d  %4d", shard.progress.points.count, shard.progress.pointsDone) + "  " + shard.note)
        }
        if points {
            for shard in states {
                for point in shard.progress.points {
                    print("\(point.identity)  \(point.done ? "done" : shard.state.rawValue)  shard \(shard.progress.index)")
                }
            }
        }
        if states.contains(where: { $0.state != .done }) { throw ExitCode(1) }
    }
}

/// A pipeline's submissions to Slurm: the job scripts, sbatch and squeue, and
/// the records in the cache (slurm/<plan key>/): submission-<k>/ with both
/// scripts and the job ids, tasks/<i>.start and tasks/<i>.exit written by each
/// array task, logs/ with every job's output.
struct ClusterRun {
    struct Settings {
        var shards: Int
        var cpusPerTask: Int
        var sbatch: [String] = []
    }

    struct Submission {
        var number: Int
        var shards: Int
        var tasks: [Int]
        var arrayJob: String
        var gatherJob: String?
    }

    enum TaskState: String, CaseIterable {
        case done, running, pending, failed, missing
    }

    struct ShardState {
        var progress: ShardProgress
        var state: TaskState
        var job: String?
        var note: String
    }

    static let gatherSeparator = "# ---- the gathering job (submitted with --dependency=afterok:<array job id> --kill-on-invalid-dep=yes) ----"

    let plan: Plan
    let runner: Runner
    let directory: String
    let pipeline: String
    let cacheRoot: String
    let overrides: [String]
    let memory: String?
    /// Further `regime run` options every job passes.
    var runArguments: [String] = []

    init(plan: Plan, cache: String?, pipelineOptions: PipelineOptions) throws {
        self.plan = plan
        var options = RunOptions(jobs: 1)
        options.cacheDirectory = cache
        do {
            runner = try Runner(plan: plan, options: options)
        } catch {
            printError(String(describing: error))
            throw ExitCode(Exit.inputError)
        }
        cacheRoot = ClusterRun.absolute(runner.cacheRoot)
        directory = ClusterRun.absolute(runner.clusterDirectory)
        pipeline = ClusterRun.absolute(pipelineOptions.pipeline)
        overrides = pipelineOptions.overrides
        memory = pipelineOptions.memory
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
    }

    /// The running regime binary, which the jobs run.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? absolute(CommandLine.arguments[0])
    }

    // MARK: Scripts

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// `regime run` of the pipeline on the cache, with the run's --set and --memory.
    func runCommand(jobs: Int) -> String {
        var parts = [ClusterRun.quoted(ClusterRun.executable), "run", ClusterRun.quoted(pipeline), "--cache", ClusterRun.quoted(cacheRoot),
                     "--jobs", String(jobs)]
        for override in overrides { parts += ["--set", ClusterRun.quoted(override)] }
        if let memory { parts += ["--memory", ClusterRun.quoted(memory)] }
        parts += runArguments.map(ClusterRun.quoted)
        return parts.joined(separator: " ")
    }

    func scripts(_ settings: Settings, tasks: [Int]) -> (array: String, gather: String) {
        let name = plan.spec.name.replacingOccurrences(of: " ", with: "_")
        let header = "# Written by regime slurm for \(plan.spec.name) (\(pipeline)); cache \(cacheRoot).\n"
        let options = settings.sbatch.map { "#SBATCH \($0)\n" }.joined()
        let records = ClusterRun.quoted(directory + "/tasks")
        let array = """
            #!/bin/bash
            \(header)#SBATCH --job-name=regime-\(name)
            #SBATCH --array=\(ClusterRun.ranges(tasks.map { $0 - 1 }))
            #SBATCH --cpus-per-task=\(settings.cpusPerTask)
            #SBATCH --output=\(directory)/logs/shard-%a-job-%A.out
            #SBATCH --requeue
            \(options)set -u
            # Task i (from 0) computes shard i + 1 of \(settings.shards) into the shared cache; a task stopped
            # at any moment (scancel, its time limit, preemption) loses at most its batches in flight.
            shard=$((SLURM_ARRAY_TASK_ID + 1))
            records=\(records)
            mkdir -p "$records"
            rm -f "$records/$shard.exit"
            echo "$SLURM_ARRAY_JOB_ID $SLURM_JOB_ID $(hostname) $(date +%s)" > "$records/$shard.start.$$" && mv -f "$records/$shard.start.$$" "$records/$shard.start"
            export OPENBLAS_NUM_THREADS=1
            \(runCommand(jobs: settings.cpusPerTask)) --shard "$shard/\(settings.shards)"
            code=$?
            echo "$code $SLURM_JOB_ID $(date +%s)" > "$records/$shard.exit.$$" && mv -f "$records/$shard.exit.$$" "$records/$shard.exit"
            exit $code

            """
        let gather = """
            #!/bin/bash
            \(header)#SBATCH --job-name=regime-\(name)-gather
            #SBATCH --cpus-per-task=\(settings.cpusPerTask)
            #SBATCH --output=\(directory)/logs/gather-job-%j.out
            \(options)# After every shard succeeded: gathers the cached batches and writes the outputs.
            export OPENBLAS_NUM_THREADS=1
            exec \(runCommand(jobs: settings.cpusPerTask))

            """
        return (array, gather)
    }

    /// 1,2,3,5 → "1-3,5".
    static func ranges(_ values: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        let sorted = values.sorted()
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count, sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end == index ? "\(sorted[index])" : "\(sorted[index])-\(sorted[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }

    // MARK: Submitting

    /// Queues the array (unless `tasks` is empty) and the gathering job after
    /// it, and records both; either both stay queued or neither does.
    func submit(_ settings: Settings, tasks: [Int]) throws -> Submission {
        let number = (lastSubmission?.number ?? 0) + 1
        let folder = directory + "/submission-\(number)"
        let scripts = scripts(settings, tasks: tasks)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: directory + "/tasks", withIntermediateDirectories: true)
            try scripts.array.write(toFile: folder + "/array.sh", atomically: true, encoding: .utf8)
            try scripts.gather.write(toFile: folder + "/gather.sh", atomically: true, encoding: .utf8)
        } catch {
            printError("slurm: cannot write the job scripts into \(folder): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        var submission = Submission(number: number, shards: settings.shards, tasks: tasks, arrayJob: "", gatherJob: nil)
        var dependency: [String] = []
        if !tasks.isEmpty {
            submission.arrayJob = try sbatch([folder + "/array.sh"])
            dependency = ["--dependency=afterok:\(submission.arrayJob)", "--kill-on-invalid-dep=yes"]
        }
        do {
            submission.gatherJob = try sbatch(dependency + [folder + "/gather.sh"])
        } catch {
            if !tasks.isEmpty { cancel(submission.arrayJob) }
            printError("slurm: the array job \(submission.arrayJob) was cancelled again: nothing stays queued")
            throw error
        }
        let record = "shards \(settings.shards)\ntasks \(tasks.map(String.init).joined(separator: ","))\n"
            + "array \(submission.arrayJob)\ngather \(submission.gatherJob ?? "")\n"
        do {
            try record.write(toFile: folder + "/jobs", atomically: true, encoding: .utf8)
        } catch {
            if !tasks.isEmpty { cancel(submission.arrayJob) }
            if let gather = submission.gatherJob { cancel(gather) }
            printError("slurm: cannot record the job ids in \(folder)/jobs (\(error.localizedDescription)); both jobs were cancelled")
            throw ExitCode(1)
        }
        return submission
    }

    /// `sbatch --parsable ARGS` → the job id; a missing or failing sbatch is an
    /// error naming the command and its stderr.
    func sbatch(_ arguments: [String]) throws -> String {
        let command = ["sbatch", "--parsable"] + arguments
        let result: Subprocess.Result
        do {
            result = try Subprocess.run(command)
        } catch {
            printError("slurm: cannot run sbatch (\(error)): is Slurm installed here, and on the PATH?")
            throw ExitCode(1)
        }
        let id = result.stdout.split(whereSeparator: \.isNewline).last.map { String($0.split(separator: ";")[0]) } ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            printError("slurm: `\(command.joined(separator: " "))` exited with \(result.status): "
                       + result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
            throw ExitCode(1)
        }
        return id
    }

    func cancel(_ job: String) { _ = try? Subprocess.run(["scancel", job]) }

    func cancelIfQueued(_ job: String) {
        if queueState(of: job) != nil { cancel(job) }
    }

    // MARK: Reading back

    /// The last submission's record, if any.
    var lastSubmission: Submission? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let numbers = names.compactMap { $0.hasPrefix("submission-") ? Int($0.dropFirst("submission-".count)) : nil }
        return numbers.sorted(by: >).lazy.compactMap(submission).first
    }

    /// Submission `number`'s record (submission-<k>/jobs), if it is complete.
    func submission(_ number: Int) -> Submission? {
        guard let text = try? String(contentsOfFile: directory + "/submission-\(number)/jobs", encoding: .utf8) else { return nil }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        guard let shards = fields["shards"].flatMap({ Int($0) }) else { return nil }
        return Submission(number: number, shards: shards,
                          tasks: (fields["tasks"] ?? "").split(separator: ",").compactMap { Int($0) },
                          arrayJob: fields["array"] ?? "", gatherJob: fields["gather"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// squeue's state of a job (nil: not in the queue).
    func queueState(of job: String) -> String? {
        guard let result = try? Subprocess.run(["squeue", "-h", "-j", job, "-o", "%T"]), result.status == 0 else { return nil }
        return result.stdout.split(whereSeparator: \.isNewline).first.map(String.init)
    }

    /// Array task index (from 0) → (state, job id) of the array jobs in the queue.
    func queuedTasks(_ arrayJobs: [String]) -> [Int: (state: String, job: String)] {
        var found: [Int: (String, String)] = [:]
        for array in arrayJobs where !array.isEmpty {
            guard let result = try? Subprocess.run(["squeue", "-h", "-r", "-j", array, "-o", "%K %T %i"]), result.status == 0 else { continue }
            for line in result.stdout.split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: " ").map(String.init)
                if parts.count == 3, let task = Int(parts[0]) { found[task] = (parts[1], parts[2]) }
            }
        }
        return found
    }

    /// Every shard of the last submission: done from the cache; running or
    /// pending from the queue; failed from its task's exit record; else missing.
    func states() throws -> [ShardState] {
        guard let last = lastSubmission else { return [] }
        let progress = try runner.shards(count: last.shards)
        // The array job that last covered each shard.
        var arrays: [Int: String] = [:]
        for number in 1...last.number {
            guard let submission = submission(number), !submission.arrayJob.isEmpty else { continue }
            for task in submission.tasks { arrays[task] = submission.arrayJob }
        }
        let queued = queuedTasks(Array(Set(arrays.values)))
        return progress.map { shard in
            let index = shard.index
            let array = arrays[index]
            let start = (try? String(contentsOfFile: directory + "/tasks/\(index).start", encoding: .utf8))?
                .split(separator: " ").map(String.init)
            let exit = (try? String(contentsOfFile: directory + "/tasks/\(index).exit", encoding: .utf8))?
                .split(separator: " ").map(String.init)
            let job = start.flatMap { $0.count > 1 ? $0[1] : nil } ?? array.map { "\($0)_\(index - 1)" }
            if shard.done { return ShardState(progress: shard, state: .done, job: job, note: "") }
            if let (state, id) = queued[index - 1], array != nil {
                let running = ["RUNNING", "COMPLETING"].contains(state)
                return ShardState(progress: shard, state: running ? .running : .pending, job: id, note: state.lowercased())
            }
            if let exit, let code = Int(exit[0]), code != 0, code < 128 {
                let log = "\(directory)/logs/shard-\(index - 1)-job-\(array ?? "?").out"
                return ShardState(progress: shard, state: .failed, job: job, note: "regime exited with \(code); log: \(log)")
            }
            let note = exit.map { "its task ended with \($0[0])" } ?? (start != nil ? "started, then stopped without an exit record" : "never started")
            return ShardState(progress: shard, state: .missing, job: job, note: note + "; regime slurm --resubmit queues it again")
        }
    }
}
