import BackfillStore
/// The page's inline style sheet (no `<`, `>` or `&` in it: Plot writes it as is).
extension HTMLReport {
    static let style = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #263238; margin: 0 auto; max-width: 1100px; padding: 24px; background: #fafafa; }
        h1 { font-size: 24px; margin: 0 0 4px; }
        h2 { font-size: 18px; margin: 0 0 12px; }
        .sub { color: #607d8b; margin: 0 0 20px; }
        section { background: #fff; border: 1px solid #e0e0e0; border-radius: 8px; padding: 16px 20px; margin: 0 0 18px; }
        .cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 16px; }
        .card { flex: 1 1 160px; border-radius: 6px; padding: 10px 14px; background: #f5f7f8; border-left: 5px solid #90a4ae; }
        .card .big { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
        .card.ok { border-left-color: #2e7d32; } .card.bad { border-left-color: #c62828; }
        .card.warn { border-left-color: #ef8f00; } .card.wait { border-left-color: #1e88e5; }
        p.ok { color: #2e7d32; font-weight: 600; }
        p.alert { background: #ffebee; border-left: 4px solid #c62828; padding: 8px 12px; }
        .chart { width: 100%; height: auto; display: block; margin: 4px 0; }
        .chart .grid { stroke: #eceff1; stroke-width: 1; }
        .chart .axis { stroke: #90a4ae; stroke-width: 1; }
        .chart .limit { stroke: #d32f2f; stroke-width: 1.5; }
        .chart .configured { stroke: #37474f; stroke-width: 1.5; stroke-dasharray: 6 4; }
        .chart .run-start { stroke: #90a4ae; stroke-width: 1; stroke-dasharray: 2 3; }
        .chart .mark { stroke: #37474f; stroke-width: 1; stroke-dasharray: 3 3; }
        .chart .mark.max { stroke: #c62828; }
        .chart .tick { font-size: 11px; fill: #607d8b; }
        .chart .caption { font-size: 11px; fill: #78909c; font-style: italic; }
        .chart .panel-title { font-size: 13px; font-weight: 600; fill: #37474f; }
        .chart .mark-label { font-size: 11px; font-weight: 600; fill: #37474f; }
        .chart .limit-label { font-size: 11px; font-weight: 600; fill: #d32f2f; }
        .chart .configured-label { font-size: 11px; fill: #37474f; }
        .chart .count-label { font-size: 10px; fill: #455a64; }
        .chart .count-label.timeout { fill: #c62828; font-weight: 600; }
        .chart .muted, .muted { fill: #90a4ae; color: #90a4ae; }
        .legend { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 6px 18px; }
        .swatch { display: inline-block; width: 14px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
        ul.plain { margin: 10px 0 0; padding-left: 18px; color: #455a64; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #eceff1; }
        th { font-weight: 600; color: #455a64; background: #f5f7f8; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td code { white-space: nowrap; }
        .msg { overflow-wrap: anywhere; }
        .src { color: #607d8b; font-size: 12px; overflow-wrap: anywhere; }
        .small { font-size: 12px; color: #607d8b; font-weight: normal; white-space: normal; }
        code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f1f3f4; padding: 1px 4px; border-radius: 3px; }
        code.cmd { display: inline-block; white-space: pre-wrap; overflow-wrap: anywhere; background: #263238; color: #eceff1; padding: 3px 8px; margin: 2px 0; }
        .cmds code.cmd { display: block; width: fit-content; max-width: 100%; box-sizing: border-box; }
        table.steps td:first-child { width: 1%; white-space: nowrap; }
        table.steps .words { margin: 0 0 4px; }
        table.classes td:nth-child(3) { min-width: 200px; max-width: 260px; }
        ul.templates, ul.problems { margin: 0; padding-left: 0; list-style: none; }
        ul.templates li, ul.problems li { margin: 0 0 4px; overflow-wrap: anywhere; }
        ul.templates .count { display: inline-block; min-width: 48px; font-variant-numeric: tabular-nums; font-weight: 600; }
        ul.templates .eg { color: #607d8b; font-size: 12px; white-space: nowrap; }
        """
}
