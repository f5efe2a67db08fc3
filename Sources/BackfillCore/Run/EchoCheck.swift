import BackfillStore
import ParticipantAPI

/// What a 200 echoes back, compared with what was sent. Zero Hash's answer echoes a fixed subset (`first_name`,
/// `last_name`, `country`, `jurisdiction_code`, `email`); the seed's echoes the whole record. Each field the body
/// sent and the answer echoes is compared byte for byte; a difference leaves the job succeeded (the API applied
/// it) but is recorded, so an operator sees where the API keeps another value than the one sent. Pure.
public enum EchoCheck {
    /// The fields Zero Hash's 200 echoes (`PatchCustomersResponse`).
    public static let zerohashEchoed: [String] = ["first_name", "last_name", "country", "jurisdiction_code", "email"]

    /// The differences between the sent `body` and the answer's `message` object.
    public static func mismatches(sent body: [UInt8], answer: [UInt8], contract: Contract) -> [EchoMismatch] {
        guard case .object(let sentMembers)? = try? JSONParser.parse(body),
              case .object(let answerMembers)? = try? JSONParser.parse(answer),
              let echo = answerMembers.first(where: { $0.key == "message" }).map(\.value),
              case .object(let echoed) = echo else { return [] }
        var out: [EchoMismatch] = []
        for (key, value) in sentMembers where key != WireKey.platformUpdatedAt && key != WireKey.requestID {
            guard case .string(let sent) = value else { continue }
            if contract == .zerohash && !zerohashEchoed.contains(key) { continue }
            guard let back = echoed.first(where: { $0.key == key })?.value else {
                // Zero Hash's echo is a subset: a field it leaves out says nothing. The seed's echoes every field.
                if contract == .ndax { out.append(EchoMismatch(field: key, sent: sent, echoed: nil)) }
                continue
            }
            let text: String? = if case .string(let s) = back { s } else if case .null = back { nil } else { back.jsonText }
            if !sameBytes(text, sent) { out.append(EchoMismatch(field: key, sent: sent, echoed: text)) }
        }
        return out
    }
}
