import Foundation

/// Reads and normalizes rows on a thread of its own, handing them over in batches, so that parsing one batch
/// overlaps storing the previous one (the two halves of an ingest each take one of the machine's cores).
///
/// The row source is touched only by the reading thread until `next()` returns nil; after that (the end is
/// published under the lock) the caller may read the source's notes and header. The lock, `condition`,
/// protects `batches`, `done`, `failure` and `cancelled`.
final class RowPipeline: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [[InputRow]] = []
    private var done = false
    private var failure: (any Error)?
    private var cancelled = false
    private let exited = DispatchSemaphore(value: 0)
    /// Batches read ahead at most: memory stays flat.
    private let capacity = 4

    /// Starts reading. `finish` runs on the reading thread after the last row (e.g. to drain the input).
    init(source: any RowSource, batchSize: Int = 1024, finish: @escaping () throws -> Void) {
        // Handed to the reading thread, which is the only one to use them until the end is published.
        nonisolated(unsafe) let source = source
        nonisolated(unsafe) let finish = finish
        let thread = Thread { [self] in
            defer { exited.signal() }
            do {
                var batch: [InputRow] = []
                batch.reserveCapacity(batchSize)
                while let row = try source.next() {
                    batch.append(row)
                    if batch.count == batchSize {
                        guard put(batch) else { return }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { guard put(batch) else { return } }
                try finish()
                end(nil)
            } catch {
                end(error)
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// The next batch, nil at the end; rethrows the reading thread's error (a file-level error).
    func next() throws -> [InputRow]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !done { condition.wait() }
        if !batches.isEmpty {
            let batch = batches.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the reading thread (the caller failed) and waits for it to exit.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
        exited.wait()
    }

    /// Waits for the reading thread to exit after `next()` returned nil.
    func join() {
        exited.wait()
    }

    private func put(_ batch: [InputRow]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    private func end(_ error: (any Error)?) {
        condition.lock()
        done = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }
}
