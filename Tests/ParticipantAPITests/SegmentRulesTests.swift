import ParticipantAPI
import Testing

/// The segment rules shared by ingest and the sandbox, and the API's exact wording of their errors.
struct SegmentRulesTests {
    let rules = SegmentRules()

    func descriptions(_ values: [Field: String], rules: SegmentRules = SegmentRules()) -> [String] {
        rules.validate(values).map(\.description)
    }

    @Test func untouchedSegmentsAreNotChecked() {
        #expect(rules.validate([:]).isEmpty)
        #expect(rules.validate([.email: "ana@example.com"]).isEmpty)
        #expect(SegmentRules.touchedSegments([.city, .email]) == [.address, .email])
    }

    @Test func nameNeedsBothNames() {
        #expect(descriptions([.firstName: "Ana"]) == ["last_name required field"])
        #expect(descriptions([.lastName: "Lima", .firstName: ""]) == ["first_name required field"])
        #expect(rules.validate([.firstName: "Ana", .lastName: "Lima"]).isEmpty)
    }

    @Test func addressNeedsLineOneCityAndCountry() {
        #expect(descriptions([.addressTwo: "Apt 4"]) == [
            "address_one required field", "country required field", "city required field",
        ])
        #expect(rules.validate([.addressOne: "Near CST", .country: "Canada", .city: "Toronto"]).isEmpty)
    }

    @Test func unitedStatesAddressNeedsAStateAndAZip() {
        let base: [Field: String] = [.addressOne: "1 Main St", .country: "United States", .city: "New York"]
        #expect(descriptions(base) == ["state required field", "zip required field"])
        var bad = base
        bad[.state] = "New York"
        bad[.zip] = "1234"
        #expect(descriptions(bad) == [
            "state should match format two-letter US state code", "zip should match format 12345 or 12345-6789",
        ])
        var good = base
        good[.state] = "NY"
        good[.zip] = "10001-1234"
        #expect(rules.validate(good).isEmpty)
    }

    @Test func indianAddressNeedsASixDigitPIN() {
        let base: [Field: String] = [.addressOne: "Near CST", .country: "India", .city: "Mumbai"]
        #expect(descriptions(base) == ["zip required field"])
        #expect(descriptions(base.merging([.zip: "40000"]) { $1 }) == ["zip should match format 123456"])
        #expect(rules.validate(base.merging([.zip: "400001", .state: "MH"]) { $1 }).isEmpty)
    }

    @Test func zipIsFreeFormElsewhere() {
        #expect(rules.validate([.addressOne: "1 High St", .country: "United Kingdom", .city: "London", .zip: "SW1A 1AA"]).isEmpty)
    }

    @Test(arguments: ["PO Box 12", "P.O. Box 7", "p o box 3", "POB 12", "Post Office Box 7", "Box 99", "pobox12"])
    func poBoxesAreRefusedOnEitherLine(_ line: String) {
        let base: [Field: String] = [.addressOne: line, .country: "Canada", .city: "Toronto"]
        #expect(descriptions(base) == ["address_one should match format a street address (PO Box addresses are not accepted)"])
        let second: [Field: String] = [.addressOne: "1 Main St", .addressTwo: line, .country: "Canada", .city: "Toronto"]
        #expect(descriptions(second) == ["address_two should match format a street address (PO Box addresses are not accepted)"])
    }

    @Test(arguments: ["12 Boxwood Lane", "1 Post Office Road", "Box Hill 3"])
    func streetAddressesThatMentionBoxesAreAccepted(_ line: String) {
        #expect(rules.validate([.addressOne: line, .country: "Canada", .city: "Toronto"]).isEmpty)
    }

    @Test func emptyAddressTwoMeansNoSecondLine() {
        #expect(rules.validate([.addressOne: "1 Main St", .addressTwo: "", .country: "Canada", .city: "Toronto"]).isEmpty)
    }

    @Test func idNeedsASupportedTypeAndANumber() {
        #expect(descriptions([.idNumber: "123"]) == ["id_number_type required field"])
        #expect(descriptions([.idNumberType: "passport"]) == ["id_number required field"])
        let format = "one of " + IDType.supported.sorted().joined(separator: ", ")
        #expect(descriptions([.idNumberType: "Passport", .idNumber: "1"]) == ["id_number_type should match format \(format)"])
        #expect(rules.validate([.idNumberType: "aadhar_card", .idNumber: "1731417314"]).isEmpty)
    }

    @Test func extraIDTypesAreAccepted() {
        let extended = SegmentRules(extraIDTypes: ["library_card"])
        #expect(extended.validate([.idNumberType: "library_card", .idNumber: "1"]).isEmpty)
        #expect(extended.idTypes.contains("ssn"))
    }

    @Test(arguments: ["", "ana", "ana@", "@example.com", "ana@example", "ana@@example.com", "a na@example.com", "ana@example.c0m"])
    func malformedEmailsAreRefused(_ email: String) {
        let expected = email.isEmpty ? "email required field" : "email should match format name@example.com"
        #expect(descriptions([.email: email]) == [expected])
    }

    @Test func errorsComeInTheAPIsFieldOrderAcrossSegments() {
        #expect(descriptions([.email: "x", .firstName: "Ana", .idNumber: "1"]) == [
            "last_name required field", "email should match format name@example.com", "id_number_type required field",
        ])
    }

    @Test func theAPIMessageQuotesEverySegmentError() {
        let errors = rules.validate([.firstName: "Ana", .email: "x"])
        #expect(APIMessage.segmentValidationFailed(errors)
            == #"Data segment validation failed. One or more segment fields either invalid or not provided. Segment error: "last_name required field", "email should match format name@example.com""#)
    }

    @Test func theSeedsOtherMessagesAreWordedExactly() {
        #expect(APIMessage.cannotUpdate(["date_of_birth", "tax_id"]) == "Cannot update the requested fields: date_of_birth, tax_id")
        #expect(APIMessage.noDataSegment == "platform_updated_at submitted with no data segment to update")
        #expect(APIMessage.notACustomer("XYZ456") == "Participant XYZ456 is not a customer")
        #expect(APIMessage.platformNotAllowed("ABC123") == "Participant ABC123 is not allowed to submit/update customers")
        #expect(APIMessage.notACustomerOf("XYZ456", platform: "ABC123") == "Participant XYZ456 is not a customer of ABC123")
    }
}
