import BackfillStore
import ParticipantAPI

/// Reads the server's clock out of a `GET /time` answer. Zero Hash's documents show two shapes, both accepted:
///
/// ```
/// {"epoch": 1550174574}                                                        top level, seconds
/// {"message": {"epoch": 1715459200000, "epoch_units": "milliseconds", ...}}    nested, with its unit
/// ```
/// The unit is `epoch_units` when present, else the magnitude: below 100,000,000,000 the value is seconds
/// (that many milliseconds is March 1973; that many seconds is the year 5138).
public enum ServerTime {
    /// The boundary between seconds and milliseconds when the answer names no unit.
    public static let millisecondsFrom: Double = 100_000_000_000

    /// The epoch in milliseconds, or why the body holds none (for the message: `no epoch`, `epoch_units 'days'`).
    public static func epochMilliseconds(from body: [UInt8]) -> Result<Int64, Unreadable> {
        guard let json = try? JSONParser.parse(body) else { return .failure(Unreadable("not JSON")) }
        let holder = json["message"].flatMap { $0["epoch"] == nil ? nil : $0 } ?? json
        guard let value = holder["epoch"] else { return .failure(Unreadable("no epoch")) }
        let number: Double?
        switch value {
        case .number(let text), .string(let text): number = Double(text)
        default: number = nil
        }
        guard let number, number.isFinite, number > 0 else {
            return .failure(Unreadable("epoch \(value.jsonText) is not a positive number"))
        }
        let factor: Double
        switch holder["epoch_units"] {
        case nil, .null?:
            factor = number < millisecondsFrom ? 1000 : 1
        case .string(let unit)?:
            switch unit.lowercased() {
            case "s", "sec", "second", "seconds": factor = 1000
            case "ms", "millisecond", "milliseconds": factor = 1
            case "us", "µs", "microsecond", "microseconds": factor = 0.001
            case "ns", "nanosecond", "nanoseconds": factor = 0.000_001
            default: return .failure(Unreadable("epoch_units '\(unit)' is not seconds or milliseconds"))
            }
        case let other?:
            return .failure(Unreadable("epoch_units \(other.jsonText) is not a unit name"))
        }
        let milliseconds = number * factor
        guard milliseconds < 9e15 else { return .failure(Unreadable("epoch \(value.jsonText) is out of range")) }
        return .success(Int64(milliseconds.rounded()))
    }

    /// Why an answer holds no usable epoch.
    public struct Unreadable: Error, Equatable, CustomStringConvertible {
        public let reason: String
        init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }
}
