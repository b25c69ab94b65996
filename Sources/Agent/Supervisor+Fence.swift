import AgentAPI
import Foundation

/// Fencing an old writer (docs/endpoints.md): when the writer moves away from this node, its
/// clients' connections are ended, so none goes on writing here through a connection opened
/// before the move; the clients reconnect through `NAME-writer` to the new writer.
extension Supervisor {
    /// How long a graceful stop of the writer waits after reporting that it stops: the
    /// controller moves the writer and the operator the label meanwhile, so new connections go
    /// to the new writer before mysqld's shutdown ends what is left here.
    static let writerDrain = Duration.seconds(2)

    func setWriter(_ writer: Bool) {
        if writer != isWriter { logger.info(writer ? "this node is the writer" : "this node is no longer the writer") }
        isWriter = writer
    }

    /// Before a planned stop of the writer (a restart, a pause, its pod deleted): the stop is
    /// reported already (`stopping`, `terminating`), which makes the node unfit to write.
    func drainIfWriter() async {
        guard isWriter else { return }
        logger.notice("this node is the writer: the writer moves before mysqld stops", metadata: ["wait": "\(Self.writerDrain)"])
        try? await Task.sleep(for: Self.writerDrain)
        isWriter = false
    }

    func fence() async throws(APIErrorBody) -> FenceOutcome {
        guard mysqld != nil else { return FenceOutcome(closed: 0, running: false) }
        let sessions: [[String?]]
        do {
            sessions = try await wsrepReader.rows("SELECT ID, USER, HOST, COMMAND FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()")
        } catch {
            throw .failed("fenceFailed", "cannot list mysqld's connections: \(error)")
        }
        let exempt = Set([configuration.accounts?.controllerUser, configuration.monitorUser].compactMap { $0 })
        var closed = 0
        for id in ClientSessions.toEnd(sessions, exemptUsers: exempt) {
            // One that ended meanwhile is no error (1094: unknown thread).
            if (try? await wsrepReader.execute("KILL CONNECTION \(id)")) != nil { closed += 1 }
        }
        logger.notice("client connections ended: the writer moved away from this node", metadata: ["closed": "\(closed)"])
        return FenceOutcome(closed: closed, running: true)
    }
}

/// Which of mysqld's sessions are clients' (`information_schema.PROCESSLIST` rows of ID, USER,
/// HOST, COMMAND). Pure.
enum ClientSessions {
    /// Threads that are mysqld's own or replication's, never a client's.
    static let systemCommands: Set<String> = ["Daemon", "Binlog Dump", "Binlog Dump GTID", "Killed", "Slave_IO", "Slave_SQL", "Slave_worker"]
    static let systemUsers: Set<String> = ["system user", "event_scheduler"]

    /// The ids of client connections: over TCP (a socket connection is the agent's own, the
    /// backup tool's or a person's on the node), not a system or replication thread (Galera's
    /// appliers are `system user` with no host), and not an exempt account's (the controller's
    /// probe).
    static func toEnd(_ rows: [[String?]], exemptUsers: Set<String>) -> [UInt64] {
        rows.compactMap { row in
            guard row.count >= 4, let id = row[0].flatMap({ UInt64($0) }) else { return nil }
            let user = row[1] ?? "", host = row[2] ?? "", command = row[3] ?? ""
            guard !systemUsers.contains(user), !systemCommands.contains(command), !exemptUsers.contains(user),
                  !host.isEmpty, host != "localhost" else { return nil }
            return id
        }
    }
}
