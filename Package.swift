// swift-tools-version:6.0
// regime: a batch processor for regularization and generalization studies.
// System libraries come from Debian through pkg-config (see the Makefile's `deps`).
import PackageDescription

let package = Package(
    name: "regime",
    products: [
        .executable(name: "regime", targets: ["regime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C shims: system libraries, no public Swift API of their own.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),

        // Layers, each importing only what is below it (DESIGN §4).
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        .target(name: "LinearAlgebra", dependencies: ["CBLAS"]),
        .target(name: "Data", dependencies: ["HDF5", "LinearAlgebra"]),
        .executableTarget(name: "regime", dependencies: [
            "HDF5", "LinearAlgebra", "Data",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Tests.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "HDF5", "TestSupport"]),
        .testTarget(name: "DataTests", dependencies: ["Data", "HDF5", "TestSupport"]),
        .testTarget(name: "regimeTests", dependencies: ["TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
