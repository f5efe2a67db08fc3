import BackfillStore
import Foundation
import GRDB
import ParticipantAPI

/// `backfill report --moves`: one CSV row per change of jurisdiction in a participant's accepted history, for a
/// compliance team (the release note's New York rule). Columns: `participant_code`, `platform_updated_at` (ISO 8601
/// with milliseconds) and `platform_updated_at_ms` (epoch milliseconds), `from`, `to` (ISO 3166-2 where known, else the country, under `zerohash`; `country/state`
/// under `ndax`), one `direction_<code>` per watched jurisdiction (`into`, `out_of`, or empty), and `state` on the
/// target (`sent`, `pending`, `held`, `failed`). Only jurisdictions: no street, city or zip is ever written, with or
/// without `--redact`. Ingest refuses the file: it is not a changes file.
public struct MovesReport: Sendable {
    public var watch: [String]

    public init(watch: [String]) {
        self.watch = watch
    }

    public var header: [String] { ["participant_code", "platform_updated_at", "platform_updated_at_ms"] + ReportColumn.movesColumns
        + watch.map { "direction_\($0)" } + ["state"] }

    /// Writes the report; returns the number of moves.
    public func write(_ db: Database, to sink: ReportSink, scope: TargetScope) throws -> Int {
        let contract = try ContractSetting.stored(db)
        try sink.write(CSVText.line(header) + "\n")
        var n = 0
        try MoveReads.forEach(db, scope: scope) { row in
            n += 1
            let directions = watch.map { code -> String in
                if row.move.to.code == code && row.move.from.code != code { return "into" }
                if row.move.from.code == code && row.move.to.code != code { return "out_of" }
                return ""
            }
            try sink.write(CSVText.line([row.participantCode, Self.iso8601Milliseconds(row.movedAt), String(row.movedAt),
                                         Self.text(row.move.from, contract), Self.text(row.move.to, contract)]
                                        + directions + [row.state.rawValue]) + "\n")
        }
        return n
    }

    /// `2022-08-01T00:00:00.000Z`: always with its milliseconds.
    static func iso8601Milliseconds(_ ms: Int64) -> String {
        let text = ISOTime.text(epochMilliseconds: ms)
        guard !text.contains("."), text.hasSuffix("Z") else { return text }
        return text.dropLast() + ".000Z"
    }

    /// A place as the report writes it.
    static func text(_ place: JurisdictionMove.Place, _ contract: Contract) -> String {
        switch contract {
        case .zerohash: place.code ?? place.country
        case .ndax: place.state.map { "\(place.country)/\($0)" } ?? place.country
        }
    }
}
