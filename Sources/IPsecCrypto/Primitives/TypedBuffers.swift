/// `withUnsafeBytes` for arrays with typed throws (the standard library's is `rethrows`).
func withBytes<R>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(CryptoError) -> R) throws(CryptoError) -> R {
    try array.withUnsafeBytes { p in Result { () throws(CryptoError) in try body(p) } }.get()
}

/// `withUnsafeMutableBytes` for arrays with typed throws.
func withMutableBytes<R>(_ array: inout [UInt8],
                         _ body: (UnsafeMutableRawBufferPointer) throws(CryptoError) -> R) throws(CryptoError) -> R {
    try array.withUnsafeMutableBytes { p in Result { () throws(CryptoError) in try body(p) } }.get()
}
