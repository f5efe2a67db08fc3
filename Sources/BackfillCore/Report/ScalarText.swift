import BackfillStore
/// A text as Unicode scalars, for reading the tool's own messages exactly and finding values inside them.
///
/// Searching a `String` goes by `Character` (grapheme cluster) and canonical equivalence: a quote followed by a
/// combining mark is one `Character`, so `got '` is not found before a value that starts with a mark, and the
/// value would be shown unredacted. Here every search is scalar by scalar.
struct ScalarText {
    private(set) var scalars: [Unicode.Scalar]

    init(_ text: some StringProtocol) {
        scalars = Array(text.unicodeScalars)
    }

    var count: Int { scalars.count }

    subscript(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }

    /// Whether `needle`'s scalars stand at `index`.
    func hasPrefix(_ needle: [Unicode.Scalar], at index: Int) -> Bool {
        guard index >= 0, index + needle.count <= scalars.count else { return false }
        return scalars[index..<(index + needle.count)].elementsEqual(needle)
    }

    /// Where `needle` first starts in `start..<end` (the whole needle inside it).
    func firstIndex(of needle: [Unicode.Scalar], from start: Int, to end: Int? = nil) -> Int? {
        let end = end ?? scalars.count
        guard !needle.isEmpty, start <= end - needle.count else { return nil }
        for i in start...(end - needle.count) where hasPrefix(needle, at: i) { return i }
        return nil
    }

    /// A scalar that belongs to a word: a letter, a digit, or a mark that modifies the one before it.
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        let p = scalar.properties
        if p.isAlphabetic || p.numericType != nil { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// A scalar with case differences removed (its lower-case mapping when that is one scalar).
    static func folded(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let lower = scalar.properties.lowercaseMapping.unicodeScalars
        return lower.count == 1 ? lower.first! : scalar
    }

    /// `text` with every occurrence of `value` replaced by `replacement`. Both are compared in NFC, scalar by
    /// scalar and without case: an NFD spelling of a known value is found, and so is a value that starts with
    /// a combining mark. With `wordsOnly`, an occurrence inside a longer word is kept (a name is masked in
    /// "Ann Lee", while "Cannot" keeps its letters). The text comes back in NFC when something was replaced,
    /// and unchanged otherwise.
    static func replacing(_ value: String, with replacement: String, in text: String, wordsOnly: Bool) -> String {
        let needle = value.nfc.unicodeScalars.map(folded)
        let haystack = ScalarText(text.nfc)
        let foldedHaystack = haystack.scalars.map(folded)
        guard !needle.isEmpty, needle.count <= foldedHaystack.count else { return text }
        var out = String.UnicodeScalarView()
        var position = 0
        var replaced = false
        var i = 0
        while i <= foldedHaystack.count - needle.count {
            guard foldedHaystack[i..<(i + needle.count)].elementsEqual(needle) else { i += 1; continue }
            let end = i + needle.count
            if wordsOnly && ((i > 0 && isWordScalar(haystack.scalars[i - 1]))
                             || (end < haystack.count && isWordScalar(haystack.scalars[end]))) {
                i += 1
                continue
            }
            out.append(contentsOf: haystack.scalars[position..<i])
            out.append(contentsOf: replacement.unicodeScalars)
            position = end
            i = end
            replaced = true
        }
        guard replaced else { return text }
        out.append(contentsOf: haystack.scalars[position...])
        return String(out)
    }
}

extension String {
    /// The scalars of a literal, for `ScalarText` searches.
    var scalarArray: [Unicode.Scalar] { Array(unicodeScalars) }
}
