import Foundation

/// One pure computation on a thread of its own, fed in batches and answered in order, so that the database
/// thread (reading sorted rows, writing jobs) and the computation (decoding, folding, bodies, request_ids)
/// each take one of the machine's cores. At most `capacity` batches are submitted and not yet taken back:
/// memory stays flat.
///
/// Only the submitting thread calls `submit`, `finish` and `cancel`. The lock, `condition`, protects
/// `inputs`, `outputs`, `outstanding` and `closed`.
///
/// ```swift
/// let stage = WorkerStage<[Row], Job>(work: fold)
/// try stage.submit(batch) { try write($0) }
/// try stage.finish { try write($0) }
/// ```
final class WorkerStage<Input, Output>: @unchecked Sendable {
    private let condition = NSCondition()
    private var inputs: [[Input]] = []
    private var outputs: [[Output]] = []
    private var outstanding = 0
    private var closed = false
    private let capacity: Int
    private let exited = DispatchSemaphore(value: 0)

    /// Starts the thread. `work` must not touch what the submitting thread uses (it runs concurrently).
    init(capacity: Int = 4, work: @escaping (Input) -> Output) {
        self.capacity = capacity
        nonisolated(unsafe) let work = work
        let thread = Thread { [self] in
            defer { exited.signal() }
            while let batch = take() {
                let done = batch.map(work)
                condition.lock()
                outputs.append(done)
                condition.broadcast()
                condition.unlock()
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func take() -> [Input]? {
        condition.lock()
        defer { condition.unlock() }
        while inputs.isEmpty && !closed { condition.wait() }
        return inputs.isEmpty ? nil : inputs.removeFirst()
    }

    /// Hands a batch over, after handing `write` every batch that is done (waiting for one while `capacity`
    /// batches are outstanding).
    func submit(_ batch: [Input], write: ([Output]) throws -> Void) throws {
        guard !batch.isEmpty else { return }
        condition.lock()
        while outstanding >= capacity && outputs.isEmpty { condition.wait() }
        inputs.append(batch)
        outstanding += 1
        condition.broadcast()
        let done = outputs
        outputs.removeAll()
        outstanding -= done.count
        condition.unlock()
        for output in done { try write(output) }
    }

    /// Hands `write` the rest, in order, and stops the thread.
    func finish(write: ([Output]) throws -> Void) throws {
        condition.lock()
        closed = true
        condition.broadcast()
        while outstanding > 0 {
            while outputs.isEmpty { condition.wait() }
            let done = outputs
            outputs.removeAll()
            outstanding -= done.count
            condition.unlock()
            for output in done { try write(output) }
            condition.lock()
        }
        condition.unlock()
        exited.wait()
    }

    /// Stops the thread without waiting for the batches not yet started (the caller failed).
    func cancel() {
        condition.lock()
        closed = true
        inputs.removeAll()
        condition.broadcast()
        condition.unlock()
        exited.wait()
    }
}
