import Foundation
import MySQLClient
import NIOPosix
import Synchronization

/// Inserts rows, one autocommit INSERT at a time, bounded in count and time, and remembers every
/// id whose INSERT the server acknowledged. After faults, `missing(on:)` lists acknowledged ids a
/// node does not have: with Galera that list must be empty ("no acknowledged write lost").
///
/// On a failure it moves to the next node (as a client behind a health-aware endpoint would).
/// An INSERT that failed with a lost connection may or may not have been applied: its id is
/// recorded as `uncertain`, never as acknowledged.
public final class BoundedWriter: Sendable {
    public struct Report: Sendable, CustomStringConvertible {
        public var acknowledged: [Int64]
        public var uncertain: [Int64]
        /// MySQL error number → count (1047 non-Primary, 1180 rolled back, 2002/2013 node gone ...).
        public var failures: [UInt32: Int]
        /// One message per error number, to tell what happened.
        public var failureSamples: [UInt32: String]
        public var elapsed: Duration

        public var description: String {
            let failureText = failures.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
            let samples = failureSamples.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            return "\(acknowledged.count) acknowledged, \(uncertain.count) uncertain, failures [\(failureText)] in \(elapsed)"
                + (samples.isEmpty ? "" : " (\(samples))")
        }
    }

    public static let table = "qmysql_test.writes"

    /// A node to write to: its name (stored with each row) and how to connect.
    public struct Target: Sendable {
        public var name: String
        public var options: MySQLConnectionOptions

        public init(name: String, options: MySQLConnectionOptions) {
            self.name = name
            self.options = options
        }
    }

    let targets: [Target]
    let maxRows: Int
    let maxDuration: Duration
    let pause: Duration
    let threadPool: NIOThreadPool
    private let state = Mutex<State>(State())

    private struct State {
        var acknowledged: [Int64] = []
        var uncertain: [Int64] = []
        var failures: [UInt32: Int] = [:]
        var failureSamples: [UInt32: String] = [:]
        var paused = false
        var task: Task<Duration, Never>?
    }

    /// - Parameters:
    ///   - targets: the nodes to write to, in order of preference
    ///   - maxRows: stop after this many acknowledged rows
    ///   - maxDuration: stop after this long, whatever happened
    ///   - pause: between two INSERTs, to keep the load light
    public init(targets: [Target], maxRows: Int = 5_000, maxDuration: Duration = .seconds(120), pause: Duration = .milliseconds(10), threadPool: NIOThreadPool) {
        precondition(!targets.isEmpty)
        self.targets = targets
        self.maxRows = maxRows
        self.maxDuration = maxDuration
        self.pause = pause
        self.threadPool = threadPool
    }

    /// Creates the test table (idempotent) through `options`.
    public static func prepareSchema(_ options: MySQLConnectionOptions, threadPool: NIOThreadPool) async throws {
        try await withConnection(options, threadPool: threadPool) { connection in
            try await connection.execute("CREATE DATABASE IF NOT EXISTS qmysql_test")
            try await connection.execute("CREATE TABLE IF NOT EXISTS \(table) (id BIGINT PRIMARY KEY, node VARCHAR(64) NOT NULL, written_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB")
        }
    }

    /// Starts writing in the background, ids continuing after the table's largest.
    public func start() {
        let task = Task { await self.run() }
        state.withLock { $0.task = task }
    }

    /// Holds further INSERTs until `resume()` (the one in flight finishes).
    public func setPaused(_ paused: Bool) {
        state.withLock { $0.paused = paused }
    }

    /// Stops writing and returns what happened.
    public func finish() async -> Report {
        let task = state.withLock { $0.task }
        task?.cancel()
        let elapsed = await task?.value ?? .zero
        return state.withLock { Report(acknowledged: $0.acknowledged, uncertain: $0.uncertain, failures: $0.failures, failureSamples: $0.failureSamples, elapsed: elapsed) }
    }

    public var acknowledgedCount: Int { state.withLock { $0.acknowledged.count } }

    /// Acknowledged ids that the node behind `options` does not have.
    public func missing(on options: MySQLConnectionOptions) async throws -> [Int64] {
        let acknowledged = state.withLock { $0.acknowledged }
        let result = try await Self.withConnection(options, threadPool: threadPool) {
            try await $0.query("SELECT id FROM \(Self.table)")
        }
        let present = Set(result.rows.compactMap { row in row.first.flatMap { $0 }.flatMap { Int64($0) } })
        return acknowledged.filter { !present.contains($0) }
    }

    static func withConnection<T: Sendable>(_ options: MySQLConnectionOptions, threadPool: NIOThreadPool, _ body: (MySQLConnection) async throws -> T) async throws -> T {
        let connection = try await MySQLConnection.connect(options, threadPool: threadPool)
        do {
            let value = try await body(connection)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    private func run() async -> Duration {
        let clock = ContinuousClock()
        let started = clock.now
        var next: Int64 = 0
        var target = 0
        var connection: MySQLConnection?
        while !Task.isCancelled, clock.now - started < maxDuration, acknowledgedCount < maxRows {
            if state.withLock({ $0.paused }) {
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            do {
                if connection == nil {
                    let fresh = try await MySQLConnection.connect(targets[target].options, threadPool: threadPool)
                    connection = fresh
                    if next == 0 {
                        let max = try await fresh.query("SELECT COALESCE(MAX(id), 0) FROM \(Self.table)")
                        next = (max.rows.first?.first.flatMap { $0 }.flatMap { Int64($0) } ?? 0) + 1
                    }
                }
                let id = next
                next += 1
                do {
                    try await connection!.execute("INSERT INTO \(Self.table) (id, node) VALUES (\(id), \(SQLLiteral.string(targets[target].name)))")
                    state.withLock { $0.acknowledged.append(id) }
                } catch let error as MySQLError where error.isConnectionFailure {
                    state.withLock { $0.uncertain.append(id) }
                    throw error
                }
                try? await Task.sleep(for: pause)
            } catch {
                let code = (error as? MySQLError)?.code ?? 0
                state.withLock { state in
                    state.failures[code, default: 0] += 1
                    if state.failureSamples[code] == nil { state.failureSamples[code] = "\(error)" }
                }
                await connection?.close()
                connection = nil
                target = (target + 1) % targets.count
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        await connection?.close()
        return clock.now - started
    }
}
