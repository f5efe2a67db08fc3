import BackfillStore
import Plot

/// The page's nodes, built with Plot so that text is escaped by default.
///
/// Plot escapes `<` and `>` in text but keeps anything shaped like an entity (`&amp;`, `&nbsp;`, `&#39;`) as it
/// is, and it writes attribute values verbatim. So every dynamic string goes through `text`, which drops what
/// XML forbids and turns each `&` into `&amp;` first (Plot then keeps that entity, and escapes the rest), and
/// every attribute value through `attribute` (fully escaped). Only numbers and constants are written raw.
typealias HNode = Node<HTML.BodyContext>

enum H {
    /// Escaped text.
    static func text(_ text: String) -> HNode {
        .text(HTMLText.plotSafe(text))
    }

    /// An element with attributes (escaped) and children.
    static func el(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ children: [HNode] = []) -> HNode {
        .element(named: name, nodes: attributes.map { HNode.attribute(named: $0.key, value: HTMLText.escape($0.value)) } + children)
    }

    /// An element with attributes and one text child.
    static func el(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text: String) -> HNode {
        el(name, attributes, [H.text(text)])
    }

    /// A self-closed element (`<rect .../>`).
    static func leaf(_ name: String, _ attributes: KeyValuePairs<String, String>) -> HNode {
        .selfClosedElement(named: name, attributes: attributes.map { Attribute<HTML.BodyContext>(name: $0.key, value: HTMLText.escape($0.value)) })
    }

    /// `<code>text</code>`.
    static func code(_ text: String) -> HNode { el("code", text: text) }

    /// A `<p>` of mixed nodes.
    static func p(_ children: [HNode], class name: String? = nil) -> HNode {
        name.map { el("p", ["class": $0], children) } ?? el("p", [:], children)
    }

    /// A table: a header row (a leading `#` in a heading makes a numeric column) and rows of cells.
    static func table(_ headings: [String], _ rows: [[HNode]], numeric: Set<Int> = [], class name: String? = nil) -> HNode {
        let head = el("thead", [:], [el("tr", [:], headings.enumerated().map { i, h in
            numeric.contains(i) ? el("th", ["class": "n"], text: h) : el("th", [:], text: h)
        })])
        let body = el("tbody", [:], rows.map { cells in
            el("tr", [:], cells.enumerated().map { i, cell in numeric.contains(i) ? el("td", ["class": "n"], [cell]) : el("td", [:], [cell]) })
        })
        return name.map { el("table", ["class": $0], [head, body]) } ?? el("table", [:], [head, body])
    }

    static func group(_ nodes: [HNode]) -> HNode { .group(nodes) }
}
