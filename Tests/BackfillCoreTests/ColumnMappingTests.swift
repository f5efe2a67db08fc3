@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import ParticipantAPI
import Testing

/// How input columns (CSV headers and JSONL keys) find their fields: case, separators, aliases, `--map`.
struct ColumnMappingTests {
    let scratch = ScratchDirectory()

    func target(_ column: String, mappings: [String] = [], contract: Contract = .ndax) throws -> ColumnTarget {
        try ColumnResolver(mappings: mappings, contract: contract).resolve(column)
    }

    /// The notes of a CSV whose header is `header` (with one data row).
    func csvNotes(_ header: String, strict: Bool = false, mappings: [String] = []) throws -> [String] {
        let path = try scratch.write("input.csv", header + "\nAB12CD,2023-01-01\n")
        let source = try CSVRowSource(source: try ByteSource(path: path), resolver: try ColumnResolver(mappings: mappings),
                                      normalizer: testNormalizer(strictColumns: strict))
        return source.notes
    }

    var csvPath: String { scratch.file("input.csv") }

    @Test func matchingIgnoresCaseAndReadsSpacesAndHyphensAsUnderscores() throws {
        #expect(try target("PARTICIPANT CODE") == .participantCode)
        #expect(try target("participant-code") == .participantCode)
        #expect(try target("  Participant_Code ") == .participantCode)
        #expect(try target("Platform Updated At") == .platformUpdatedAt)
        #expect(try target("First-Name") == .field(.firstName))
        #expect(try target("ID  Number") == .field(.idNumber))
        #expect(try target("Address - One") == .field(.addressOne))
    }

    @Test(arguments: Contract.allCases)
    func everyFieldOfTheContractMatchesItsOwnName(_ contract: Contract) throws {
        for field in contract.fields {
            #expect(try target(field.name, contract: contract) == .field(field))
            #expect(try target(field.name.uppercased(), contract: contract) == .field(field))
        }
    }

    @Test func underZerohashAStateColumnIsTheJurisdictionCodeAndUnderNdaxTheNewColumnsAreUnknown() throws {
        #expect(try target("state", contract: .zerohash) == .field(.jurisdictionCode))
        #expect(try target("Province", contract: .zerohash) == .field(.jurisdictionCode))
        #expect(try target("Postal Code", contract: .zerohash) == .field(.zip))
        for name in ["middle_name", "former_name", "jurisdiction_code", "gender"] {
            #expect(try target(name, contract: .ndax) == .unknown, "\(name)")
        }
        #expect(try target("date_of_birth", contract: .ndax) == .nonUpdatable("date_of_birth"))
        #expect(try target("phone_number", contract: .ndax) == .nonUpdatable("phone_number"))
    }

    @Test(arguments: Contract.allCases)
    func everyAliasResolvesToItsField(_ contract: Contract) throws {
        for row in ColumnResolver.aliases {
            // Under zerohash a state column is the jurisdiction_code; a field the contract does not read is unknown.
            let expected = contract == .zerohash && row.canonical == Field.state.name
                ? Field.jurisdictionCode.name : row.canonical
            if let field = Field(name: expected), !contract.fields.contains(field) { continue }
            for alias in row.aliases {
                for spelling in [alias, alias.uppercased(), alias.replacingOccurrences(of: "_", with: " "),
                                 alias.replacingOccurrences(of: "_", with: "-")] {
                    #expect(try target(spelling, contract: contract).canonicalName == expected, "\(spelling)")
                }
            }
        }
    }

    @Test(arguments: [("address1", Field.addressOne), ("Address Line 1", .addressOne), ("address_line_2", .addressTwo),
                      ("Postal Code", .zip), ("zip_code", .zip), ("E-mail", .email), ("ID Type", .idNumberType)])
    func documentedAliasesResolve(_ column: String, _ field: Field) throws {
        #expect(try target(column) == .field(field))
    }

    @Test func updatedAtIsAnAliasOfPlatformUpdatedAt() throws {
        #expect(try target("updated_at") == .platformUpdatedAt)
        #expect(try target("Updated At") == .platformUpdatedAt)
    }

    @Test func mapEntriesResolveColumnsTheTableDoesNotKnow() throws {
        let maps = ["Cust No=participant_code", "When Approved = platform_updated_at", "Mobile Mail=Email"]
        #expect(try target("cust no", mappings: maps) == .participantCode)
        #expect(try target("WHEN-APPROVED", mappings: maps) == .platformUpdatedAt)
        #expect(try target("Mobile Mail", mappings: maps) == .field(.email))
    }

    @Test func mapWinsOverTheAliasTable() throws {
        #expect(try target("Town") == .field(.city))
        #expect(try target("Town", mappings: ["Town=first_name"]) == .field(.firstName))
    }

    @Test func mapEntryWithoutEqualsSignIsRefused() {
        #expect(throws: BackfillError("bad_mapping", "--map 'Notes': expected \"Source Column=field\"")) {
            _ = try ColumnResolver(mappings: ["Notes"])
        }
    }

    @Test func mapEntryNamingAnUnknownFieldIsRefusedWithASuggestion() {
        #expect(throws: BackfillError("bad_mapping", "--map 'Notes=emal': unknown field 'emal'. Did you mean 'email'?")) {
            _ = try ColumnResolver(mappings: ["Notes=emal"])
        }
        #expect(throws: BackfillError("bad_mapping", "--map 'Notes=shoe size': unknown field 'shoe_size'.")) {
            _ = try ColumnResolver(mappings: ["Notes=shoe size"])
        }
    }

    @Test func ingesterRefusesBadMapEntriesBeforeReadingAnything() throws {
        let db = try scratch.database()
        #expect(throws: BackfillError("bad_mapping", "--map 'Notes': expected \"Source Column=field\"")) {
            _ = try Ingester(database: db, options: .testing(mappings: ["Notes"]))
        }
    }

    @Test func twoColumnsMappingToOneFieldIsAFileLevelErrorNamingBoth() throws {
        #expect(throws: BackfillError("duplicate_column", "\(csvPath):1: columns 'Zip' and 'Postal Code' both map to 'zip'; " +
                                      "keep one, or --map one of them elsewhere")) {
            _ = try csvNotes("Participant Code,Updated At,Zip,Postal Code")
        }
        #expect(throws: BackfillError("duplicate_column", "\(csvPath):1: columns 'E-mail' and 'Notes' both map to 'email'; " +
                                      "keep one, or --map one of them elsewhere")) {
            _ = try csvNotes("Participant Code,Updated At,E-mail,Notes", mappings: ["Notes=email"])
        }
    }

    @Test func missingRequiredColumnIsAFileLevelError() throws {
        #expect(throws: BackfillError("missing_column", "\(csvPath):1: no column maps to 'participant_code' " +
                                      "(columns: Code, Updated At); rename one or use --map")) {
            _ = try csvNotes("Code,Updated At")
        }
    }

    @Test func unknownColumnsAreNotedOnceWithADidYouMean() throws {
        #expect(try csvNotes("Participant Code,Updated At,Adress1,Emal,Notes") == [
            "\(csvPath):1: unknown column 'Adress1' ignored. Did you mean 'address_one'?",
            "\(csvPath):1: unknown column 'Emal' ignored. Did you mean 'email'?",
            "\(csvPath):1: unknown column 'Notes' ignored.",
        ])
        #expect(try csvNotes("Participant Code,Updated At,Notes", strict: true) == [
            "\(csvPath):1: unknown column 'Notes' rejects rows that fill it.",
        ])
    }

    /// The style guide's own example: a transposition is the commonest typo.
    @Test func transposedLettersStillGetADidYouMean() throws {
        #expect(try csvNotes("Participant Code,Updated At,emial") == [
            "\(csvPath):1: unknown column 'emial' ignored. Did you mean 'email'?",
        ])
    }
}
