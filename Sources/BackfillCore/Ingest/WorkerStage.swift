import Foundation

/// One pure computation on threads of its own, fed in batches and answered in order, so that the database
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
    /// Submitted, waiting for a worker: (sequence number, batch).
    private var inputs: [(Int, [Input])] = []
    /// Done, by sequence number, waiting to be handed back in order.
    private var outputs: [Int: [Output]] = [:]
    private var submitted = 0
    private var handed = 0
    private var closed = false
    private var running: Int
    private let capacity: Int
    private let exited = DispatchSemaphore(value: 0)

    /// Starts `workers` threads. `work` must not touch what the submitting thread uses (it runs concurrently).
    init(workers: Int = 1, capacity: Int = 4, work: @escaping (Input) -> Output) {
        self.capacity = max(capacity, workers + 1)
        running = workers
        nonisolated(unsafe) let work = work
        for _ in 0..<workers {
            let thread = Thread { [self] in
                defer { exit() }
                while let (sequence, batch) = take() {
                    let done = batch.map(work)
                    condition.lock()
                    outputs[sequence] = done
                    condition.broadcast()
                    condition.unlock()
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func take() -> (Int, [Input])? {
        condition.lock()
        defer { condition.unlock() }
        while inputs.isEmpty && !closed { condition.wait() }
        return inputs.isEmpty ? nil : inputs.removeFirst()
    }

    private func exit() {
        condition.lock()
        running -= 1
        let last = running == 0
        condition.unlock()
        if last { exited.signal() }
    }

    /// The batches done, in order from the next one to hand back. Called with the lock held.
    private func takeDone() -> [[Output]] {
        var done: [[Output]] = []
        while let batch = outputs.removeValue(forKey: handed) {
            done.append(batch)
            handed += 1
        }
        return done
    }

    /// Hands a batch over, after handing `write` every batch that is done in order (waiting for the next one
    /// while `capacity` batches are outstanding).
    func submit(_ batch: [Input], write: ([Output]) throws -> Void) throws {
        guard !batch.isEmpty else { return }
        condition.lock()
        while submitted - handed >= capacity && outputs[handed] == nil { condition.wait() }
        inputs.append((submitted, batch))
        submitted += 1
        condition.broadcast()
        let done = takeDone()
        condition.unlock()
        for output in done { try write(output) }
    }

    /// Hands `write` the rest, in order, and stops the threads.
    func finish(write: ([Output]) throws -> Void) throws {
        condition.lock()
        closed = true
        condition.broadcast()
        while handed < submitted {
            while outputs[handed] == nil { condition.wait() }
            let done = takeDone()
            condition.unlock()
            for output in done { try write(output) }
            condition.lock()
        }
        condition.unlock()
        exited.wait()
    }

    /// Stops the threads without waiting for the batches not yet started (the caller failed).
    func cancel() {
        condition.lock()
        closed = true
        inputs.removeAll()
        condition.broadcast()
        condition.unlock()
        exited.wait()
    }
}
