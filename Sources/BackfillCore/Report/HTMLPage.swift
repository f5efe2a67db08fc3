/// The page's frame: head with the inline style sheet, sections in order, the closing tags.
struct HTMLPage {
    private var body = ""
    private let title: String

    init(title: String) {
        self.title = title
        body += "<h1>\(HTMLText.escape(title))</h1>"
    }

    mutating func paragraph(_ text: String, class name: String) {
        body += "<p class=\"\(name)\">\(HTMLText.escape(text))</p>"
    }

    /// A `<section id=...>` with a heading; `content` appends trusted markup (escape every dynamic string).
    mutating func section(_ id: String, _ heading: String, _ content: (inout String) -> Void) {
        var inner = ""
        content(&inner)
        body += "<section id=\"\(id)\"><h2>\(HTMLText.escape(heading))</h2>\(inner)</section>\n"
    }

    func finish() -> String {
        """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(HTMLText.escape(title))</title>
        <style>\(HTMLPage.style)</style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }

    static let style = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #263238; margin: 0 auto; max-width: 1000px; padding: 24px; background: #fafafa; }
        h1 { font-size: 24px; margin: 0 0 4px; }
        h2 { font-size: 18px; margin: 0 0 12px; }
        h3 { font-size: 15px; margin: 16px 0 8px; }
        .sub { color: #607d8b; margin: 0 0 20px; }
        section { background: #fff; border: 1px solid #e0e0e0; border-radius: 8px; padding: 16px 20px; margin: 0 0 18px; }
        .chart { width: 100%; height: auto; display: block; }
        .chart .grid { stroke: #eceff1; stroke-width: 1; }
        .chart .tick { font-size: 11px; fill: #607d8b; }
        .chart .muted, .muted { fill: #90a4ae; color: #90a4ae; }
        .legend { list-style: none; padding: 0; margin: 10px 0 0; display: flex; flex-wrap: wrap; gap: 18px; }
        .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid #eceff1; }
        th { font-weight: 600; color: #455a64; background: #f5f7f8; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.src { color: #607d8b; font-size: 12px; word-break: break-all; }
        code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f1f3f4; padding: 1px 4px; border-radius: 3px; }
        ul.examples { margin: 0; padding-left: 16px; }
        ul.examples li { word-break: break-word; }
        """
}
