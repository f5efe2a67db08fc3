#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

import ParticipantAPI

/// The sandbox's two clocks: wall time (what request timestamps are checked against) and
/// monotonic time (what the rate limit's window is measured in), plus the ISO 8601 text of `GET /time`.
public enum SandboxClock {
    /// The system's wall clock in epoch milliseconds.
    @Sendable public static func systemMilliseconds() -> Int64 {
        EpochClock.milliseconds()
    }

    /// Monotonic nanoseconds, immune to wall-clock steps.
    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// `2023-11-14T22:13:20.000Z` for 1700000000000, without a formatter.
    public static func iso8601(epochMilliseconds ms: Int64) -> String {
        ISOTime.text(epochMilliseconds: ms, fraction: .always)
    }
}
