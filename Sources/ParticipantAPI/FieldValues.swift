/// Values of the updatable fields, stored by `Field.order` (no hashing on the per-row and per-participant paths).
/// nil = not provided.
public struct FieldValues: Sendable, Equatable {
    public private(set) var storage: [String?]

    public init() {
        storage = Array(repeating: nil, count: Field.allCases.count)
    }

    public init(_ dictionary: [Field: String]) {
        self.init()
        for (field, value) in dictionary { storage[field.order] = value }
    }

    public subscript(field: Field) -> String? {
        get { storage[field.order] }
        set { storage[field.order] = newValue }
    }

    /// The provided fields, in the API's order.
    public var present: [Field] { Field.allCases.filter { storage[$0.order] != nil } }

    public var isEmpty: Bool { storage.allSatisfy { $0 == nil } }

    public var dictionary: [Field: String] {
        var d: [Field: String] = [:]
        for f in Field.allCases { if let v = storage[f.order] { d[f] = v } }
        return d
    }
}
