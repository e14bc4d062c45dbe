#if canImport(Glibc)
import Glibc
#endif

/// The process's heap, as the C library keeps it.
public enum ProcessMemory {
    /// Returns the heap's free pages to the system (glibc's malloc_trim): after
    /// a phase that freed much, so that what comes next does not raise the
    /// peak resident set on top of pages no longer in use.
    public static func returnFreedPages() {
        #if os(Linux)
        _ = regime_malloc_trim(0)
        #endif
    }

    /// Asks for transparent huge pages behind a large buffer about to be
    /// filled (Linux's `madvise(MADV_HUGEPAGE)`, as NumPy does for large
    /// arrays): filling 160 MB otherwise takes 40,000 page faults. Only the
    /// 2 MiB-aligned interior is advised; buffers under 4 MiB are left alone.
    public static func adviseHugePages(_ start: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
        let huge = 2 << 20
        guard bytes >= 2 * huge else { return }
        let first = (Int(bitPattern: start) + huge - 1) / huge * huge
        let end = (Int(bitPattern: start) + bytes) / huge * huge
        guard end > first, let pointer = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(pointer, end - first, 14)  // MADV_HUGEPAGE; a kernel without it refuses, harmlessly
        #endif
    }
}

#if os(Linux)
@_silgen_name("malloc_trim")
private func regime_malloc_trim(_ pad: Int) -> Int32
#endif
