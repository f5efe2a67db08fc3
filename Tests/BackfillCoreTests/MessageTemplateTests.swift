@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import GRDB
import ParticipantAPI
import Testing

/// `report --summary` counts messages by template: the participant's code, request_ids and emails become
/// placeholders, so one kind of answer is one line however many participants got it.
struct MessageTemplateTests {
    let scratch = ScratchDirectory()

    @Test func theParticipantsOwnCodeBecomesAPlaceholder() {
        #expect(MessageTemplate.of(APIMessage.notACustomer("QX9Z01"), participantCode: "QX9Z01")
            == "Participant {participant_code} is not a customer")
        #expect(MessageTemplate.of(APIMessage.notACustomerOf("qx9z01", platform: "PLAT01"), participantCode: "QX9Z01")
            == "Participant {participant_code} is not a customer of PLAT01")
        #expect(MessageTemplate.of("unknown participant: QX9Z01.", participantCode: "QX9Z01")
            == "unknown participant: {participant_code}.")
        // Another participant's code, or a word that only contains the code, stays.
        #expect(MessageTemplate.of("Participant AB12CD is not a customer", participantCode: "QX9Z01")
            == "Participant AB12CD is not a customer")
        #expect(MessageTemplate.of("QX9Z01X is odd", participantCode: "QX9Z01") == "QX9Z01X is odd")
    }

    @Test func requestIDsAndEmailsBecomePlaceholders() {
        #expect(MessageTemplate.of("request_id 5ff07519-4EA0-570c-9cd1-967ccb8469b0 was already used with another payload",
                                   participantCode: nil)
            == "request_id {request_id} was already used with another payload")
        #expect(MessageTemplate.of("request_id=5ff07519-4ea0-570c-9cd1-967ccb8469b0", participantCode: nil) == "request_id={request_id}")
        #expect(MessageTemplate.of("email 'ann@example.com' is taken (by bo@example.org)", participantCode: nil)
            == "email '{email}' is taken (by {email})")
        // The API's own example address is wording, not anyone's email.
        #expect(MessageTemplate.of("column 'email': expected an email like name@example.com, got 'x@@y'", participantCode: nil)
            == "column 'email': expected an email like name@example.com, got '{email}'")
        #expect(MessageTemplate.of("not a uuid: 5ff07519-4ea0-570c-9cd1-967ccb8469bz", participantCode: nil)
            == "not a uuid: 5ff07519-4ea0-570c-9cd1-967ccb8469bz")
    }

    @Test func theSQLFunctionGivesTheSameTemplate() throws {
        let queue = try scratch.database()
        let template = try queue.read { db -> String? in
            db.add(function: MessageTemplate.sqlFunction)
            return try String.fetchOne(db, sql: "SELECT backfill_message_template(?, ?)",
                                       arguments: ["Participant QX9Z01 is not a customer", "QX9Z01"])
        }
        #expect(template == "Participant {participant_code} is not a customer")
        #expect(try queue.read { db in
            db.add(function: MessageTemplate.sqlFunction)
            return try String.fetchOne(db, sql: "SELECT backfill_message_template(NULL, 'QX9Z01')")
        } == nil)
    }
}

/// Numbers and the values row checks quote become placeholders too.
struct MessageTemplateNumberTests {
    @Test func numbersBecomePlaceholders() {
        #expect(MessageTemplate.of("Request timestamp is more than 60 seconds away from the server time", participantCode: nil)
            == "Request timestamp is more than {n} seconds away from the server time")
        #expect(MessageTemplate.of("column 'city': expected at most 256 characters (--max-field-length), got 300", participantCode: nil)
            == "column 'city': expected at most {n} characters (--max-field-length), got {n}")
        #expect(MessageTemplate.of("retry after 1.5 s; -3 left, 42.", participantCode: nil) == "retry after {n} s; {n} left, {n}.")
        // Words that only contain digits stay, and the participant's own all-digit code is the code.
        #expect(MessageTemplate.of("PLAT01 refused U+0001 in 12345-6789", participantCode: nil) == "PLAT01 refused U+0001 in 12345-6789")
        #expect(MessageTemplate.of("Participant 123456 is not a customer", participantCode: "123456")
            == "Participant {participant_code} is not a customer")
        #expect(MessageTemplate.isNumber("1.2.3") == false)
    }

    @Test func quotedValuesOfRowChecksBecomePlaceholders() {
        #expect(MessageTemplate.of("column 'zip': expected 12345 or 12345-6789, got '1234'", participantCode: nil)
            == "column 'zip': expected {n} or 12345-6789, got '{n}'")
        #expect(MessageTemplate.of("column 'Address Line 1': PO Box addresses are not accepted, got 'PO Box 12'; column 'E-mail': expected an email like name@example.com, got 'a@@b'", participantCode: nil)
            == "column 'Address Line 1': PO Box addresses are not accepted, got '{value}'; column 'E-mail': expected an email like name@example.com, got '{email}'")
        #expect(MessageTemplate.of("got 'it's odd'", participantCode: nil) == "got '{value}'")
    }
}
