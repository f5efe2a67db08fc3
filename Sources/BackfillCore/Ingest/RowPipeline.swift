import BackfillStore
import Foundation

/// Reads and normalizes rows off the database thread, handing them over in batches in input order, so that
/// storing one batch overlaps reading and normalizing the next ones and the work takes both of the machine's
/// cores.
///
/// One thread reads records in input order (`RowSource.nextRecord`: the CSV grammar, JSONL lines) and feeds them,
/// a batch at a time, to an `OrderedStage` whose `makers` threads make each CSV record into a row (normalizing and
/// checking it: most of the work); the caller gets the rows back in input order.
///
/// The row source is touched only by these threads until `next()` returns nil; after that (the end is published
/// under the stage's lock) the caller may read the source's notes and header.
final class RowPipeline: @unchecked Sendable {
    private let stage: OrderedStage<[SourceRecord], [InputRow]>
    private let readerExited = DispatchSemaphore(value: 0)

    /// Starts reading. `finish` runs on the reading thread after the last row (e.g. to drain the input).
    init(source: any RowSource, batchSize: Int = 1024, makers: Int = 2, finish: @escaping () throws -> Void) {
        // Handed to the pipeline's threads, which are the only ones to use them until the end is published;
        // the makers only call `makeRow`, which the protocol makes safe to call concurrently.
        nonisolated(unsafe) let source = source
        nonisolated(unsafe) let finish = finish
        let stage = OrderedStage<[SourceRecord], [InputRow]>(workers: makers) { records in
            records.map { record -> InputRow in
                switch record {
                case .row(let row): row
                case .csv(let csv): source.makeRow(csv)
                }
            }
        }
        self.stage = stage
        let reader = Thread { [readerExited] in
            defer { readerExited.signal() }
            do {
                var batch: [SourceRecord] = []
                batch.reserveCapacity(batchSize)
                while let record = try source.nextRecord() {
                    batch.append(record)
                    if batch.count == batchSize {
                        guard stage.feed(batch) else { return }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { guard stage.feed(batch) else { return } }
                try finish()
                stage.close(failure: nil)
            } catch {
                stage.close(failure: error)
            }
        }
        reader.stackSize = 1 << 20
        reader.start()
    }

    /// The next batch in input order, nil at the end; rethrows the reading thread's error (a file-level error)
    /// once the batches read before it are handed over.
    func next() throws -> [InputRow]? {
        try stage.next()
    }

    /// Stops the pipeline's threads (the caller failed) and waits for them to exit.
    func cancel() {
        stage.cancel()
        readerExited.wait()
    }

    /// Waits for the pipeline's threads to exit after `next()` returned nil.
    func join() {
        readerExited.wait()
        stage.join()
    }
}
