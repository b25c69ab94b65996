import Foundation

/// A bounded hand-over of a byte stream from one producer task to one consumer task: `send`
/// waits while `capacity` chunks are unread, so a backup never runs ahead of the network (or a
/// restore ahead of the disk) by more than a few chunks, whatever the sizes involved.
///
/// Either side may end it: the producer with `finish()` or `fail(_:)`, the consumer with
/// `cancel(_:)` (its reader went away); the other side then sees the error at its next call.
public actor ChunkPipe: AsyncSequence {
    public typealias Element = Data

    public struct Closed: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    private let capacity: Int
    private var chunks: [Data] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled: Closed?
    private var producerWaiting: CheckedContinuation<Void, any Error>?
    private var consumerWaiting: CheckedContinuation<Data?, any Error>?
    private var attachWaiting: CheckedContinuation<Bool, Never>?
    /// Whether a consumer took the stream (it can be taken once).
    public private(set) var attached = false
    /// Bytes handed to the consumer so far.
    public private(set) var bytesDelivered: Int64 = 0

    public init(capacity: Int = 4) {
        self.capacity = Swift.max(1, capacity)
    }

    // MARK: Producer

    /// Waits until a consumer attaches; false if none did within `timeout` (or it was cancelled).
    public func waitForConsumer(timeout: Duration) async -> Bool {
        if attached { return true }
        if cancelled != nil { return false }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.attachTimedOut()
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { attachWaiting = $0 }
    }

    private func attachTimedOut() {
        attachWaiting?.resume(returning: attached)
        attachWaiting = nil
    }

    /// Hands over one chunk; waits while the consumer is `capacity` chunks behind.
    public func send(_ chunk: Data) async throws {
        if let cancelled { throw cancelled }
        guard !chunk.isEmpty else { return }
        if let consumer = consumerWaiting {
            consumerWaiting = nil
            bytesDelivered += Int64(chunk.count)
            consumer.resume(returning: chunk)
            return
        }
        chunks.append(chunk)
        if chunks.count >= capacity {
            try await withCheckedThrowingContinuation { producerWaiting = $0 }
        }
    }

    /// The stream is complete.
    public func finish() {
        finished = true
        consumerWaiting?.resume(returning: nil)
        consumerWaiting = nil
    }

    /// The stream broke: the consumer sees `error` after the chunks already sent.
    public func fail(_ error: any Error) {
        failure = error
        finished = true
        consumerWaiting?.resume(throwing: error)
        consumerWaiting = nil
    }

    // MARK: Consumer

    /// Takes the stream; false if it was taken before.
    public func attach() -> Bool {
        guard !attached, cancelled == nil else { return false }
        attached = true
        attachWaiting?.resume(returning: true)
        attachWaiting = nil
        return true
    }

    /// The next chunk; nil at the end.
    public func next() async throws -> Data? {
        if !chunks.isEmpty {
            let chunk = chunks.removeFirst()
            bytesDelivered += Int64(chunk.count)
            producerWaiting?.resume()
            producerWaiting = nil
            return chunk
        }
        if finished {
            if let failure { throw failure }
            return nil
        }
        return try await withCheckedThrowingContinuation { consumerWaiting = $0 }
    }

    /// The consumer gives up: the producer's next `send` throws `Closed(reason)`.
    public func cancel(_ reason: String) {
        let closed = Closed(reason)
        cancelled = closed
        chunks.removeAll()
        producerWaiting?.resume(throwing: closed)
        producerWaiting = nil
        attachWaiting?.resume(returning: false)
        attachWaiting = nil
    }

    public nonisolated func makeAsyncIterator() -> Iterator { Iterator(pipe: self) }

    public struct Iterator: AsyncIteratorProtocol {
        let pipe: ChunkPipe
        public mutating func next() async throws -> Data? { try await pipe.next() }
    }
}
