import Foundation

/// The one definition of "this machine" for the whole tool: `--rate unlimited` (a local sandbox only) and
/// `--metrics` (served beyond loopback only with `--metrics-listen-any`) both ask it.
///
/// A host is loopback when it is `localhost` (with or without the final dot), an IPv4 literal in 127.0.0.0/8
/// written as four decimal numbers, or the IPv6 literal `::1` (also in brackets, or as the IPv4-mapped
/// `::ffff:127.x.y.z`). It is decided from the text alone, without a DNS lookup: a name that merely starts with
/// `127.` (`127.example.com`) is a name like any other, and could resolve anywhere.
public enum Loopback {
    public static func isLoopback(host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "localhost." { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
        // ::ffff:127.x.y.z
        return bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
    }
}
