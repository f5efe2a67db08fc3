import BackfillIngest
import BackfillStore
import ParticipantAPI
import Testing

/// What one participant's rows say beyond its own job: the addresses it gave up, its jurisdiction moves; and the
/// cycles of the handover graph. Pure.
struct ParticipantTimelineTests {
    func row(_ ts: Int64, _ fields: [Field: String], rejection: String? = nil) -> Fold.Row {
        var values = [String?](repeating: nil, count: Field.allCases.count)
        for (field, value) in fields { values[field.order] = value }
        return Fold.Row(source: "f.csv:\(ts)", platformUpdatedAt: ts, values: values, rejection: rejection)
    }

    @Test func theAddressesGivenUpAreEveryEarlierOneButTheLastWithTheInstantOfTheChange() {
        let rows = [row(1, [.email: "a@x.com"]), row(2, [.firstName: "Ann"]), row(3, [.email: "b@x.com"]),
                    row(4, [.email: "c@x.com"], rejection: "bad"), row(5, [.email: "a@x.com"]), row(6, [.email: "d@x.com"])]
        // a@ released at 3, taken back at 5, released again at 6; b@ released at 5; the rejected row counts for nothing.
        #expect(ParticipantTimeline.releases(rows) == [EmailRelease(email: "a@x.com", releasedAt: 6),
                                                       EmailRelease(email: "b@x.com", releasedAt: 5)])
        #expect(ParticipantTimeline.releases([row(1, [.email: "a@x.com"]), row(2, [.email: "a@x.com"])]).isEmpty)
    }

    @Test func anNFDAddressIsAnotherAddressThanItsNFCForm() {
        let nfc = "jos\u{E9}@x.com", nfd = "jose\u{301}@x.com"
        #expect(nfc == nfd, "Swift's String == is canonical equivalence")
        #expect(ParticipantTimeline.releases([row(1, [.email: nfd]), row(2, [.email: nfc])]) == [EmailRelease(email: nfd, releasedAt: 2)])
    }

    @Test func aMoveIsAChangeOfJurisdictionNotItsFirstOneNorARepeat() {
        let rows = [row(1, [.country: "USA", .jurisdictionCode: "US-NY"]), row(2, [.country: "USA", .jurisdictionCode: "US-NY"]),
                    row(3, [.firstName: "Ann"]), row(4, [.country: "USA", .jurisdictionCode: "US-NJ"]),
                    row(5, [.country: "IRL"]), row(6, [.country: "USA", .jurisdictionCode: "US-NY"], rejection: "bad")]
        let moves = ParticipantTimeline.moves(rows, contract: .zerohash)
        #expect(moves.map(\.movedAt) == [4, 5])
        #expect(moves.map { $0.from.code } == ["US-NY", "US-NJ"])
        #expect(moves.map { $0.to.code ?? $0.to.country } == ["US-NJ", "IRL"])
    }

    @Test func underNDAXTheStateResolvesToItsISOCode() {
        let rows = [row(1, [.country: "United States", .state: "NY"]), row(2, [.country: "United States", .state: "CA"])]
        let moves = ParticipantTimeline.moves(rows, contract: .ndax)
        #expect(moves.count == 1)
        #expect(moves.first?.from == JurisdictionMove.Place(country: "United States", state: "NY", code: "US-NY"))
        #expect(moves.first?.to.code == "US-CA")
    }

    @Test func theCyclesOfAHandoverGraphAreItsComponentsOfMoreThanOneNode() {
        // 1 <-> 2 (a swap), 3 -> 4 -> 5 -> 3 (three), 6 -> 1 (waits for a cycle, is not in it), 7 -> 8 (a chain).
        let edges: [Int64: [Int64]] = [1: [2], 2: [1], 3: [4], 4: [5], 5: [3], 6: [1], 7: [8]]
        let cycles = EmailCycles.components(edges).filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] }
        #expect(cycles == [[1, 2], [3, 4, 5]])
    }
}
