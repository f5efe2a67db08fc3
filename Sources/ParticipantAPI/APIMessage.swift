/// The API's own error wording (from the published endpoint text), so that ingest, the sandbox and reports agree.
public enum APIMessage {
    /// 400: a request names fields the endpoint does not update.
    public static func cannotUpdate(_ fields: [String]) -> String {
        "Cannot update the requested fields: \(fields.joined(separator: ", "))"
    }

    /// 400: one or more segments are incomplete or malformed.
    public static func segmentValidationFailed(_ errors: [SegmentError]) -> String {
        let quoted = errors.map { "\"\($0.description)\"" }.joined(separator: ", ")
        return "Data segment validation failed. One or more segment fields either invalid or not provided. Segment error: \(quoted)"
    }

    /// 400: the body has a timestamp and nothing to update.
    public static let noDataSegment = "platform_updated_at submitted with no data segment to update"

    /// 400: the participant exists but may not be updated through this endpoint.
    public static func notACustomer(_ participantCode: String) -> String {
        "Participant \(participantCode) is not a customer"
    }

    /// 403: the platform is not approved to submit participant updates.
    public static func platformNotAllowed(_ platformCode: String) -> String {
        "Participant \(platformCode) is not allowed to submit/update customers"
    }

    /// 403: no relationship between the platform and the participant.
    public static func notACustomerOf(_ participantCode: String, platform platformCode: String) -> String {
        "Participant \(participantCode) is not a customer of \(platformCode)"
    }
}
