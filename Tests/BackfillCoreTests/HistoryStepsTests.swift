@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import ParticipantAPI
import Testing

/// History mode's steps: one per distinct instant, each carrying the segments it touched completed with the
/// values of that instant; incomplete segments merge forward; the hold rules of `latest` mode; and, on a
/// generated messy corpus, steps applied in order leave exactly the latest fold's values.
struct HistoryStepsTests {
    let history = HistorySteps(rules: SegmentRules())
    let fold = Fold(rules: SegmentRules())

    func row(_ line: Int, _ ts: Int64?, _ fields: [Field: String] = [:], rejection: String? = nil) -> Fold.Row {
        var values = [String?](repeating: nil, count: Field.allCases.count)
        for (field, value) in fields { values[field.order] = value }
        return Fold.Row(source: "f.csv:\(line)", platformUpdatedAt: ts, values: values, rejection: rejection)
    }

    let ny: [Field: String] = [.addressOne: "1 Main St", .addressTwo: "Apt 4", .city: "New York", .state: "NY",
                               .zip: "10001", .country: "United States"]
    let tx: [Field: String] = [.addressOne: "12 Oak Ave", .city: "Austin", .state: "TX", .zip: "78701",
                               .country: "United States"]

    @Test func eachInstantIsAStepCarryingOnlyWhatItTouchedCompletedAtThatInstant() throws {
        let result = history.build(participantCode: "AB12CD", rows: [
            row(2, 1_000, [.firstName: "Ann", .lastName: "Lee"].merging(ny) { $1 }),
            row(3, 2_000, [.lastName: "Lee-Park"]),
            row(4, 3_000, tx),
        ])
        #expect(!result.isHeld)
        #expect(result.steps.map(\.platformUpdatedAt) == [1_000, 2_000, 3_000])
        #expect(result.steps.map(\.segments) == [[.name, .address], [.name], [.address]])
        // Step 2 completes the name with the first name of that instant.
        #expect(result.steps[1].values.dictionary == [.firstName: "Ann", .lastName: "Lee-Park"])
        // A new address_one without address_two clears the second line.
        #expect(result.steps[2].values[.addressTwo] == "")
        #expect(result.steps[2].values[.city] == "Austin")
        let body = result.steps[1].body
        #expect(body.containsUTF8(of: #""platform_updated_at":2000"#))
        #expect(body.containsUTF8(of: #""request_id":"\#(result.steps[1].requestID)""#))
        #expect(!body.containsUTF8(of: "address_one"))
        #expect(result.steps.map(\.number) == [1, 2, 3])
    }

    @Test func rowsOfTheSameInstantMergeInInputOrder() {
        let result = history.build(participantCode: "AB12CD", rows: [
            row(5, 1_000, [.firstName: "Ann", .lastName: "Lee"]),
            row(6, 1_000, [.firstName: "Anna"]),
            row(7, 2_000, [.email: "anna@example.com"]),
        ])
        #expect(result.steps.count == 2)
        #expect(result.steps[0].values.dictionary == [.firstName: "Anna", .lastName: "Lee"])
        #expect(result.steps[0].sources == ["f.csv:5", "f.csv:6"])
    }

    @Test func anIncompleteSegmentMergesForwardIntoTheStepThatCompletesIt() {
        let result = history.build(participantCode: "AB12CD", rows: [
            row(2, 1_000, [.addressOne: "1 Main St", .city: "New York"]),
            row(3, 2_000, [.firstName: "Ann", .lastName: "Lee"]),
            row(4, 3_000, [.state: "NY", .zip: "10001", .country: "United States"]),
        ])
        #expect(!result.isHeld)
        // 1,000 and 2,000 wait for the address; the step is sent once, at 3,000, with both segments.
        #expect(result.steps.count == 1)
        #expect(result.steps[0].platformUpdatedAt == 3_000)
        #expect(result.steps[0].segments == [.name, .address])
        #expect(result.steps[0].values[.addressTwo] == "")
        #expect(result.steps[0].sources == ["f.csv:2", "f.csv:3", "f.csv:4"])
    }

    @Test func theHoldRulesOfLatestModeApply() {
        let rejected = history.build(participantCode: "AB12CD", rows: [
            row(2, 1_000, [.firstName: "Ann", .lastName: "Lee"]),
            row(3, 2_000, rejection: "email: expected an email like name@example.com, got 'x'"),
        ])
        #expect(rejected.isHeld && rejected.steps.isEmpty)
        #expect(rejected.holdReasons.map(\.source) == ["f.csv:3"])

        let neverComplete = history.build(participantCode: "AB12CD", rows: [
            row(2, 1_000, [.firstName: "Ann", .lastName: "Lee"]),
            row(3, 2_000, [.addressOne: "1 Main St"]),
        ])
        #expect(neverComplete.isHeld && neverComplete.steps.isEmpty)
        #expect(neverComplete.holdReasons.first?.source == "f.csv:3")
        let latest = fold.fold(participantCode: "AB12CD", rows: [
            row(2, 1_000, [.firstName: "Ann", .lastName: "Lee"]),
            row(3, 2_000, [.addressOne: "1 Main St"]),
        ])
        #expect(neverComplete.holdReasons.first?.message == latest.holdReasons.first?.message)

        let nothing = history.build(participantCode: "AB12CD", rows: [row(2, 1_000)])
        #expect(nothing.isHeld)
        #expect(nothing.holdReasons.first?.message == APIMessage.noDataSegment)
    }

    @Test func requestIDsAreDeterministicAndDifferPerStep() {
        let rows = [row(2, 1_000, [.firstName: "Ann", .lastName: "Lee"]), row(3, 2_000, [.firstName: "Bo"])]
        let a = history.build(participantCode: "AB12CD", rows: rows)
        let b = history.build(participantCode: "AB12CD", rows: rows)
        #expect(a.steps.map(\.requestID) == b.steps.map(\.requestID))
        #expect(a.steps.map(\.body) == b.steps.map(\.body))
        #expect(Set(a.steps.map(\.requestID)).count == 2)
        let other = history.build(participantCode: "ZZ99ZZ", rows: rows)
        #expect(Set(other.steps.map(\.requestID)).isDisjoint(with: a.steps.map(\.requestID)))
        // Not the latest fold's id for the same payload.
        #expect(a.steps[0].requestID != Fold.requestID(participantCode: "AB12CD",
                                                       payload: PatchBody(values: a.steps[0].values, platformUpdatedAt: 1_000).bytes()))
    }

    /// Every segment, out-of-order instants (sorted as ingest sorts them), same-instant rows, partial addresses,
    /// cleared second lines: steps applied in order equal the latest fold, and both modes hold the same people.
    @Test func onAGeneratedMessyCorpusTheStepsEndWhereTheLatestFoldDoes() {
        var rng = SplitMix64(seed: 20_261_202)
        let addresses: [[Field: String]] = [ny, tx, [.addressOne: "9 Pine Rd", .addressTwo: "Unit 2", .city: "Denver",
                                                     .state: "CO", .zip: "80202", .country: "United States"]]
        var sent = 0, held = 0
        for p in 0..<2_000 {
            var rows: [Fold.Row] = []
            for r in 0..<(1 + Int(rng.next() % 8)) {
                let ts = Int64(1_000 * (1 + Int(rng.next() % 6)))   // few instants: many same-instant rows
                var fields: [Field: String] = [:]
                switch rng.next() % 7 {
                case 0: fields = [.firstName: "F\(r)", .lastName: "L\(p)"]
                case 1: fields = [.lastName: "L\(r)"]
                case 2: fields = addresses[Int(rng.next() % 3)]
                case 3: fields = [.addressOne: "\(r) Partial St"]                      // incomplete alone
                case 4: fields = [.zip: "1000\(r)", .city: "Albany", .state: "NY", .country: "United States"]
                case 5: fields = [.email: "p\(p).r\(r)@example.com"]
                default: fields = [.idNumberType: "ssn", .idNumber: "123-45-67\(String(format: "%02d", r))"]
                }
                rows.append(row(r + 2, ts, fields))
            }
            // Fold order: platform_updated_at, then input order.
            rows = rows.enumerated().sorted { ($0.element.platformUpdatedAt!, $0.offset) < ($1.element.platformUpdatedAt!, $1.offset) }.map(\.element)
            let latest = fold.fold(participantCode: "P\(p)", rows: rows)
            let steps = history.build(participantCode: "P\(p)", rows: rows)
            #expect(steps.isHeld == latest.isHeld, "participant \(p): history held \(steps.isHeld), latest held \(latest.isHeld)")
            guard !latest.isHeld else { held += 1; continue }
            var record: [Field: String] = [:]
            var last: Int64 = .min
            for step in steps.steps {
                #expect(step.platformUpdatedAt > last, "steps go forward in time")
                last = step.platformUpdatedAt
                record.merge(step.values.dictionary) { $1 }
            }
            #expect(record == latest.fields, "participant \(p)")
            #expect(steps.steps.last?.platformUpdatedAt == latest.platformUpdatedAt)
            sent += 1
        }
        #expect(sent > 500 && held > 100, "the corpus exercises both: \(sent) sent, \(held) held")
    }
}
