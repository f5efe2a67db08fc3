import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// A report page parsed as XML (the calling test fails when it is not well-formed): its sections' ids in
/// order, element and class counts, and its text.
final class PageXML: NSObject, XMLParserDelegate {
    var sections: [String] = []
    var elements: [String: Int] = [:]
    var classes: [String: Int] = [:]
    var text = ""

    static func parse(_ page: String, sourceLocation: SourceLocation = #_sourceLocation) -> PageXML {
        let parser = XMLParser(data: Data(page.utf8))
        let reader = PageXML()
        parser.delegate = reader
        #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)",
                sourceLocation: sourceLocation)
        return reader
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements[name, default: 0] += 1
        if name == "section", let id = attributes["id"] { sections.append(id) }
        if let c = attributes["class"] { classes[c, default: 0] += 1 }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
}
