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
/// once and wiped as it is. A child process after `fork` draws afresh: the pool remembers
/// the process it was filled in.
final class EntropyPool: @unchecked Sendable {
    static let shared = EntropyPool()
    /// Requests longer than this go to `RAND_bytes` directly.
    static let largestDraw = 64
    private static let capacity = 1024

    private let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    private var next = capacity
    private var owner: pid_t = 0
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    private init() { pthread_mutex_init(mutex, nil) }

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
        let pid = getpid()
        if next + buffer.count > Self.capacity || owner != pid {
            // A failing system RNG leaves nothing safe to do.
            precondition(RAND_bytes(storage.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(Self.capacity)) == 1,
                         "RAND_bytes failed")
            next = 0
            owner = pid
        }
        let taken = storage.baseAddress! + next
        buffer.baseAddress!.copyMemory(from: taken, byteCount: buffer.count)
        OPENSSL_cleanse(taken, buffer.count)
        next += buffer.count
    }
}
