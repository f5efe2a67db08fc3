@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Testing

/// `GET /time` is read in both shapes Zero Hash documents; the unit comes from `epoch_units`, else the magnitude.
struct ServerTimeTests {
    static func read(_ text: String) -> Result<Int64, ServerTime.Unreadable> {
        ServerTime.epochMilliseconds(from: Array(text.utf8))
    }

    @Test func topLevelSecondsShape() {
        #expect(Self.read(#"{"epoch": 1550174574}"#) == .success(1_550_174_574_000))
    }

    @Test func messageShapeWithItsUnit() {
        #expect(Self.read(#"{"message": {"epoch": 1715459200000, "epoch_units": "milliseconds", "iso_8601": "2024-05-11T20:26:40.000Z"}}"#)
            == .success(1_715_459_200_000))
        #expect(Self.read(#"{"message": {"epoch": 1715459200, "epoch_units": "seconds"}}"#) == .success(1_715_459_200_000))
    }

    @Test func theNamedUnitWinsOverTheMagnitude() {
        // 1715459200 as milliseconds is January 1970: odd, but the answer says so.
        #expect(Self.read(#"{"message": {"epoch": 1715459200, "epoch_units": "milliseconds"}}"#) == .success(1_715_459_200))
        #expect(Self.read(#"{"epoch": 1715459200000000, "epoch_units": "microseconds"}"#) == .success(1_715_459_200_000))
    }

    @Test func withoutAUnitTheMagnitudeDecides() {
        #expect(Self.read(#"{"message": {"epoch": 1715459200000}}"#) == .success(1_715_459_200_000))
        #expect(Self.read(#"{"message": {"epoch": 1715459200}}"#) == .success(1_715_459_200_000))
        #expect(Self.read(#"{"epoch": 1550174574.25}"#) == .success(1_550_174_574_250))
        #expect(Self.read(#"{"epoch": "1550174574"}"#) == .success(1_550_174_574_000))
    }

    @Test func answersWithoutAUsableEpochSayWhy() {
        #expect(Self.read("<html>502</html>") == .failure(ServerTime.Unreadable("not JSON")))
        #expect(Self.read(#"{"message": "Not Found"}"#) == .failure(ServerTime.Unreadable("no epoch")))
        #expect(Self.read(#"{"epoch": true}"#) == .failure(ServerTime.Unreadable("epoch true is not a positive number")))
        #expect(Self.read(#"{"epoch": 1550174574, "epoch_units": "days"}"#)
            == .failure(ServerTime.Unreadable("epoch_units 'days' is not seconds or milliseconds")))
    }
}
