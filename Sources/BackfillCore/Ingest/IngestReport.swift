/// What ingesting one file did.
public struct IngestReport: Sendable {
    public var path: String
    public var format: InputFormat
    /// True when the same content was ingested before: nothing changed.
    public var unchanged = false
    public var rowsRead = 0
    public var rowsAccepted = 0
    public var rowsRejected = 0
    /// Rejections by reason code, with the count and up to three `file:line: message` examples.
    public var rejectionsByCode: [String: (count: Int, examples: [String])] = [:]
    /// Distinct participants the file's rows name.
    public var participants = 0
    public var jobsCreated = 0
    public var jobsUnchanged = 0
    public var jobsSuperseded = 0
    /// Participants of this file whose current job is held.
    public var held = 0
    /// Earlier rejected rows that this file (a corrected failures report) resolved.
    public var resolvedRejections = 0
    /// Wall time of each phase, in order: read+store rows, fold, index, email check.
    public var phaseSeconds: [(phase: String, seconds: Double)] = []
    /// Notes about the columns, reported once.
    public var notes: [String] = []

    public init(path: String, format: InputFormat) {
        self.path = path
        self.format = format
    }

    mutating func countRejection(code: String, example: @autoclosure () -> String) {
        var entry = rejectionsByCode[code] ?? (0, [])
        entry.count += 1
        if entry.examples.count < 3 { entry.examples.append(example()) }
        rejectionsByCode[code] = entry
    }
}
