/// A participant's job as ingest decided it (latest mode's fold): what `JobWriter` stores. Ingest makes it
/// (`Fold.Result.draft`); the store never folds.
public struct JobDraft: Sendable {
    public var participantCode: String
    /// Empty when the job is ready to send.
    public var holdReasons: [HoldReason]
    /// The exact body bytes and the request_id inside them; nil when no row was accepted.
    public var requestID: String?
    public var body: [UInt8]?
    public var platformUpdatedAt: Int64?
    /// The folded email (for email uniqueness).
    public var email: String?
    public var rowCount: Int

    public init(participantCode: String, holdReasons: [HoldReason], requestID: String?, body: [UInt8]?,
                platformUpdatedAt: Int64?, email: String?, rowCount: Int) {
        self.participantCode = participantCode
        self.holdReasons = holdReasons
        self.requestID = requestID
        self.body = body
        self.platformUpdatedAt = platformUpdatedAt
        self.email = email
        self.rowCount = rowCount
    }

    public var isHeld: Bool { !holdReasons.isEmpty }
}

/// A participant's history as ingest decided it (history mode): its steps, or why it is held. What
/// `HistoryWriter` stores (`HistorySteps.Result.draft`).
public struct StepsDraft: Sendable {
    /// One PATCH of the sequence.
    public struct Step: Sendable {
        /// 1-based position in the participant's sequence.
        public var number: Int
        public var platformUpdatedAt: Int64
        public var requestID: String
        public var body: [UInt8]
        /// `file:line` of the rows merged into the step.
        public var sources: [String]
        /// The email the participant has at the step's instant.
        public var email: String?

        public init(number: Int, platformUpdatedAt: Int64, requestID: String, body: [UInt8], sources: [String], email: String?) {
            self.number = number
            self.platformUpdatedAt = platformUpdatedAt
            self.requestID = requestID
            self.body = body
            self.sources = sources
            self.email = email
        }
    }

    public var participantCode: String
    /// Empty when the participant is held.
    public var steps: [Step]
    public var holdReasons: [HoldReason]

    public init(participantCode: String, steps: [Step], holdReasons: [HoldReason]) {
        self.participantCode = participantCode
        self.steps = steps
        self.holdReasons = holdReasons
    }

    public var isHeld: Bool { !holdReasons.isEmpty }
}
