import BackfillStore
/// Text for the HTML page, which is written as well-formed XHTML (it parses as XML): every dynamic string
/// goes through `escape`, and the only entities used are XML's own.
enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` as character references; control characters other than tab and line ends
    /// (not allowed in XML) dropped.
    static func escape(_ text: String) -> String { xmlText(text, markup: true) }

    /// Text for Plot's `.text`, which escapes `<` and `>` but keeps entity-shaped text (`&amp;`, `&nbsp;`) as it
    /// is: every `&` becomes `&amp;` (which Plot keeps), and characters XML does not allow are dropped, so the
    /// page shows the text exactly and still parses as XML.
    static func plotSafe(_ text: String) -> String { xmlText(text, markup: false) }

    /// `&` as `&amp;`, and with `markup` also `<`, `>`, `"`, `'`; characters XML does not allow dropped.
    private static func xmlText(_ text: String, markup: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<" where markup: out += "&lt;"
            case ">" where markup: out += "&gt;"
            case "\"" where markup: out += "&quot;"
            case "'" where markup: out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A number for SVG attributes: at most one decimal.
    static func num(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// `HH:MM:SS` (UTC) of epoch milliseconds, for time axes.
    static func clock(_ ms: Int64) -> String {
        let iso = ReportTime.iso8601(ms - ms % 1000)
        let t = iso.firstIndex(of: "T")!
        return String(iso[iso.index(after: t)...].prefix(8))
    }

    /// Thousands separated: `1,234,567`.
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }
}
