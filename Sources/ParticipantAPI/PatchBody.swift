/// The body of one `PATCH /participants/customers/{participant_code}` request.
///
/// Its bytes are canonical: `request_id` first (when present), then the provided fields in the API's order,
/// then `platform_updated_at`; compact JSON, UTF-8. The same content always gives the same bytes.
public struct PatchBody: Sendable, Equatable {
    /// Provided fields. `address_two` may be `""`: "no second line".
    public var values: FieldValues
    /// The provided fields as a dictionary.
    public var fields: [Field: String] {
        get { values.dictionary }
        set { values = FieldValues(newValue) }
    }
    /// Epoch milliseconds of the newest change folded in.
    public var platformUpdatedAt: Int64
    /// The idempotency key, or nil.
    public var requestID: String?

    public init(fields: [Field: String], platformUpdatedAt: Int64, requestID: String? = nil) {
        self.init(values: FieldValues(fields), platformUpdatedAt: platformUpdatedAt, requestID: requestID)
    }

    public init(values: FieldValues, platformUpdatedAt: Int64, requestID: String? = nil) {
        self.values = values
        self.platformUpdatedAt = platformUpdatedAt
        self.requestID = requestID
    }

    /// The canonical bytes under the seed's contract (`ndax`).
    public func bytes() -> [UInt8] {
        bytes(contract: .ndax)
    }

    /// The canonical bytes under `contract`: its fields in its order (`Contract.bodyOrder`; under `zerohash` the
    /// postal code is `zip` for `USA` and `postal_code` elsewhere), `platform_updated_at` last.
    public func bytes(contract: Contract) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(UInt8(ascii: "{"))
        if let requestID {
            JSONWriter.writeString(WireKey.requestID, into: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.writeString(requestID, into: &out)
            out.append(UInt8(ascii: ","))
        }
        for field in contract.bodyOrder {
            guard let v = values[field] else { continue }
            JSONWriter.writeString(contract.key(field, country: values[.country]), into: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.writeString(v, into: &out)
            out.append(UInt8(ascii: ","))
        }
        JSONWriter.writeString(WireKey.platformUpdatedAt, into: &out)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: String(platformUpdatedAt).utf8)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The bytes of the same body with a request_id inserted first: `{"request_id":"...",` + the rest.
    public static func inserting(requestID: String, into payload: [UInt8]) -> [UInt8] {
        precondition(payload.first == UInt8(ascii: "{"), "a JSON object")
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + requestID.utf8.count + 16)
        out.append(UInt8(ascii: "{"))
        JSONWriter.writeString(WireKey.requestID, into: &out)
        out.append(UInt8(ascii: ":"))
        JSONWriter.writeString(requestID, into: &out)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: payload.dropFirst())
        return out
    }
}
