import BackfillStore
import Foundation

/// Ingest's one thread pool: a pure computation on threads of its own, fed batches and handing the results back
/// in the order they were fed, so that the database thread and the computation each take one of the machine's
/// cores. At most `capacity` batches are fed and not yet taken back: memory stays flat.
///
/// It is fed in one of two ways:
/// - by the thread that also takes the results (`submit(_:write:)`, then `finish(write:)`): the fold pass, where
///   the database thread reads sorted rows, submits them and writes the jobs that come back;
/// - by a thread of its own while another takes the results (`feed(_:)`, `close(failure:)`, `next()`): the
///   row pipeline, where one thread reads records and the database thread stores the rows made of them.
///
/// The lock, `condition`, protects every `var` below.
///
/// ```swift
/// let stage = OrderedStage<[Row], [Job]>(workers: 2) { rows in rows.map(fold) }
/// try stage.submit(batch) { try write($0) }
/// try stage.finish { try write($0) }
/// ```
final class OrderedStage<Input, Output>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Fed, waiting for a worker: (sequence number, input).
    private var inputs: [(Int, Input)] = []
    /// Done, by sequence number, waiting to be handed back in order.
    private var outputs: [Int: Output] = [:]
    private var fed = 0
    private var handed = 0
    /// No more input will come (the feeder finished, failed, or the stage was cancelled).
    private var closed = false
    private var cancelled = false
    private var failure: (any Error)?
    private var running: Int
    private let capacity: Int
    private let exited = DispatchSemaphore(value: 0)

    /// Starts `workers` threads. `work` must not touch what the feeding or taking threads use.
    init(workers: Int, capacity: Int = 4, work: @escaping (Input) -> Output) {
        self.capacity = max(capacity, workers + 1)
        running = workers
        nonisolated(unsafe) let work = work
        for _ in 0..<workers {
            let thread = Thread { [self] in
                defer { exit() }
                while let (sequence, input) = take() {
                    let output = work(input)
                    condition.lock()
                    outputs[sequence] = output
                    condition.broadcast()
                    condition.unlock()
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    // MARK: Fed and taken by one thread

    /// Hands `input` over, after handing `write` every output that is done in order (waiting for the next one
    /// while `capacity` inputs are outstanding).
    func submit(_ input: Input, write: (Output) throws -> Void) throws {
        condition.lock()
        while fed - handed >= capacity && outputs[handed] == nil { condition.wait() }
        enqueue(input)
        let done = takeDone()
        condition.unlock()
        for output in done { try write(output) }
    }

    /// Hands `write` the rest, in order, and stops the threads.
    func finish(write: (Output) throws -> Void) throws {
        close(failure: nil)
        condition.lock()
        while handed < fed {
            while outputs[handed] == nil { condition.wait() }
            let done = takeDone()
            condition.unlock()
            for output in done { try write(output) }
            condition.lock()
        }
        condition.unlock()
        exited.wait()
    }

    // MARK: Fed by one thread, taken by another

    /// Hands `input` over, waiting while `capacity` inputs are outstanding; false when the stage was cancelled
    /// (the feeder should stop).
    func feed(_ input: Input) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while fed - handed >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        enqueue(input)
        return true
    }

    /// No more input; `failure` (the feeder's error) is thrown by `next()` after the outputs fed before it.
    func close(failure: (any Error)?) {
        condition.lock()
        closed = true
        if self.failure == nil { self.failure = failure }
        condition.broadcast()
        condition.unlock()
    }

    /// The next output in order, waiting for it; nil once the stage is closed and every output was taken.
    func next() throws -> Output? {
        condition.lock()
        defer { condition.unlock() }
        while outputs[handed] == nil && !(closed && handed == fed) { condition.wait() }
        if let output = outputs.removeValue(forKey: handed) {
            handed += 1
            condition.broadcast()
            return output
        }
        if let failure { throw failure }
        return nil
    }

    /// Waits for the threads to exit after `next()` returned nil.
    func join() {
        exited.wait()
    }

    // MARK: Either way

    /// Stops the threads without waiting for the inputs not yet started (the caller failed), and waits for them.
    func cancel() {
        condition.lock()
        closed = true
        cancelled = true
        inputs.removeAll()
        condition.broadcast()
        condition.unlock()
        exited.wait()
    }

    /// Called with the lock held.
    private func enqueue(_ input: Input) {
        inputs.append((fed, input))
        fed += 1
        condition.broadcast()
    }

    private func take() -> (Int, Input)? {
        condition.lock()
        defer { condition.unlock() }
        while inputs.isEmpty && !closed { condition.wait() }
        return inputs.isEmpty ? nil : inputs.removeFirst()
    }

    /// The outputs done, in order from the next one to hand back. Called with the lock held.
    private func takeDone() -> [Output] {
        var done: [Output] = []
        while let output = outputs.removeValue(forKey: handed) {
            done.append(output)
            handed += 1
        }
        return done
    }

    private func exit() {
        condition.lock()
        running -= 1
        let last = running == 0
        condition.unlock()
        if last { exited.signal() }
    }
}
