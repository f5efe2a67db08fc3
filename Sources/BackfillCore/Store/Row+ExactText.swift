import Foundation
import GRDB

/// Reading a TEXT column that may hold a NUL (a stored input record, `input_row.raw`: a rejected row may carry a
/// control character, and the failures export must give it back whole). GRDB reads TEXT as a C string, which ends
/// at the first NUL, so such a column is selected as `CAST(column AS BLOB)` (`ExactText.select`) and read here as
/// its bytes.
package enum ExactText {
    /// `CAST(expression AS BLOB)`: SQLite then hands over every byte of the text.
    package static func select(_ expression: String) -> String { "CAST(\(expression) AS BLOB)" }
}

extension Row {
    /// The exact text of a column selected with `ExactText.select`; nil for NULL.
    package func exactText(_ column: String) -> String? {
        (self[column] as Data?).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The exact text of the column at `index`, selected with `ExactText.select`; nil for NULL.
    package func exactText(_ index: Int) -> String? {
        (self[index] as Data?).map { String(decoding: $0, as: UTF8.self) }
    }
}
