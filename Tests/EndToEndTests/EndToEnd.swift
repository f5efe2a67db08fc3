import Testing

/// Every end-to-end suite, run one test at a time: each starts a sandbox, and several measure time
/// (the 429 pause) or run the built binary, which must not compete with one another for 2 cores.
@Suite(.serialized) enum EndToEnd {}
