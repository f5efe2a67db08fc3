@testable import BackfillCore
import Foundation
import ParticipantAPI
import Testing

/// `--redact`: email, id_number and address lines masked, names reduced to initials, and the same values
/// masked inside messages, in every format.
struct ReportRedactionTests {
    let scratch = ScratchDirectory()

    @Test func masksKeepAtMostTheLastFourCharacters() {
        #expect(Redactor.mask("541234567") == "*****4567")
        #expect(Redactor.mask("alice@example.com") == "*************.com")
        #expect(Redactor.mask("abcde") == "***de")
        #expect(Redactor.mask("12345678") == "****5678")
        #expect(Redactor.mask("1234") == "****")
        #expect(Redactor.mask("ab") == "****")
        #expect(Redactor.mask("") == "")
    }

    @Test func namesBecomeInitials() {
        #expect(Redactor.initials("Mary Ann") == "M. A.")
        #expect(Redactor.initials("O'Hara, Jr.") == "O. J.")
        #expect(Redactor.initials("zoë") == "Z.")
        #expect(Redactor.redact(.city, "Austin") == "Austin")
        #expect(Redactor.redact(.lastName, "Nguyen") == "N.")
    }

    @Test func messagesLoseKnownValuesQuotedValuesAndEmails() {
        #expect(Redactor.scrub("ID X98765432 belongs to someone else", values: [(.idNumber, "X98765432")])
            == "ID *****5432 belongs to someone else")
        #expect(Redactor.scrub("column 'E-mail': expected an email like name@example.com, got 'bad@@x'; column 'Address Line 1': PO Box addresses are not accepted, got 'PO Box 12'", values: [])
            == "column 'E-mail': expected an email like name@example.com, got '***@@x'; column 'Address Line 1': PO Box addresses are not accepted, got '*****x 12'")
        #expect(Redactor.scrub("column 'city': nope, got 'Austin'", values: []) == "column 'city': nope, got 'Austin'")
        #expect(Redactor.scrub("Lee LEE lee", values: [(.lastName, "Lee")]) == "L. L. L.")
    }

    @Test func noUnmaskedValueInAnyFormat() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let plain = try fixture.allOutputs(redact: false)
        // The unredacted failures export does hold the values (so the check below can fail).
        for value in ReportFixture.failingValues {
            #expect(plain["failures.jsonl"]!.contains(value.replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n"))
                    || plain["failures.csv"]!.contains(value), "\(value)")
        }
        #expect(plain["report.html"]!.contains("beatrix@@badwell"))
        for (name, output) in try fixture.allOutputs(redact: true) {
            let lowered = output.lowercased()
            for value in ReportFixture.failingValues + ReportFixture.succeededValues {
                #expect(!lowered.contains(value.lowercased()), "\(name) shows '\(value)'")
                let escaped = HTMLText.escape(value).lowercased()
                #expect(!lowered.contains(escaped), "\(name) shows '\(escaped)'")
                let json = value.replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n").lowercased()
                #expect(!lowered.contains(json), "\(name) shows '\(json)'")
            }
        }
    }

    @Test func redactedExportShowsMasksAndInitials() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let records = try fixture.csvRecords(try fixture.failures(.csv, redact: true))
        let rows = records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(FailureRow.columns, $0)) }
        let fail = try #require(rows.first { $0["participant_code"] == "FAIL01" })
        #expect(fail["first_name"] == "Z.")
        #expect(fail["last_name"] == "O. J.")
        #expect(fail["email"] == "*****************.com")
        #expect(fail["id_number"] == "*****5432")
        #expect(fail["city"] == "Austin")
        #expect(fail["backfill_message"] == "email *****************.com is already used by another participant")
        let bad = try #require(rows.first { $0["participant_code"] == "BADEM1" })
        #expect(bad["backfill_message"] == "\(fixture.csvPath):10: column 'email': expected an email like name@example.com, got '************well'")
    }
}
