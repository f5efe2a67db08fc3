import Foundation

/// Reads and normalizes rows off the database thread, handing them over in batches in input order, so that
/// storing one batch overlaps reading and normalizing the next ones and the work takes both of the machine's
/// cores.
///
/// One thread reads records in input order (`RowSource.nextRecord`: the CSV grammar, JSONL lines). Making a
/// CSV record into a row (normalizing and checking it: most of the work) is spread over `makers` threads,
/// batch by batch; the caller gets the batches back in input order.
///
/// The row source is touched only by these threads until `next()` returns nil; after that (the end is
/// published under the lock) the caller may read the source's notes and header. The lock, `condition`,
/// protects every `var` below.
final class RowPipeline: @unchecked Sendable {
    private let condition = NSCondition()
    /// Read, waiting for a maker: (sequence number, records).
    private var toMake: [(Int, [SourceRecord])] = []
    /// Made, by sequence number, waiting for the caller.
    private var made: [Int: [InputRow]] = [:]
    /// Batches read and not yet handed to the caller.
    private var outstanding = 0
    private var nextToHand = 0
    private var readBatches = 0
    private var done = false
    private var failure: (any Error)?
    private var cancelled = false
    private var running: Int
    private let exited = DispatchSemaphore(value: 0)
    /// Batches in the pipeline at most: memory stays flat.
    private let capacity = 4

    /// Starts reading. `finish` runs on the reading thread after the last row (e.g. to drain the input).
    init(source: any RowSource, batchSize: Int = 1024, makers: Int = 2, finish: @escaping () throws -> Void) {
        running = 1 + makers
        // Handed to the pipeline's threads, which are the only ones to use them until the end is published;
        // the makers only call `makeRow`, which the protocol makes safe to call concurrently.
        nonisolated(unsafe) let source = source
        nonisolated(unsafe) let finish = finish
        let reader = Thread { [self] in
            defer { exit() }
            do {
                var batch: [SourceRecord] = []
                batch.reserveCapacity(batchSize)
                while let record = try source.nextRecord() {
                    batch.append(record)
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
        reader.stackSize = 1 << 20
        reader.start()
        for _ in 0..<makers {
            let maker = Thread { [self] in
                defer { exit() }
                while let (sequence, records) = take() {
                    let rows = records.map { record -> InputRow in
                        switch record {
                        case .row(let row): row
                        case .csv(let csv): source.makeRow(csv)
                        }
                    }
                    condition.lock()
                    made[sequence] = rows
                    condition.broadcast()
                    condition.unlock()
                }
            }
            maker.stackSize = 1 << 20
            maker.start()
        }
    }

    /// The next batch in input order, nil at the end; rethrows the reading thread's error (a file-level error)
    /// once the batches read before it are handed over.
    func next() throws -> [InputRow]? {
        condition.lock()
        defer { condition.unlock() }
        while made[nextToHand] == nil && !(done && nextToHand == readBatches) { condition.wait() }
        if let batch = made.removeValue(forKey: nextToHand) {
            nextToHand += 1
            outstanding -= 1
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the pipeline's threads (the caller failed) and waits for them to exit.
    func cancel() {
        condition.lock()
        cancelled = true
        toMake.removeAll()
        condition.broadcast()
        condition.unlock()
        exited.wait()
    }

    /// Waits for the pipeline's threads to exit after `next()` returned nil.
    func join() {
        exited.wait()
    }

    private func put(_ batch: [SourceRecord]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while outstanding >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        toMake.append((readBatches, batch))
        readBatches += 1
        outstanding += 1
        condition.broadcast()
        return true
    }

    private func take() -> (Int, [SourceRecord])? {
        condition.lock()
        defer { condition.unlock() }
        while toMake.isEmpty && !done && !cancelled { condition.wait() }
        return toMake.isEmpty ? nil : toMake.removeFirst()
    }

    private func end(_ error: (any Error)?) {
        condition.lock()
        done = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The last of the pipeline's threads to exit signals `exited`.
    private func exit() {
        condition.lock()
        running -= 1
        let last = running == 0
        if cancelled || done { condition.broadcast() }
        condition.unlock()
        if last { exited.signal() }
    }
}
