@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Testing

/// `platform_updated_at` forms, all stored as epoch milliseconds.
/// Expected ISO values were computed with Python's `datetime.fromisoformat(...).timestamp()`.
struct TimestampParserTests {
    @Test func integersFromOneHundredBillionUpAreEpochMilliseconds() {
        #expect(TimestampParser.epochMilliseconds("1656590400000") == 1_656_590_400_000)
        #expect(TimestampParser.epochMilliseconds("100000000000") == 100_000_000_000)
        #expect(TimestampParser.millisecondsThreshold == 100_000_000_000)
    }

    @Test func smallerIntegersAreEpochSeconds() {
        #expect(TimestampParser.epochMilliseconds("99999999999") == 99_999_999_999_000)
        #expect(TimestampParser.epochMilliseconds("1630000000") == 1_630_000_000_000)
        #expect(TimestampParser.epochMilliseconds("0") == 0)
    }

    @Test func fractionalEpochSecondsKeepMilliseconds() {
        #expect(TimestampParser.epochMilliseconds("1630000000.25") == 1_630_000_000_250)
        #expect(TimestampParser.epochMilliseconds("1630000000.5") == 1_630_000_000_500)
        #expect(TimestampParser.epochMilliseconds("1630000000.1239") == 1_630_000_000_123)
    }

    @Test(arguments: [
        ("1.6e12", "1600000000000"), ("1600000000000.0", "1600000000000"), ("1.6E+12", "1600000000000"),
        ("160000000000000e-2", "1600000000000"), ("1.7e9", "1700000000"), ("1.70000000025e9", "1700000000.25"),
        ("1600000000000.5", "1600000000000.5"), ("1600000000000", "1600000000000"), ("0.5", "0.5"), ("0", "0"),
        ("0.0000016e18", "1600000000000"),
    ])
    func jsonNumberBecomesThePlainDecimalItIsExactly(_ json: String, _ plain: String) {
        #expect(TimestampParser.plainDecimal(jsonNumber: json) == plain)
    }

    @Test(arguments: ["-1.6e12", "1e-5", "1e999", "1e", "1.", ".5", "1.6e12x", "NaN"])
    func jsonNumberOutOfRangeOrMalformedHasNoPlainDecimal(_ json: String) {
        #expect(TimestampParser.plainDecimal(jsonNumber: json) == nil)
    }

    @Test func textWithAnExponentIsNotATimestamp() {
        // A CSV cell reading 1.6E+12 is a spreadsheet's rounding more often than an exact value.
        #expect(TimestampParser.epochMilliseconds("1.6E+12") == nil)
        #expect(TimestampParser.epochMilliseconds("1600000000000.0") == nil)
    }

    @Test(arguments: [
        ("2020-01-15", 1_579_046_400_000 as Int64),
        ("2024-02-29", 1_709_164_800_000),
        ("1970-01-01", 0),
        ("2023-01-26", 1_674_691_200_000),
    ])
    func dateOnlyIsMidnightUTC(_ text: String, _ expected: Int64) {
        #expect(TimestampParser.epochMilliseconds(text) == expected)
    }

    @Test func noOffsetMeansUTC() {
        #expect(TimestampParser.epochMilliseconds("2022-06-30 08:00:00") == 1_656_576_000_000)
        #expect(TimestampParser.epochMilliseconds("2022-06-30T08:00:00") == 1_656_576_000_000)
        #expect(TimestampParser.epochMilliseconds("2022-06-30T08:00") == 1_656_576_000_000)
    }

    @Test func zuluSuffixIsUTC() {
        #expect(TimestampParser.epochMilliseconds("2021-03-04T10:15:00Z") == 1_614_852_900_000)
        #expect(TimestampParser.epochMilliseconds("2023-09-09T09:09:09Z") == 1_694_250_549_000)
    }

    @Test func offsetsWithAndWithoutAColonAreApplied() {
        #expect(TimestampParser.epochMilliseconds("2022-11-20T09:30:00+05:30") == 1_668_916_800_000)
        #expect(TimestampParser.epochMilliseconds("2022-11-20T09:30:00+0530") == 1_668_916_800_000)
        #expect(TimestampParser.epochMilliseconds("2024-01-10T16:45:00-0400") == 1_704_919_500_000)
        #expect(TimestampParser.epochMilliseconds("2024-01-10T16:45:00-04:00") == 1_704_919_500_000)
        #expect(TimestampParser.epochMilliseconds("2020-08-01T00:00:00+02:00") == 1_596_232_800_000)
        #expect(TimestampParser.epochMilliseconds("2000-02-29T23:59:59-00:30") == 951_870_599_000)
    }

    @Test func fractionalSecondsAreKeptToTheMillisecond() {
        #expect(TimestampParser.epochMilliseconds("2023-02-01T12:00:00.250Z") == 1_675_252_800_250)
        #expect(TimestampParser.epochMilliseconds("2023-02-01T12:00:00.25Z") == 1_675_252_800_250)
        #expect(TimestampParser.epochMilliseconds("2023-02-01T12:00:00.1239Z") == 1_675_252_800_123)
        #expect(TimestampParser.epochMilliseconds("2023-02-01 12:00:00.999999") == 1_675_252_800_999)
    }

    @Test(arguments: [
        "", "yesterday", "12abc", "-5", "1.5e9", "1656590400000.5", "1630000000.", "2023-13-01", "2023-02-29",
        "2023-02-30", "2023-04-31", "2023-00-10", "2023-02-01T25:00:00Z", "2023-02-01T12:60:00Z",
        "2023-02-01T12:00:00.Z", "2023-02-01T12:00:00+5", "2023-02-01X12:00:00", "2023-02-01T12:00:00 UTC",
        "2023/02/01", "01/02/2023", "2023-2-1",
    ])
    func otherFormsAreRejected(_ text: String) {
        #expect(TimestampParser.epochMilliseconds(text) == nil)
    }
}
