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
}

#if os(Linux)
@_silgen_name("malloc_trim")
private func regime_malloc_trim(_ pad: Int) -> Int32
#endif
