@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import ParticipantAPI
import Testing

/// Each normalization rule of a value: trim, NFC, whitespace collapsing, case, country aliases, id types.
struct NormalizationTests {
    /// The UTF-8 bytes, since `String ==` compares canonically equivalent strings as equal.
    func bytes(_ s: String?) -> [UInt8]? { s.map { Array($0.utf8) } }

    @Test(arguments: Field.allCases)
    func everyValueIsTrimmed(_ field: Field) {
        let value = field == .email ? "a@example.com" : field == .country ? "Spain" : "ABC"
        #expect(ValueNormalizer.normalize(field, " \t\(value) \r\n") == (field == .idNumberType ? "abc" : value))
    }

    @Test(arguments: Field.allCases)
    func blankMeansNotProvided(_ field: Field) {
        #expect(ValueNormalizer.normalize(field, "") == nil)
        #expect(ValueNormalizer.normalize(field, "  \t ") == nil)
        #expect(ValueNormalizer.normalize(field, "\u{00A0} \u{3000}") == nil)
    }

    @Test func decomposedAccentsAreComposedToNFC() {
        #expect(bytes(ValueNormalizer.normalize(.firstName, "Jose\u{301}")) == bytes("Jos\u{E9}"))
        #expect(bytes(ValueNormalizer.normalize(.lastName, " Lo\u{301}pez ")) == bytes("L\u{F3}pez"))
        #expect(bytes(ValueNormalizer.normalize(.city, "S\u{61}\u{303}o  Paulo")) == bytes("S\u{E3}o Paulo"))
        #expect(bytes(ValueNormalizer.normalize(.idNumber, "N\u{303}1")) == bytes("\u{D1}1"))
        #expect(bytes(ValueNormalizer.participantCode("ab12cd")) == bytes("AB12CD"))
    }

    @Test(arguments: [Field.firstName, .lastName, .addressOne, .addressTwo, .city])
    func innerWhitespaceRunsCollapseInNamesAddressLinesAndCity(_ field: Field) {
        #expect(ValueNormalizer.normalize(field, "  500   Congress\t\tAve ") == "500 Congress Ave")
        #expect(ValueNormalizer.normalize(field, "Calle 5, Piso 2\nPuerta B") == "Calle 5, Piso 2 Puerta B")
        #expect(ValueNormalizer.normalize(field, "Calle 5\r\n  Puerta B") == "Calle 5 Puerta B")
        #expect(bytes(ValueNormalizer.normalize(field, "Jose\u{301}   Mari\u{301}a")) == bytes("Jos\u{E9} Mar\u{ED}a"))
    }

    @Test(arguments: [Field.firstName, .lastName, .addressOne, .addressTwo, .city])
    func collapsingKeepsACombiningMarkZWJOrVariationSelectorThatFollowsASpace(_ field: Field) {
        // Each of these joins the space before it into one grapheme cluster; only the space is whitespace.
        #expect(bytes(ValueNormalizer.normalize(field, "a \u{301}b")) == bytes("a \u{301}b"))
        #expect(bytes(ValueNormalizer.normalize(field, "a   \u{301}b")) == bytes("a \u{301}b"))
        #expect(bytes(ValueNormalizer.normalize(field, "x \u{200D}y")) == bytes("x \u{200D}y"))
        #expect(bytes(ValueNormalizer.normalize(field, "\u{2764} \u{FE0F}  z")) == bytes("\u{2764} \u{FE0F} z"))
        #expect(bytes(ValueNormalizer.normalize(field, " \u{301}b ")) == bytes("\u{301}b"))
        #expect(bytes(ValueNormalizer.normalize(field, "a\u{00A0}\u{3000} b")) == bytes("a b"))
    }

    @Test func trimmingKeepsACombiningMarkThatFollowsASpaceInFieldsThatDoNotCollapse() {
        #expect(bytes(ValueNormalizer.normalize(.idNumber, " \u{301}N1 \u{301}")) == bytes("\u{301}N1 \u{301}"))
        #expect(bytes(ValueNormalizer.normalize(.zip, "\u{3000}12 \u{200D}34\u{00A0}")) == bytes("12 \u{200D}34"))
    }

    @Test func innerWhitespaceIsKeptEverywhereElse() {
        #expect(ValueNormalizer.normalize(.zip, " SW1A  1AA ") == "SW1A  1AA")
        #expect(ValueNormalizer.normalize(.idNumber, "AB  12\t34") == "AB  12\t34")
        // A country cell that names no ISO country is sent as written; one that names one becomes its ISO name.
        #expect(ValueNormalizer.normalize(.country, "Upper  Narnia") == "Upper  Narnia")
        #expect(ValueNormalizer.normalize(.country, "Costa  Rica") == "Costa Rica")
        #expect(ValueNormalizer.normalize(.state, "n  y") == "N  Y")
        #expect(ValueNormalizer.normalize(.email, "a  b@example.com") == "a  b@example.com")
    }

    @Test func participantCodeIsTrimmedAndUpperCased() {
        #expect(ValueNormalizer.participantCode("  ab12cd ") == "AB12CD")
        #expect(ValueNormalizer.participantCode("   ") == nil)
        #expect(ValueNormalizer.isParticipantCode("AB12CD"))
        #expect(!ValueNormalizer.isParticipantCode("AB12C"))
        #expect(!ValueNormalizer.isParticipantCode("AB12CDE"))
        #expect(!ValueNormalizer.isParticipantCode("AB-12C"))
        #expect(!ValueNormalizer.isParticipantCode("\u{C4}B12CD"))
    }

    @Test func emailIsLowerCasedAndStateUpperCased() {
        #expect(ValueNormalizer.normalize(.email, " Alice.Nguyen@Example.COM ") == "alice.nguyen@example.com")
        #expect(ValueNormalizer.normalize(.state, " tx ") == "TX")
        #expect(ValueNormalizer.normalize(.state, "Mh") == "MH")
    }

    @Test func otherFieldsKeepTheirCase() {
        #expect(ValueNormalizer.normalize(.firstName, "mcDonald") == "mcDonald")
        #expect(ValueNormalizer.normalize(.idNumber, "s530-ab") == "s530-ab")
        #expect(ValueNormalizer.normalize(.zip, "sw1a 1aa") == "sw1a 1aa")
    }

    @Test(arguments: [
        ("US", "United States"), ("USA", "United States"), ("U.S.", "United States"), ("U.S.A.", "United States"),
        ("United States of America", "United States"), ("united states", "United States"), ("us", "United States"),
        (" usa ", "United States"), ("IN", "India"), ("IND", "India"), ("india", "India"), ("in", "India"),
    ])
    func countryAliasesBecomeOneCanonicalName(_ alias: String, _ canonical: String) {
        #expect(ValueNormalizer.normalize(.country, alias) == canonical)
    }

    @Test func unknownCountriesComeBackTrimmedButOtherwiseUnchanged() {
        #expect(ValueNormalizer.normalize(.country, " Spain ") == "Spain")
        #expect(ValueNormalizer.normalize(.country, "España") == "España")
    }

    @Test(arguments: [
        ("US Passport", "us_passport"), ("Non-US passport", "non_us_passport"), ("aadhar card", "aadhar_card"),
        ("US Drivers License", "us_drivers_license"), (" SSN ", "ssn"), ("us_passport_card", "us_passport_card"),
        ("US  Permanent-Resident  Card", "us_permanent_resident_card"), ("NON_US_OTHER", "non_us_other"),
    ])
    func idNumberTypeBecomesLowerSnakeCase(_ input: String, _ expected: String) {
        #expect(ValueNormalizer.normalize(.idNumberType, input) == expected)
    }
}
