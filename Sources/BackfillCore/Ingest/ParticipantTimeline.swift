import BackfillStore
import ParticipantAPI

/// What one participant's accepted history says beyond its own job: the email addresses it gave up (for the
/// email handovers between participants) and the changes of jurisdiction it made (for `report --moves`). Pure:
/// computed from the rows in fold order on the fold's threads.
package enum ParticipantTimeline {
    /// Addresses the participant had and gave up, with the instant of the row that changed each (the last time,
    /// if it had the address twice), apart from the one it ends with. Rejected rows count for nothing. Emails
    /// compare as the bytes the fold keeps.
    package static func releases(_ rows: [Fold.Row]) -> [EmailRelease] {
        var current: String?
        // Keyed by bytes: Swift's String hashing is canonical equivalence, and an NFD address is another address.
        var released: [[UInt8]: (email: String, at: Int64)] = [:]
        var order: [[UInt8]] = []
        for row in rows where row.rejection == nil {
            guard let email = row.values[Field.email.order], !email.isEmpty, let at = row.platformUpdatedAt else { continue }
            if let held = current, !held.utf8.elementsEqual(email.utf8) {
                let key = Array(held.utf8)
                if released.updateValue((held, at), forKey: key) == nil { order.append(key) }
            }
            current = email
        }
        guard let final = current.map({ Array($0.utf8) }) else { return [] }
        return order.filter { $0 != final }.compactMap { released[$0] }.map { EmailRelease(email: $0.email, releasedAt: $0.at) }
    }

    /// Each change of jurisdiction in the accepted rows, oldest first. A row names a jurisdiction when it gives a
    /// country; its state (`ndax`) or `jurisdiction_code` (`zerohash`) refines it. A row that only repeats where the
    /// participant already is moves nothing; the first known jurisdiction is where it starts, not a move.
    package static func moves(_ rows: [Fold.Row], contract: Contract) -> [JurisdictionMove] {
        var here: JurisdictionMove.Place?
        var out: [JurisdictionMove] = []
        for row in rows where row.rejection == nil {
            guard let country = row.values[Field.country.order], !country.isEmpty, let at = row.platformUpdatedAt else { continue }
            let place = Self.place(country: country, row: row, contract: contract)
            if let from = here, from != place {
                // Two rows at one instant fold to the later one: one move at that instant.
                if let last = out.last, last.movedAt == at {
                    out[out.count - 1].to = place
                    if out[out.count - 1].from == place { out.removeLast() }
                } else {
                    out.append(JurisdictionMove(movedAt: at, from: from, to: place))
                }
            }
            here = place
        }
        return out
    }

    private static func place(country: String, row: Fold.Row, contract: Contract) -> JurisdictionMove.Place {
        switch contract {
        case .zerohash:
            // The fold keeps alpha-3 and an ISO 3166-2 code already.
            let code = row.values[Field.jurisdictionCode.order].flatMap { $0.isEmpty ? nil : $0 }
            return JurisdictionMove.Place(country: country, state: code.flatMap { ISO3166.subdivision(code: $0) }.map { String($0.localCode) },
                                          code: code)
        case .ndax:
            let state = row.values[Field.state.order].flatMap { $0.isEmpty ? nil : $0 }
            let code = state.flatMap { s in ISO3166.country(country).flatMap { ISO3166.subdivision(s, in: $0)?.code } }
            return JurisdictionMove.Place(country: country, state: state, code: code)
        }
    }
}

