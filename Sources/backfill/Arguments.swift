import ArgumentParser
import BackfillReport
import BackfillSandbox
import BackfillStore
import Logging
import ParticipantAPI

// The types of the options that have one. Each parses its text in its `ExpressibleByArgument` conformance;
// the commands declare such an option as `Given<Value>`, so that a text the type refuses is refused in the
// command's own words (see `Given`).

/// An option's value as typed. `Value(argument:)` parses it; a text it refuses is kept instead of failing the
/// parse, so that the command refuses it in the words it has always used (`Error: --rate 'fast': expected N/W
/// such as 1000/10s, or unlimited`, exit status 64 with the usage) rather than ArgumentParser's "The value 'fast'
/// is invalid for '--rate <N/W>'".
struct Given<Value: ExpressibleByArgument & Sendable>: ExpressibleByArgument, Sendable {
    /// As typed.
    let text: String
    /// Nil when `Value(argument:)` refused `text`.
    let value: Value?

    init(argument: String) {
        text = argument
        value = Value(argument: argument)
    }

    /// A default, shown in the help as the value prints.
    init(_ value: Value) {
        text = value.defaultValueDescription
        self.value = value
    }

    /// The value, or a usage error saying `refusal(text)`.
    func parsed(or refusal: (String) -> String) throws -> Value {
        guard let value else { throw ValidationError(refusal(text)) }
        return value
    }

    var defaultValueDescription: String { text }

    /// None: each option's help names its values in its own words, which ArgumentParser's "(values: ...)" would
    /// repeat.
    static var allValueStrings: [String] { [] }

    /// The type's values, for shell completion.
    static var defaultCompletionKind: CompletionKind { Value.defaultCompletionKind }
}

/// `run --rate`: never more than N starts in any rolling W, or no pacing at all (a local sandbox only).
enum RateOption: Sendable, Equatable, ExpressibleByArgument, CustomStringConvertible {
    case limit(RateLimit)
    case unlimited

    /// `RunConfiguration.rate`'s spelling: nil is unlimited.
    init(_ rate: RateLimit?) {
        self = rate.map(RateOption.limit) ?? .unlimited
    }

    /// `N/W` such as `1000/10s` (W a duration, see `Duration(parsing:)`), or `unlimited` in any case.
    init?(argument: String) {
        if argument.lowercased() == "unlimited" {
            self = .unlimited
        } else if let rate = RateLimit(parsing: argument) {
            self = .limit(rate)
        } else {
            return nil
        }
    }

    /// As `RunConfiguration.rate` has it: nil when unlimited.
    var rate: RateLimit? {
        if case .limit(let rate) = self { rate } else { nil }
    }

    /// `1000/10s` or `unlimited`: how the start-up line and the next commands print it.
    var description: String { rate?.description ?? "unlimited" }

    var defaultValueDescription: String { description }
}

/// `run --timeout`: a duration above zero, e.g. `30s`, `500ms` (see `Duration(parsing:)`).
struct PositiveDuration: Sendable, Equatable, ExpressibleByArgument {
    let duration: Duration

    init?(_ duration: Duration) {
        guard duration > .zero else { return nil }
        self.duration = duration
    }

    init?(argument: String) {
        guard let duration = Duration(parsing: argument) else { return nil }
        self.init(duration)
    }

    var defaultValueDescription: String { duration.shortText }
}

/// The sandbox's `--lockout`, `--slow`, `--latency`: `250ms`, `10s`, `1.5s`, `2m`, `1h`; a bare number is seconds.
extension Duration: @retroactive ExpressibleByArgument {
    public init?(argument: String) {
        self.init(parsing: argument)
    }

    public var defaultValueDescription: String { shortText }
}

/// `run --log-format`: how `run` writes its lines on standard error. Exactly `text` or `json`.
enum LogFormat: String, Sendable, CaseIterable, ExpressibleByArgument {
    /// swift-log's standard-error lines, and plain text for the rest.
    case text
    /// One JSON object per line: the logs (`JSONLogHandler`) and everything `run` prints (`RunOutput`).
    case json
}

/// `run --log-level`, in any case.
extension Logger.Level: @retroactive ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}

/// `retry --class`, in any case.
extension ErrorClass: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}

/// `ingest --format`, in any case.
extension InputFormat: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}

/// `report --format`, in any case.
extension FailureFormat: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}

/// `ingest --mode`: exactly `latest` or `history`.
extension IngestMode: ExpressibleByArgument {}

extension Contract: ExpressibleByArgument {}

/// The sandbox's `--profile`: exactly `zerohash` or `ndax`.
extension Profile: ExpressibleByArgument {}

/// The sandbox's `--time-format`: exactly `message` or `seconds`.
extension SandboxConfiguration.TimeFormat: ExpressibleByArgument {}

/// The sandbox's `--rate-limit`: `N/W` such as `2000/10s`.
extension RateLimit: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(parsing: argument)
    }
}

/// `--watch US-NY` (repeatable): the jurisdictions whose moves into and out of `status`, `report --moves` and the
/// page count.
struct WatchOptions: ParsableArguments {
    @Option(name: .customLong("watch"),
            help: ArgumentHelp("A jurisdiction to count moves into and out of: an ISO 3166-2 code (repeatable; default US-NY).",
                               valueName: "code"))
    var codes: [String] = []

    /// The codes, checked against ISO 3166-2 and upper-cased; `US-NY` when none is given.
    func jurisdictions() throws -> [String] {
        guard !codes.isEmpty else { return ["US-NY"] }
        return try codes.map { given in
            let code = given.trimmingCharacters(in: .whitespaces).uppercased()
            guard ISO3166.subdivision(code: code) != nil else {
                throw ValidationError("--watch '\(given)': expected an ISO 3166-2 code such as US-NY or IN-MH")
            }
            return code
        }
    }
}
