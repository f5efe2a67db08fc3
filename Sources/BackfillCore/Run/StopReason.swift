import BackfillStore
/// What a run-stopping answer was, in words: the fact the ledger and the summary keep. What the operator should
/// check (which flag, which variable) is the executable's to add, since it knows the command line.
public enum StopReason {
    /// `--max-lockouts` reached: one line saying what the run cost and what to do.
    public static func lockouts(_ n: Int, seconds: Double) -> String {
        "the run caused \(n) lockouts of the IP (\(Int(seconds)) s in all in which every request from this IP, the platform's own included, was refused); it stopped rather than keep hurting the platform: lower --rate (or `backfill rate` while a run goes), then `backfill resume`"
    }

    public static func message(_ errorClass: ErrorClass, status: Int?, apiMessage: String?) -> String {
        let api = apiMessage.map { ": \($0)" } ?? ""
        switch errorClass {
        case .unauthorized: return "401 Unauthorized\(api)"
        case .forbidden: return "\(status.map(String.init) ?? "403")\(api)"
        case .notFound: return "404 on PATCH /participants/customers/...\(api)"
        // A transport failure's message already names what failed ("TLS handshake with ... failed: ...",
        // "DNS lookup failed for ..."): it is the whole reason.
        case .tls: return apiMessage ?? "TLS failed"
        case .dns: return apiMessage ?? "DNS lookup failed"
        default: return "\(errorClass.rawValue)\(api)"
        }
    }
}
