import AgentAPI
import Binlog
import Foundation
import Galera
import NIOCore
import Processes

/// Point-in-time recovery on the node (docs/backup.md): the archived binary log's transactions
/// run on the restored node, through Galera, each keeping its GTID.
extension Supervisor {
    var replayDirectory: String { configuration.runDirectory + "/replay" }
    var replayLog: String { configuration.runDirectory + "/replay.log" }

    /// Runs the transactions of the binary log `body` (a file: magic, format description,
    /// events) on the running, Synced node: those the node has not logged yet, so a replay cut
    /// short runs again from where it stopped. Answers once they ran, with the node's position.
    func replayBinlog(_ body: some AsyncSequence<ByteBuffer, any Error> & Sendable) async throws(APIErrorBody) -> BinlogReplayOutcome {
        try await exclusively(.replayingBinlog) { () throws(APIErrorBody) -> BinlogReplayOutcome in
            defer { try? FileManager.default.removeItem(atPath: replayDirectory) }
            return try await replay(body)
        }
    }

    private func replay(_ body: some AsyncSequence<ByteBuffer, any Error> & Sendable) async throws(APIErrorBody) -> BinlogReplayOutcome {
        let started = Date()
        guard mysqld != nil, wsrep?.ready == true else {
            throw .conflict("notSynced", "the node must run and be Synced to replay a binary log (it is \(status().state.rawValue))")
        }
        let domain = BinaryLog.clusterDomain
        let before: UInt64
        do {
            before = GTID.entry(of: domain, inList: try await wsrepReader.gtidBinlogPosition())?.sequence ?? 0
        } catch {
            throw .failed("replayFailed", "cannot read @@gtid_binlog_pos: \(error)")
        }
        // The transactions this node has not logged, written out as a log of their own.
        try? FileManager.default.removeItem(atPath: replayDirectory)
        let file = replayDirectory + "/replay.binlog"
        var reader = BinlogReader(file: true)
        var kept: [BinlogReader.Transaction] = []
        var skipped = 0
        var keptBytes = 0
        let output: FileHandle
        do {
            try FileManager.default.createDirectory(atPath: replayDirectory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: file, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
            output = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        } catch {
            throw .failed("replayFailed", "cannot write \(file): \(error)")
        }
        defer { try? output.close() }
        var wroteHeader = false
        var last: BinlogReader.Transaction?
        do {
            for try await buffer in body {
                for item in try reader.feed(buffer.readableBytesView) {
                    guard case .transaction(let transaction) = item, transaction.gtid.domain == domain else { continue }
                    if transaction.gtid.sequence <= before {
                        skipped += 1
                        continue
                    }
                    if let previous = last, transaction.gtid.sequence <= previous.gtid.sequence {
                        throw APIErrorBody(status: 422, code: "badBinlog", reason: "transaction \(transaction.gtid) comes after \(previous.gtid): the log is out of order")
                    }
                    kept.append(transaction)
                    keptBytes += transaction.bytes.count
                    last = transaction
                    // Written out as they come: a long replay never sits in memory whole.
                    if keptBytes >= 8 << 20 || !wroteHeader {
                        try await write(take(&kept, header: !wroteHeader, format: reader.formatDescription), to: output)
                        wroteHeader = true
                        keptBytes = 0
                    }
                }
            }
            if !kept.isEmpty { try await write(take(&kept, header: false, format: reader.formatDescription), to: output) }
        } catch let error as APIErrorBody {
            throw error
        } catch let error as BinlogReader.Malformed {
            throw APIErrorBody(status: 422, code: "badBinlog", reason: "the binary log sent is damaged: \(error)")
        } catch {
            throw .failed("replayFailed", "receiving the binary log: \(error)")
        }
        guard reader.unfinishedBytes == 0 else {
            throw APIErrorBody(status: 422, code: "badBinlog", reason: "the binary log sent ends inside a transaction (\(reader.unfinishedBytes) bytes left over): it was cut short")
        }
        let applied = last == nil ? 0 : try await run(file)
        let position: String
        do {
            position = try await wsrepReader.gtidBinlogPosition()
        } catch {
            throw .failed("replayFailed", "the replay ran, but @@gtid_binlog_pos cannot be read: \(error)")
        }
        if let last, GTID.entry(of: domain, inList: position)?.sequence != last.gtid.sequence {
            throw .failed("replayFailed", "the replay ran to \(last.gtid), but the node's binary log stands at \(position)\(logTail(replayLog))")
        }
        let outcome = BinlogReplayOutcome(
            applied: applied, skipped: skipped, lastSequence: last?.gtid.sequence,
            lastCommit: last.map { Date(timeIntervalSince1970: TimeInterval($0.commitTime)) }, gtidPosition: position,
            seconds: Date().timeIntervalSince(started))
        logger.notice("binary log replayed", metadata: [
            "applied": "\(outcome.applied)", "skipped": "\(skipped)", "position": "\(position)",
            "seconds": "\(String(format: "%.1f", outcome.seconds))",
        ])
        return outcome
    }

    /// The bytes of `transactions` (after the magic and format description when `header`);
    /// empties them.
    private func take(_ transactions: inout [BinlogReader.Transaction], header: Bool, format: BinlogEvent?) throws(APIErrorBody) -> [UInt8] {
        guard let format else { throw APIErrorBody(status: 422, code: "badBinlog", reason: "the binary log sent has no format description") }
        defer { transactions.removeAll() }
        return header ? ArchivedSegment.file(format: format, transactions: transactions) : transactions.reduce(into: []) { $0 += $1.bytes }
    }

    /// Appends to the replay's file on the thread pool (up to 8 MiB at a time).
    private func write(_ bytes: [UInt8], to output: FileHandle) async throws {
        try await threadPool.runIfActive { try output.write(contentsOf: bytes) }
    }

    /// `mariadb-binlog FILE`, each line rewritten (`ReplayScript`), into the `mariadb` client on
    /// the node's socket. Returns how many transactions ran.
    private func run(_ file: String) async throws(APIErrorBody) -> Int {
        try? FileManager.default.removeItem(atPath: replayLog)
        var decoded: [Int32] = [0, 0], statements: [Int32] = [0, 0]
        guard pipe(&decoded) == 0 else { throw .failed("replayFailed", "cannot create a pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&statements) == 0 else {
            close(decoded[0]); close(decoded[1])
            throw .failed("replayFailed", "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        let decoder: ChildProcess, client: ChildProcess
        do {
            decoder = try ChildProcess.spawn(configuration.cluster.flavor.binlogTool, arguments: [file], outputPath: replayLog, standardOutput: decoded[1])
        } catch {
            [decoded[0], decoded[1], statements[0], statements[1]].forEach { close($0) }
            throw .failed("spawnFailed", "\(configuration.cluster.flavor.binlogTool): \(error)")
        }
        close(decoded[1])
        do {
            client = try ChildProcess.spawn(
                configuration.cluster.flavor.clientTool,
                arguments: ["--defaults-file=\(configuration.myCnfPath)", "--user=\(configuration.monitorUser)", "--binary-mode", "--batch"],
                outputPath: replayLog, standardInput: statements[0])
        } catch {
            decoder.signalGroup(SIGKILL)
            [decoded[0], statements[0], statements[1]].forEach { close($0) }
            throw .failed("spawnFailed", "\(configuration.cluster.flavor.clientTool): \(error)")
        }
        close(statements[0])
        let source = FileHandle(fileDescriptor: decoded[0], closeOnDealloc: true)
        let sink = FileHandle(fileDescriptor: statements[1], closeOnDealloc: true)
        var transactions = 0
        do {
            transactions = try await threadPool.runIfActive {
                var count = 0
                var partial = Data()
                func emit(_ line: Substring) throws {
                    guard let rewritten = ReplayScript.rewrite(line) else { return }
                    if rewritten.hasPrefix(ReplayScript.transactionMark) { count += 1 }
                    try sink.write(contentsOf: Data((rewritten + "\n").utf8))
                }
                while let chunk = try source.read(upToCount: 1 << 20), !chunk.isEmpty {
                    partial.append(chunk)
                    guard let end = partial.lastIndex(of: 0x0A) else { continue }
                    let text = String(decoding: partial[..<end], as: UTF8.self)
                    partial = Data(partial[(end + 1)...])
                    for line in text.split(separator: "\n", omittingEmptySubsequences: false) { try emit(line) }
                }
                if !partial.isEmpty { try emit(Substring(String(decoding: partial, as: UTF8.self))) }
                try sink.close()
                return count
            }
        } catch {
            decoder.signalGroup(SIGKILL)
            client.signalGroup(SIGKILL)
            _ = await decoder.wait()
            _ = await client.wait()
            throw .failed("replayFailed", "feeding the client: \(error)\(logTail(replayLog))")
        }
        let decoderExit = await decoder.wait()
        let clientExit = await client.wait()
        guard decoderExit.isClean else {
            throw .failed("replayFailed", "\(configuration.cluster.flavor.binlogTool) \(decoderExit)\(logTail(replayLog))")
        }
        guard clientExit.isClean else {
            throw .failed("replayFailed", "\(configuration.cluster.flavor.clientTool) \(clientExit): a statement of the replay failed\(logTail(replayLog))")
        }
        return transactions
    }
}
