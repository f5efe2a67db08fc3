import Foundation
import ParticipantAPI

/// Where requests go: a profile (header set) plus a base URL. A job's sending state, its attempts and the runs
/// belong to the target they were sent to, so one database can be rehearsed against a sandbox, canaried on
/// prod and then run on prod, each target keeping its own counts.
public struct Target: Sendable, Hashable, CustomStringConvertible {
    public var profile: Profile
    /// Without a trailing slash.
    public var baseURL: String

    public init(profile: Profile, baseURL: String) {
        self.profile = profile
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        // Scheme and host are case-insensitive: `HTTPS://API.ZEROHASH.COM` is prod, the same target as `--env prod`
        // (else its sending state would be kept apart and a later `--env prod` run would send everything again).
        if let separator = url.range(of: "://") {
            let authorityEnd = url[separator.upperBound...].firstIndex(of: "/") ?? url.endIndex
            url = url[..<authorityEnd].lowercased() + url[authorityEnd...]
        }
        self.baseURL = url
    }

    /// A documented host: `cert`, `prod` or `ndax`.
    public static func documented(profile: Profile, environment: Environment) -> Target {
        Target(profile: profile, baseURL: profile.baseURL(environment: environment))
    }

    /// The short name: `cert`, `prod`, `ndax` for the documented hosts, else the URL (with the profile when
    /// it is not the default one).
    public var name: String {
        switch (profile, baseURL) {
        case (.zerohash, Profile.zerohash.baseURL(environment: .cert)): return "cert"
        case (.zerohash, Profile.zerohash.baseURL(environment: .prod)): return "prod"
        case (.ndax, Profile.ndax.baseURL(environment: .prod)): return "ndax"
        default: return profile == .zerohash ? baseURL : "\(baseURL) (\(profile.rawValue))"
        }
    }

    public var description: String { name }

    /// The host part of the base URL.
    public var host: String? { URLComponents(string: baseURL)?.host?.lowercased() }

    /// A production host (Zero Hash prod, NDAX): real customers' data.
    public var isProduction: Bool { host.map(Profile.productionHosts.contains) ?? false }

    /// A host Zero Hash or NDAX documents (cert included): the documented rate limit applies.
    public var isDocumentedHost: Bool {
        guard let host else { return false }
        return Profile.allCases.contains { p in Environment.allCases.contains { URLComponents(string: p.baseURL(environment: $0))?.host == host } }
    }

    /// The contract a documented host speaks: Zero Hash's hosts (`cert`, `prod`) publish `zerohash`, NDAX's host
    /// the seed's `ndax`; nil for any other host (a sandbox says its own, a proxy nothing).
    public var documentedContract: Contract? {
        guard let host else { return nil }
        for environment in Environment.allCases where URLComponents(string: Profile.zerohash.baseURL(environment: environment))?.host == host {
            return .zerohash
        }
        if URLComponents(string: Profile.ndax.baseURL(environment: .prod))?.host == host { return .ndax }
        return nil
    }

    /// The loopback interface: a local sandbox (`Loopback`).
    public var isLoopback: Bool {
        host.map(Loopback.isLoopback(host:)) ?? false
    }
}

extension Target {
    /// The documented limit's check, the same for `--rate` and for `backfill rate`: never above 2000/10s for a
    /// documented host. `label` names the value in the message (`--rate 3000/10s`, `rate 3000/10s`).
    public func checkRate(_ rate: RateLimit, label: String) throws {
        if isDocumentedHost, rate.perSecond > RateLimit.documented.perSecond {
            throw BackfillError("rate_above_limit",
                                "\(label): above the documented limit of \(RateLimit.documented) (2,000 requests per rolling 10 seconds) for \(name); use at most 2000/10s")
        }
    }
}
