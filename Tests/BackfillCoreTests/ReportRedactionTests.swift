@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
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
        // The unredacted failures export does hold the values (so the check below can fail); BADEM1 is held only
        // by its rejected row, which has no name, so its name (from an accepted row) is in no export.
        for value in ReportFixture.failingValues where value != "Beatrix" && value != "Badwell" {
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
        #expect(records.first == FailureRow.columns(extra: [], redacted: true))
        let rows = records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(records[0], $0)) }
        #expect(rows.allSatisfy { $0["backfill_redacted"] == "true" })
        let fail = try #require(rows.first { $0["participant_code"] == "FAIL01" })
        #expect(fail["first_name"] == "Z.")
        #expect(fail["last_name"] == "O. J.")
        #expect(fail["email"] == "*****************.com")
        #expect(fail["id_number"] == "*****5432")
        #expect(fail["city"] == "Austin")
        #expect(fail["backfill_message"] == "email *****************.com is already used by another participant")
        let bad = try #require(rows.first { $0["participant_code"] == "BADEM1" })
        #expect(bad["email"] == "************well")
        #expect(bad["backfill_message"] == "column 'email': expected an email like name@example.com, got '************well'")
    }

    @Test func jsonlLinesOfARedactedExportEndWithTheMark() throws {
        let fixture = try ReportFixture(scratch: scratch)
        for line in try fixture.failures(.jsonl, redact: true).split(separator: "\n") {
            guard case .object(let members) = try JSONParser.parse(Array(line.utf8)) else {
                Issue.record("not an object: \(line)")
                continue
            }
            #expect(members.last?.key == "backfill_redacted")
            #expect(members.last?.value == .bool(true))
        }
    }

    @Test func otherColumnsOfARejectedRowAreMaskedWhole() throws {
        let queue = try scratch.database()
        let csv = try scratch.write("dob.csv", """
            participant_code,platform_updated_at,first_name,Date of Birth,Tax ID,Notes
            AB12CD,2024-01-01,Ann,1990-01-01,123-45-6789,call her at 555-0100
            """)
        _ = try Ingester(database: queue, options: .testing()).ingest(path: csv)
        let file = try FailuresFile.export(queue, scratch: scratch, redact: true)
        let row = try #require(file.rows.first)
        #expect(row["first_name"] == "A.")
        #expect(row["date_of_birth"] == "******1-01")
        #expect(row["tax_id"] == "*******6789")
        #expect(row["notes"] == "****************0100")
        #expect(row["backfill_message"] == "Cannot update the requested fields: date_of_birth, tax_id")
    }
}
