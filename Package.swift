// swift-tools-version:6.0
// regime: a batch processor for regularization and generalization studies.
// System libraries come from Debian through pkg-config (see the Makefile's `deps`).
import PackageDescription

let package = Package(
    name: "regime",
    products: [
        .executable(name: "regime", targets: ["regime"]),
        .executable(name: "regime-bench", targets: ["regime-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // 5.0.1, not 6: Yams 6 rejects duplicate keys itself, stopping at the first
        // and pointing at the original; regime reports each duplicate where it is.
        .package(url: "https://github.com/jpsim/Yams", exact: "5.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C shims: system libraries, no public Swift API of their own.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(name: "CGLPK", providers: [.apt(["libglpk-dev"])]),
        .systemLibrary(name: "CSUNDIALS", providers: [.apt(["libsundials-dev"])]),
        .systemLibrary(name: "CLBFGS", providers: [.apt(["liblbfgs-dev"])]),

        // Layers, each importing only what is below it (docs/architecture.md).
        // Base: what every layer shares and that needs no C library — durable
        // file writes, SHA-256 digests, system errors, suggestions, the version.
        .target(name: "Base", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "HDF5", dependencies: ["CHDF5", "Base"]),
        // Optimized even in debug builds, like Learning: the BLAS check's long-double
        // reference loops run in every test run.
        .target(name: "LinearAlgebra", dependencies: ["CBLAS"], swiftSettings: [.unsafeFlags(["-O"])]),
        .target(name: "Datasets", dependencies: ["Base", "HDF5", "LinearAlgebra"]),
        // The trainer's step loop is optimized even in debug builds: unoptimized
        // Swift loops run it tens of times slower, and the tests train for real.
        // The trainer's elementwise kernels in C, compiled for AVX-512, AVX2 and the
        // baseline and chosen at load time (target_clones); optimized in debug builds too.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]),
        .target(name: "Learning", dependencies: ["Base", "LinearAlgebra", "Datasets", "CGLPK", "CSUNDIALS", "CLBFGS", "CKernels"],
                swiftSettings: [.unsafeFlags(["-O"])]),
        .target(name: "Pipeline", dependencies: ["Base", "Yams"]),
        // The results file contract: layout, roles, the writer's and every reader's view.
        .target(name: "ResultsFormat", dependencies: ["Base", "HDF5"]),
        .target(name: "Report", dependencies: ["Base", "ResultsFormat"]),
        // The ops: each one's typed parameters, schema, checks and execution.
        .target(name: "Operations", dependencies: [
            "Base", "Pipeline", "Learning", "Datasets", "HDF5", "LinearAlgebra", "ResultsFormat", "Report",
        ]),
        .target(name: "Engine", dependencies: [
            "Base", "Operations", "Pipeline", "Learning", "Datasets", "HDF5", "LinearAlgebra", "ResultsFormat",
        ]),
        .executableTarget(name: "regime", dependencies: [
            "Base", "HDF5", "LinearAlgebra", "Datasets", "Learning", "Pipeline", "Operations", "Engine", "ResultsFormat", "Report",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmarks (make bench): regime next to raw dgemm and its peers.
        .executableTarget(name: "regime-bench", dependencies: ["Learning", "LinearAlgebra", "Datasets"],
                          path: "bench/regime-bench", swiftSettings: [.unsafeFlags(["-O"])]),

        // Tests.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "BaseTests", dependencies: ["Base", "TestSupport"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "HDF5", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "HDF5", "TestSupport"]),
        .testTarget(name: "LearningTests", dependencies: ["Base", "Learning", "Datasets", "LinearAlgebra", "HDF5", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Base", "Pipeline", "Operations", "TestSupport"]),
        .testTarget(name: "OperationsTests", dependencies: [
            "Operations", "Pipeline", "Learning", "Datasets", "ResultsFormat", "HDF5", "Base", "TestSupport",
        ]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Operations", "Pipeline", "Learning", "Datasets", "HDF5", "TestSupport"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "ResultsFormat", "HDF5", "TestSupport"]),
        .testTarget(name: "regimeTests", dependencies: ["TestSupport"]),
        .testTarget(name: "StudiesTests", dependencies: ["Report", "ResultsFormat", "HDF5", "TestSupport"]),
        // BEGIN fuzz targets
        // libFuzzer harnesses (scripts/fuzz.sh, make fuzz, make fuzz-short), declared only
        // when REGIME_FUZZ is set, as scripts/fuzz.sh does: they run libFuzzer's driver, so
        // without -sanitize=fuzzer they cannot link, and ordinary builds never see them.
    ] + (Context.environment["REGIME_FUZZ"] == nil ? [Target]() : [Target](arrayLiteral:
        .systemLibrary(name: "CFuzzer", path: "Fuzz/CFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["HDF5"], path: "Fuzz/FuzzSupport"),
        .executableTarget(name: "FuzzYAML", dependencies: ["CFuzzer", "Pipeline", "Operations", "Engine"], path: "Fuzz/FuzzYAML"),
        .executableTarget(name: "FuzzCSV", dependencies: ["CFuzzer", "Datasets"], path: "Fuzz/FuzzCSV"),
        .executableTarget(name: "FuzzHDF5", dependencies: ["CFuzzer", "FuzzSupport", "Datasets", "HDF5"], path: "Fuzz/FuzzHDF5"),
        .executableTarget(name: "FuzzResults", dependencies: ["CFuzzer", "FuzzSupport", "Report", "ResultsFormat", "HDF5"],
                          path: "Fuzz/FuzzResults")
    )) + [
        // END fuzz targets
    ],
    swiftLanguageModes: [.v6]
)
