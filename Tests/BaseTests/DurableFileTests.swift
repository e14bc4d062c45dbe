import Base
import Foundation
import Testing
import TestSupport

@Suite("durable, honest file writes")
struct DurableFileTests {
    func leftovers(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains(DurableFile.marker) }
    }

    @Test("a write replaces the target whole; a failing writer leaves the old file and no temporary")
    func replaceOrKeep() throws {
        let directory = try TemporaryDirectory("durable")
        let target = directory.file("out/table.csv")
        try DurableFile.write("a,b\n1,2\n", to: target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "a,b\n1,2\n")

        struct Broken: Error {}
        let error = #expect(throws: SystemError.self) {
            try DurableFile.replace(target, write: { temporary in
                try Data("half".utf8).write(to: URL(fileURLWithPath: temporary))
                throw Broken()
            })
        }
        #expect(error?.path == target)
        #expect(error?.description.contains(DurableFile.marker) == false)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "a,b\n1,2\n")
        #expect(leftovers(directory.file("out")).isEmpty)
    }

    @Test("a verifier that rejects the file keeps the target as it was")
    func verifyRejects() throws {
        let directory = try TemporaryDirectory("durable-verify")
        let target = directory.file("r.txt")
        try DurableFile.write("old\n", to: target)
        struct Unreadable: Error, CustomStringConvertible { var description: String { "no summary" } }
        let error = #expect(throws: SystemError.self) {
            try DurableFile.replace(target, write: { try Data("new".utf8).write(to: URL(fileURLWithPath: $0)) },
                                    verify: { _ in throw Unreadable() })
        }
        #expect(error?.description == "\(target): the written file does not read back: no summary")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "old\n")
        #expect(leftovers(directory.path).isEmpty)
    }

    @Test("a full disk: the error names the target and ENOSPC; the previous file and the free space survive")
    func diskFull() throws {
        try Tmpfs.with(kilobytes: 64) { mount in
            let target = mount + "/results.csv"
            try DurableFile.write("previous\n", to: target)
            let big = [UInt8](repeating: 0x41, count: 200_000)
            let error = try #require(#expect(throws: SystemError.self) { try DurableFile.write(big, to: target) })
            #expect(error.description == "\(target): cannot write: No space left on device")
            #expect(error.code == ENOSPC)
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "previous\n")
            #expect(leftovers(mount).isEmpty)
            // The failed temporary's space was given back: a small write works.
            try DurableFile.write("next\n", to: target)
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "next\n")
        }
    }

    @Test("a read-only file system: the error names the target and EROFS")
    func readOnly() throws {
        try Tmpfs.with(kilobytes: 64) { mount in
            try DurableFile.write("kept\n", to: mount + "/r.txt")
            try Tmpfs.setReadOnly(mount, true)
            defer { try? Tmpfs.setReadOnly(mount, false) }
            let error = #expect(throws: SystemError.self) { try DurableFile.write("x", to: mount + "/r.txt") }
            #expect(error?.description == "\(mount)/r.txt: cannot write: Read-only file system")
            let nested = #expect(throws: SystemError.self) { try DurableFile.write("x", to: mount + "/new/r.txt") }
            #expect(nested?.description == "\(mount)/new/r.txt: cannot create the directory \(mount)/new: Read-only file system")
            #expect(try String(contentsOfFile: mount + "/r.txt", encoding: .utf8) == "kept\n")
        }
    }

    @Test("temporaries of dead processes are removed; those of live ones stay")
    func staleTemporaries() throws {
        let directory = try TemporaryDirectory("durable-stale")
        // A pid that is certainly gone: a child that has exited and been reaped.
        let child = try Subprocess.run("/bin/sh", ["-c", "echo $$"])
        let dead = Int32(child.stdout.trimmingCharacters(in: .whitespacesAndNewlines))!
        let host = DurableFile.hostName
        let stale = directory.file(".r.h5\(DurableFile.marker)\(host)-\(dead)-1")
        let live = directory.file(".r.h5\(DurableFile.marker)\(host)-\(getpid())-2")
        let foreign = directory.file(".r.h5\(DurableFile.marker)otherhost-\(dead)-3")
        for path in [stale, live, foreign] { try Data("x".utf8).write(to: URL(fileURLWithPath: path)) }
        #expect(DurableFile.removeStaleTemporaries(in: directory.path) == 1)
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(FileManager.default.fileExists(atPath: foreign), "another host's temporary is kept for a day")
    }
}

@Suite("SHA-256 digests")
struct DigestTests {
    @Test("FIPS 180-2 vectors, hex round trip, files and incremental hashing agree")
    func vectors() throws {
        #expect(SHA256Digest(hashing: "abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest(hashing: "").hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(SHA256Digest(hashing: long).hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let digest = SHA256Digest(hashing: long)
        #expect(SHA256Digest(hex: digest.hex) == digest)
        #expect(SHA256Digest(hex: "xyz") == nil)
        var hasher = Hasher256()
        hasher.update("abcdbcde")
        hasher.update(Array(long.utf8.dropFirst(8)))
        #expect(hasher.finalize() == digest)
        let directory = try TemporaryDirectory("digest")
        let path = try directory.write("f.txt", long)
        #expect(try SHA256Digest.ofFile(path) == digest)
    }

    @Test("the chunked file digest is SHA-256 of a header, the size and each 8 MiB chunk's SHA-256, as hashlib computes it")
    func chunkedDigest() throws {
        let directory = try TemporaryDirectory("chunked")
        // Empty, one partial chunk, exactly two chunks, and two chunks and a byte.
        for size in [0, 1000, 2 * SHA256Digest.fileChunkSize, 2 * SHA256Digest.fileChunkSize + 1] {
            var bytes = [UInt8](repeating: 0, count: size)
            for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 2654435761 >> 13) }
            let path = directory.file("f\(size)")
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let script = """
            import hashlib, sys
            data = open(sys.argv[1], 'rb').read()
            chunk = 8 << 20
            h = hashlib.sha256(b'regime chunked sha256 1\\n%d\\n' % len(data))
            for start in range(0, max(len(data), 1), chunk):
                h.update(hashlib.sha256(data[start:start + chunk]).digest())
            print(h.hexdigest())
            """
            let expected = try Subprocess.run("/usr/bin/python3", ["-c", script, path])
            #expect(try SHA256Digest.ofFileInChunks(path).hex == expected.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                    "size \(size): \(expected.stderr)")
            if size > 0 {
                bytes[size - 1] ^= 1
                FileManager.default.createFile(atPath: path, contents: Data(bytes))
                #expect(try SHA256Digest.ofFileInChunks(path).hex != expected.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        #expect(throws: SystemError.self) { try SHA256Digest.ofFileInChunks(directory.file("absent")) }
    }
}
