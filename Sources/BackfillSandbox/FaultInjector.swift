import ParticipantAPI

/// The faults a sandbox injects into authenticated requests, drawn from a seeded generator so a run can be replayed.
///
/// One draw per request decides among fail (`failRate`), slow (`slowRate`), reset (`resetRate`) and normal,
/// in that order along [0, 1); a failure draws once more for its status (500, 502 or 503, evenly).
/// A 503 carries `Retry-After: 1` and `zh-allow-retry: true`; 500 and 502 carry no hint.
struct FaultInjector: Sendable {
    enum Fault: Sendable, Equatable {
        case none
        /// Answer with this status, applying nothing.
        case fail(status: Int)
        /// Apply, then hold the answer back for the configured delay.
        case slow
        /// Close the connection without an answer, applying nothing.
        case reset
    }

    let failRate: Double
    let slowRate: Double
    let resetRate: Double
    private var random: SplitMix64

    init(failRate: Double, slowRate: Double, resetRate: Double, seed: UInt64) {
        self.failRate = failRate
        self.slowRate = slowRate
        self.resetRate = resetRate
        self.random = SplitMix64(seed: seed)
    }

    /// True when no fault can ever be drawn, so the draw (and its lock) can be skipped.
    var isInert: Bool { failRate == 0 && slowRate == 0 && resetRate == 0 }

    mutating func next() -> Fault {
        let u = random.nextUnit()
        if u < failRate {
            return .fail(status: [500, 502, 503][Int(random.next() % 3)])
        }
        if u < failRate + slowRate { return .slow }
        if u < failRate + slowRate + resetRate { return .reset }
        return .none
    }
}
