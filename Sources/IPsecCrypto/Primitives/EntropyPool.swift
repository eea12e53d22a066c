internal import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `RAND_bytes` output drawn ahead, 1 KiB at a time, for ``SystemEntropy``'s short requests.
///
/// Each `RAND_bytes` call costs about a microsecond whatever its length (the DRBG's lock, its
/// fork check and a state update), and a handshake makes dozens of short ones (cookies, nonces,
/// DH private values, SPIs, message IDs). One per process, behind a mutex; a byte is handed out
/// once and wiped as it is. A child process after `fork` draws afresh (`pthread_atfork` empties
/// its copy of the pool).
final class EntropyPool: @unchecked Sendable {
    static let shared = EntropyPool()
    /// Requests longer than this go to `RAND_bytes` directly.
    static let largestDraw = 64
    private static let capacity = 1024

    private let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    private var next = capacity
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    private init() {
        pthread_mutex_init(mutex, nil)
        // The child is single-threaded: nobody holds the mutex it inherited but a forking thread
        // that was drawing, so it gets a fresh one, and nothing the parent had drawn ahead.
        pthread_atfork(nil, nil) {
            EntropyPool.shared.next = EntropyPool.capacity
            pthread_mutex_init(EntropyPool.shared.mutex, nil)
        }
    }

    deinit {
        OPENSSL_cleanse(storage.baseAddress, Self.capacity)
        storage.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Fills `buffer` (at most ``largestDraw`` bytes) from the pool, refilling it when short.
    func draw(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count <= Self.largestDraw)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if next + buffer.count > Self.capacity {
            // A failing system RNG leaves nothing safe to do.
            precondition(RAND_bytes(storage.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(Self.capacity)) == 1,
                         "RAND_bytes failed")
            next = 0
        }
        let taken = storage.baseAddress! + next
        buffer.baseAddress!.copyMemory(from: taken, byteCount: buffer.count)
        OPENSSL_cleanse(taken, buffer.count)
        next += buffer.count
    }
}
