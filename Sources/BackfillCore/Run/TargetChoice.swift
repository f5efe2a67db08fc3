import BackfillStore
import Foundation
import ParticipantAPI

/// Which target a command means, and where that came from. Explicit flags win: `BACKFILL_BASE_URL` and
/// `BACKFILL_PROFILE` (from a `--credentials` file first, then the environment) are used only when none of
/// `--env`, `--profile`, `--base-url` is given.
public struct TargetChoice: Sendable, Equatable {
    public static let baseURLVariable = "BACKFILL_BASE_URL"
    public static let profileVariable = "BACKFILL_PROFILE"

    public var profile: Profile
    public var environment: Environment
    /// Nil: the profile's documented host for `environment`.
    public var baseURL: String?
    /// Where the choice came from, for the first line of a run: `--base-url`, `BACKFILL_BASE_URL`, `default`...
    public var origin: String

    public var target: Target {
        Target(profile: profile, baseURL: baseURL ?? profile.baseURL(environment: environment))
    }

    /// The flags as given (nil when absent).
    public struct Flags: Sendable, Equatable {
        public var profile: String?
        public var env: String?
        public var baseURL: String?

        public init(profile: String? = nil, env: String? = nil, baseURL: String? = nil) {
            self.profile = profile
            self.env = env
            self.baseURL = baseURL
        }

        public var isEmpty: Bool { profile == nil && env == nil && baseURL == nil }
    }

    /// Checks the flags alone: `--env` with `--base-url` is refused, values must be known.
    public static func validate(_ flags: Flags) throws {
        if flags.env != nil && flags.baseURL != nil {
            throw BackfillError("bad_option", "--env and --base-url both name a host: give one of them")
        }
        if let p = flags.profile, Profile(rawValue: p.lowercased()) == nil {
            throw BackfillError("bad_option", "--profile '\(p)': expected zerohash or ndax")
        }
        if let e = flags.env, Environment(rawValue: e.lowercased()) == nil {
            throw BackfillError("bad_option", "--env '\(e)': expected cert or prod")
        }
    }

    /// The target the flags name, or nil when none is given (a read command then describes the latest run's).
    public static func explicit(_ flags: Flags) throws -> Target? {
        try validate(flags)
        guard !flags.isEmpty else { return nil }
        return try resolve(flags, file: nil, environment: [:]).target
    }

    /// The target of a run.
    /// - Parameters:
    ///   - file: the `--credentials` file's values and its path, when one is given.
    ///   - environment: the process environment.
    public static func resolve(_ flags: Flags, file: (values: [String: String], path: String)?,
                               environment: [String: String]) throws -> TargetChoice {
        try validate(flags)
        if !flags.isEmpty {
            let profile = flags.profile.flatMap { Profile(rawValue: $0.lowercased()) } ?? .zerohash
            let env = flags.env.flatMap { Environment(rawValue: $0.lowercased()) } ?? .cert
            let origin = flags.baseURL != nil ? "--base-url" : flags.env != nil ? "--env \(env.rawValue)" : "--profile \(profile.rawValue)"
            return TargetChoice(profile: profile, environment: env, baseURL: flags.baseURL, origin: origin)
        }
        func lookup(_ name: String) -> (value: String, origin: String)? {
            if let file, let v = file.values[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty {
                return (v, "\(name) in \(file.path)")
            }
            if let v = environment[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty { return (v, name) }
            return nil
        }
        var profile = Profile.zerohash
        let profileVariable = lookup(profileVariable)
        if let p = profileVariable {
            guard let parsed = Profile(rawValue: p.value.lowercased()) else {
                throw BackfillError("bad_option", "\(p.origin) = '\(p.value)': expected zerohash or ndax")
            }
            profile = parsed
        }
        // The origin names where the host came from; the profile is printed beside it.
        let url = lookup(baseURLVariable)
        return TargetChoice(profile: profile, environment: .cert, baseURL: url?.value,
                            origin: url?.origin ?? profileVariable?.origin ?? "default")
    }
}
