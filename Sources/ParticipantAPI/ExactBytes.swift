import Foundation

// Swift's `String` `==`, `<` and hashing follow Unicode canonical equivalence: "é" (U+00E9) equals "e\u{301}".
// Where bytes matter (what is stored, signed, hashed into a request_id, compared to decide "unchanged", or
// treated by the sandbox as the same value) compare the UTF-8 bytes with these, on purpose.

extension StringProtocol {
    /// Whether both hold exactly the same UTF-8 bytes (not merely canonically equivalent text).
    @inlinable
    public func hasSameBytes(as other: some StringProtocol) -> Bool {
        utf8.elementsEqual(other.utf8)
    }

    /// Whether every byte is ASCII (such text is already NFC, and its `==` is byte equality).
    @inlinable
    public var isASCII: Bool {
        utf8.allSatisfy { $0 < 0x80 }
    }
}

extension String {
    /// The text in Unicode Normalization Form C; ASCII text is returned as is without being examined further.
    public var nfc: String {
        isASCII ? self : precomposedStringWithCanonicalMapping
    }
}

/// Whether two optional texts are both absent or hold the same UTF-8 bytes.
@inlinable
public func sameBytes(_ a: String?, _ b: String?) -> Bool {
    switch (a, b) {
    case (nil, nil): true
    case let (a?, b?): a.hasSameBytes(as: b)
    default: false
    }
}

/// Whether two secrets (an API key, a passphrase) hold the same bytes, in time that depends only on their
/// lengths, so an answer's timing tells nothing of how much of a guess was right.
public func constantTimeEqual(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var difference = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) {
        difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
    }
    return difference == 0
}
