import ParticipantAPI

/// The API's rate limit as a pure decision: at most `limit.count` requests in any rolling `limit.window`,
/// then every request refused for `lockout`.
///
/// Every arriving request is recorded, refused ones included (the API counts them too), so a client that keeps
/// hammering during a lockout finds the window still full when the lockout ends. The last `count` arrival times
/// are kept in a ring: a new arrival exceeds the limit exactly when the oldest of them is still inside the window.
struct RateLimiter: Sendable {
    let count: Int
    let window: UInt64
    let lockout: UInt64
    private var arrivals: [UInt64]
    private var next = 0
    private var filled = 0
    private var lockedUntil: UInt64 = 0

    init(limit: RateLimit, lockout: Duration) {
        self.count = limit.count
        self.window = Self.nanoseconds(limit.window)
        self.lockout = Self.nanoseconds(lockout)
        self.arrivals = Array(repeating: 0, count: limit.count)
    }

    /// Records an arrival at `now` (monotonic nanoseconds) and says whether it may be handled.
    mutating func admit(now: UInt64) -> Bool {
        let exceeded = filled == count && now &- arrivals[next] < window
        arrivals[next] = now
        next = next + 1 == count ? 0 : next + 1
        filled = min(filled + 1, count)
        if now < lockedUntil { return false }
        if exceeded {
            lockedUntil = now &+ lockout
            return false
        }
        return true
    }

    private static func nanoseconds(_ d: Duration) -> UInt64 {
        let c = d.components
        return UInt64(max(0, c.seconds)) * 1_000_000_000 + UInt64(max(0, c.attoseconds) / 1_000_000_000)
    }
}
