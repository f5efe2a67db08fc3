@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Testing

/// `Correction`'s pure decisions: what a `backfill_row` cell refers to, and what a correction does to the rows
/// it names.
struct CorrectionVerdictTests {
    static let badEmail = ["participant_code": "AB12CD", "platform_updated_at": "2024-03-01", "email": "ann@example"]
    static let goodEmail = ["participant_code": "AB12CD", "platform_updated_at": "2024-03-01", "email": "ann@example.com"]

    static func named(_ status: RowStatus = .rejected, code: String? = "AB12CD", rejectCode: String = "invalid_email",
                      cells: [String: String] = badEmail) -> Correction.Named {
        Correction.Named(status: status, participantCode: code, rejectCode: rejectCode, cells: cells)
    }

    static func candidate(accepted: Bool, code: String? = "AB12CD", cells: [String: String]) -> Correction.Candidate {
        Correction.Candidate(accepted: accepted, participantCode: code, cells: cells)
    }

    @Test func referenceSplitsTheFileFromTheLineAtTheLastColon() {
        #expect(Correction.reference("samples/changes.csv:14") == .row(file: "samples/changes.csv", line: 14))
        #expect(Correction.reference("C:\\exports\\a.csv:7") == .row(file: "C:\\exports\\a.csv", line: 7))
        #expect(Correction.reference("<stdin>:3") == .row(file: "<stdin>", line: 3))
        #expect(Correction.reference("a.csv:2;a.csv:9") == .several)
        #expect(Correction.reference("a.csv") == .unreadable)
        #expect(Correction.reference("a.csv:0") == .unreadable)
        #expect(Correction.reference("a.csv:x") == .unreadable)
        #expect(Correction.reference(":4") == .unreadable)
    }

    @Test func anAcceptedCorrectionWithNewCellsIsApplied() {
        #expect(Correction.verdict(Self.candidate(accepted: true, cells: Self.goodEmail), named: [Self.named()]) == .applied)
    }

    @Test func aRejectedCorrectionWithNewCellsReplacesTheRow() {
        var other = Self.badEmail
        other["email"] = "ann at example.com"
        #expect(Correction.verdict(Self.candidate(accepted: false, cells: other), named: [Self.named()]) == .replaced)
    }

    @Test func theSameCellsRejectedAgainChangeNothing() {
        #expect(Correction.verdict(Self.candidate(accepted: false, cells: Self.badEmail), named: [Self.named()]) == .unchanged)
    }

    @Test func theSameCellsAcceptedCountOnlyWhenTheRowsFormWasNotWhatWasWrong() {
        let same = Self.candidate(accepted: true, cells: Self.badEmail)
        #expect(Correction.verdict(same, named: [Self.named(rejectCode: "unsupported_id_type")]) == .applied)
        for code in ["wrong_cell_count", "not_a_string", "invalid_utf8", "duplicate_key", "not_json_object"] {
            #expect(Correction.verdict(same, named: [Self.named(rejectCode: code)]) == .unchanged, "\(code)")
        }
    }

    @Test func aRowAnEarlierCorrectionReplacedIsNotReplacedAgain() {
        #expect(Correction.verdict(Self.candidate(accepted: true, cells: Self.goodEmail), named: [Self.named(.resolved)])
            == .alreadyReplaced)
    }

    @Test func aCorrectionKeepsTheParticipantOfTheRowItNames() {
        #expect(Correction.verdict(Self.candidate(accepted: true, code: "QX9Z01", cells: Self.goodEmail), named: [Self.named()])
            == .otherParticipant("AB12CD"))
        #expect(Correction.verdict(Self.candidate(accepted: false, code: nil, cells: Self.goodEmail), named: [Self.named()])
            == .lostParticipant("AB12CD"))
        // A row that had no usable participant may be given one.
        #expect(Correction.verdict(Self.candidate(accepted: true, cells: Self.goodEmail), named: [Self.named(code: nil)])
            == .applied)
    }

    @Test func aPurgedRowIsNeverTheSame() {
        let purged = Correction.Named(status: .rejected, participantCode: "AB12CD", rejectCode: "invalid_email", cells: nil)
        #expect(Correction.verdict(Self.candidate(accepted: false, cells: Self.badEmail), named: [purged]) == .replaced)
    }

    @Test func pickPrefersARejectedRowOfTheSameParticipantThenTheLatest() {
        typealias R = (id: Int, status: RowStatus, code: String?)
        let rows: [R] = [(1, .rejected, "AB12CD"), (2, .resolved, "QX9Z01"), (3, .rejected, "QX9Z01"), (4, .rejected, "ZZ0000")]
        func pick(_ rows: [R], _ code: String?) -> Int? {
            Correction.pick(rows, status: \.status, participantCode: \.code, for: code)?.id
        }
        #expect(pick(rows, "AB12CD") == 1)
        #expect(pick(rows, "QX9Z01") == 3)
        #expect(pick(rows, "NOBODY") == 4)
        #expect(pick(rows, nil) == 4)
        #expect(pick([(2, .resolved, "QX9Z01")], "QX9Z01") == 2)
        #expect(pick([], "QX9Z01") == nil)
    }

    @Test func onlyRowsThatAreNotAHeldOrFailedParticipantsOwnMatchByTimestamp() {
        #expect(Correction.correctsByTimestamp(CorrectionMark(row: nil, state: "rejected")))
        #expect(Correction.correctsByTimestamp(CorrectionMark(row: "  ", state: nil)))
        #expect(!Correction.correctsByTimestamp(CorrectionMark(row: nil, state: "held")))
        #expect(!Correction.correctsByTimestamp(CorrectionMark(row: nil, state: "failed")))
        #expect(!Correction.correctsByTimestamp(CorrectionMark(row: "a.csv:2", state: "rejected")))
    }
}
