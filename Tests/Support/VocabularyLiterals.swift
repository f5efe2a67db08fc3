import BackfillStore

// Tests only: the stored vocabulary written as the words it stores, so that an assertion reads as the output it
// checks (`.stopped(code: "forbidden", ...)`, `jobs == ["pending": 3, ...]`). The sources spell every word through
// its enum; a literal that is not a word of the vocabulary stops the test at once.

extension RunStop.Code: ExpressibleByStringLiteral, ExpressibleByUnicodeScalarLiteral,
    ExpressibleByExtendedGraphemeClusterLiteral {
    public init(stringLiteral value: String) { self = Self(rawValue: value)! }
}

extension JobStatus: ExpressibleByStringLiteral, ExpressibleByUnicodeScalarLiteral,
    ExpressibleByExtendedGraphemeClusterLiteral {
    public init(stringLiteral value: String) { self = Self(rawValue: value)! }
}

extension JobState: ExpressibleByStringLiteral, ExpressibleByUnicodeScalarLiteral,
    ExpressibleByExtendedGraphemeClusterLiteral {
    public init(stringLiteral value: String) { self = Self(rawValue: value)! }
}

extension SendState: ExpressibleByStringLiteral, ExpressibleByUnicodeScalarLiteral,
    ExpressibleByExtendedGraphemeClusterLiteral {
    public init(stringLiteral value: String) { self = Self(rawValue: value)! }
}

extension RowStatus: ExpressibleByStringLiteral, ExpressibleByUnicodeScalarLiteral,
    ExpressibleByExtendedGraphemeClusterLiteral {
    public init(stringLiteral value: String) { self = Self(rawValue: value)! }
}

extension AttemptOutcome: ExpressibleByStringLiteral, ExpressibleByUnicodeScalarLiteral,
    ExpressibleByExtendedGraphemeClusterLiteral {
    public init(stringLiteral value: String) { self = Self(rawValue: value)! }
}

extension ErrorClass: ExpressibleByStringLiteral, ExpressibleByUnicodeScalarLiteral,
    ExpressibleByExtendedGraphemeClusterLiteral {
    public init(stringLiteral value: String) { self = Self(rawValue: value)! }
}

extension ExportState: ExpressibleByStringLiteral, ExpressibleByUnicodeScalarLiteral,
    ExpressibleByExtendedGraphemeClusterLiteral {
    public init(stringLiteral value: String) { self = Self(rawValue: value)! }
}

extension JobCounts: ExpressibleByDictionaryLiteral {
    /// `["pending": 3, "held": 1]`: those states, in the order written.
    public init(dictionaryLiteral elements: (JobStatus, Int)...) {
        self.init(elements.map(\.0))
        for (state, count) in elements { self[state] = count }
    }

    /// The counts by state name (every counted state).
    public var byName: [String: Int] {
        Dictionary(uniqueKeysWithValues: all.map { ($0.state.rawValue, $0.count) })
    }

    /// The counted states whose count passes `isIncluded`, by name.
    public func filter(_ isIncluded: ((key: String, value: Int)) -> Bool) -> [String: Int] {
        byName.filter(isIncluded)
    }

    /// The count of the state named `name`; nil when that state is not counted.
    public subscript(name: String) -> Int? {
        guard let state = JobStatus(rawValue: name), states.contains(state) else { return nil }
        return self[state]
    }
}

extension RunStore {
    /// Ends a run with a stop given as the one line the summary shows (`crashed`, `SIGINT`,
    /// `unauthorized: 401 Unauthorized`, or an error's words), as a test writes it.
    public func endRun(_ id: Int64, now: Int64, exitCode: Int32, stopReason: String?) throws {
        try endRun(id, now: now, exitCode: exitCode, stop: stopReason.map(RunStop.init(line:)))
    }
}

extension RunStop {
    /// The stop a summary line names.
    public init(line: String) {
        if line == RunStop.Code.crashed.rawValue {
            self.init(.crashed, nil)
        } else if line == "SIGINT" || line == "SIGTERM" || line.hasPrefix("signal ") {
            self.init(.interrupted, line)
        } else if let colon = line.range(of: ": "), let code = RunStop.Code(rawValue: String(line[..<colon.lowerBound])) {
            self.init(code, String(line[colon.upperBound...]))
        } else {
            self.init(.error, line)
        }
    }
}
