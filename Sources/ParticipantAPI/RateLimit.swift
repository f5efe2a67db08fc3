/// A rate as the API documents it: at most `count` requests in any rolling `window`.
///
/// Written `N/Ws`, e.g. `2000/10s`, `1000/10s`, `5/1s`, `100/500ms`.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    public var count: Int
    public var window: Duration

    public init(count: Int, window: Duration) {
        precondition(count > 0 && window > .zero, "a rate needs a positive count and window")
        self.count = count
        self.window = window
    }

    /// Zero Hash's documented limit: 2,000 requests in any rolling 10 seconds.
    public static let documented = RateLimit(count: 2000, window: .seconds(10))
    /// The documented lockout after the limit is exceeded.
    public static let documentedLockout: Duration = .seconds(10)
    /// The documented window within which a request timestamp is accepted, either side of the server's clock.
    public static let timestampTolerance: Duration = .seconds(60)

    /// Parses `N/W` where W is a duration such as `10s`.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let n = Int(parts[0].trimmingSpaces), n > 0,
              let w = Duration(parsing: String(parts[1])), w > .zero else { return nil }
        self.init(count: n, window: w)
    }

    /// Requests per second.
    public var perSecond: Double { Double(count) / window.seconds }

    public var description: String { "\(count)/\(window.shortText)" }
}

extension Duration {
    /// Parses `250ms`, `10s`, `1.5s`, `2m`, `1h`; a bare number is seconds.
    public init?(parsing text: String) {
        let t = text.trimmingSpaces.lowercased()
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = t
        var scale = 1.0
        for unit in units where t.hasSuffix(unit.suffix) {
            number = String(t.dropLast(unit.suffix.count))
            scale = unit.seconds
            break
        }
        guard let value = Double(number), value >= 0, value.isFinite else { return nil }
        self = .milliseconds(Int64((value * scale * 1000).rounded()))
    }

    /// Seconds as a Double.
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    /// `10s`, `250ms`.
    public var shortText: String {
        let ms = Int64((seconds * 1000).rounded())
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
