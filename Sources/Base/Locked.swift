#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value that threads share, behind a pthread mutex: `withLock` gives its body
/// exclusive access.
///
/// Not `Synchronization.Mutex`: on Linux a contended Mutex is handed over inside
/// the kernel (FUTEX_LOCK_PI / FUTEX_UNLOCK_PI, in the uninstrumented
/// libswiftSynchronization), where ThreadSanitizer cannot see it, so every
/// contended `withLock` is reported as a data race on the value and TSan cannot
/// check regime's shared state at all. TSan intercepts pthread mutexes.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
