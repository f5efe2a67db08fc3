/// A word of the stored vocabulary (a state, an outcome, a class), as SQL text writes it: quoted, as a literal.
///
/// The SQL is written with the enums' values, never with string literals of its own. Values go into the text as
/// literals rather than as bound arguments because SQLite uses a partial index (`WHERE status = 'rejected'`) only
/// when the query names the same literal, and a state in a query is a constant of the query, not an input. Raw
/// values are plain identifiers (letters and `_`), so quoting them is all there is to it.
package protocol SQLWord: RawRepresentable where RawValue == String {}

extension SQLWord {
    /// The raw value as a quoted SQL literal.
    package var sql: String { "'\(rawValue)'" }
}

extension Sequence where Element: SQLWord {
    /// The quoted raw values in parentheses, for `IN`.
    package var sql: String { "(" + map(\.sql).joined(separator: ", ") + ")" }
}
