import Synchronization

/// The one lock in the sandbox: it protects the `SandboxLedger` (participants, idempotency memory,
/// rate-limit window, fault generator, counters). Every critical section is a few dictionary operations;
/// nothing awaits or does I/O while holding it.
final class SharedLedger: Sendable {
    private let ledger: Mutex<SandboxLedger>

    init(_ ledger: SandboxLedger) {
        self.ledger = Mutex(ledger)
    }

    func withLock<Result: Sendable>(_ body: (inout SandboxLedger) -> Result) -> Result {
        ledger.withLock { body(&$0) }
    }
}
