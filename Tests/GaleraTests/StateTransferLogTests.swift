import Foundation
import Galera
import Testing

/// A joiner's error log through a state transfer, as MariaDB 10.11 with the mariabackup SST script
/// wrote it on this machine (the playground's demo-2 forming, demo-1 rejoining after SIGKILL);
/// lines that say nothing about the transfer are left out.
@Suite("state transfers in the error log")
struct StateTransferLogTests {
    static let fullSST = [
        "2026-11-30  2:18:33 2 [Note] WSREP: Server status change connected -> joiner",
        "WSREP_SST: [INFO] mariabackup SST started on joiner (20261130 02:18:33.169)",
        "2026-11-30  2:18:33 2 [Note] WSREP: Prepared IST receiver for 0-15, listening at: tcp://127.42.0.2:4568",
        "2026-11-30  2:18:33 0 [Note] WSREP: Shifting PRIMARY -> JOINER (TO: 15)",
        "WSREP_SST: [INFO] Proceeding with SST (20261130 02:18:34.006)",
        "WSREP_SST: [INFO] Waiting for SST streaming to complete! (20261130 02:18:34.042)",
        "2026-11-30  2:18:44 0 [Note] WSREP: 0.0 (demo-0): State transfer to 2.0 (demo-2) complete.",
        "WSREP_SST: [INFO] mariabackup SST completed on joiner (20261130 02:18:44.669)",
        "2026-11-30  2:18:44 3 [Note] WSREP: SST received: 4e2dc179-ec64-11f1-881a-7384a6209af2:15",
        "2026-11-30  2:18:44 0 [Note] WSREP: Receiving IST... 0.0% (0/14 events) complete.",
        "2026-11-30  2:18:44 0 [Note] WSREP: Receiving IST... 100.0% (14/14 events) complete.",
        "2026-11-30  2:18:44 2 [Note] WSREP: IST received: 4e2dc179-ec64-11f1-881a-7384a6209af2:15",
        "2026-11-30  2:18:44 0 [Note] WSREP: Shifting JOINER -> JOINED (TO: 15)",
        "2026-11-30  2:18:44 0 [Note] WSREP: Shifting JOINED -> SYNCED (TO: 15)",
    ]

    static let incremental = [
        "2026-11-30  2:19:32 2 [Note] WSREP: Prepared IST receiver for 22-23, listening at: tcp://127.42.0.3:4568",
        "2026-11-30  2:19:32 0 [Note] WSREP: Shifting PRIMARY -> JOINER (TO: 23)",
        "WSREP_SST: [INFO] 'xtrabackup_ist' received from donor: Running IST (20261130 02:19:32.886)",
        "WSREP_SST: [INFO] mariabackup IST completed on joiner (20261130 02:19:32.895)",
        "2026-11-30  2:19:33 2 [Note] WSREP: Receiving IST: 2 writesets, seqnos 22-23",
        "2026-11-30  2:19:33 0 [Note] WSREP: Receiving IST... 100.0% (22/22 events) complete.",
        "2026-11-30  2:19:33 0 [Note] WSREP: Shifting JOINER -> JOINED (TO: 23)",
    ]

    /// The method in progress after each line (nil: no transfer; "?": requested, not chosen yet).
    static func trace(_ lines: [String]) -> (methods: [String?], progress: StateTransferProgress) {
        var progress = StateTransferProgress()
        var methods: [String?] = []
        for (index, line) in lines.enumerated() {
            progress.observe(line, at: Date(timeIntervalSince1970: Double(index)))
            methods.append(progress.current.map { $0.method?.rawValue ?? "?" })
        }
        return (methods, progress)
    }

    @Test func aFullSSTIsInProgressFromTheDonorsChoiceUntilJoined() {
        let (methods, progress) = Self.trace(Self.fullSST)
        #expect(methods == [nil, nil, nil, "?", "SST", "SST", "SST", "SST", "SST", "IST", "IST", "IST", nil, nil])
        #expect(progress.completed?.method == .sst)
        #expect(progress.completed?.line.contains("SST completed on joiner") == true)
        #expect(progress.current == nil)
    }

    @Test func anISTIsInProgressUntilJoined() {
        let (methods, progress) = Self.trace(Self.incremental)
        #expect(methods == [nil, "?", "IST", "IST", "IST", "IST", nil])
        #expect(progress.completed?.method == .ist)
    }

    @Test func aTransferKeepsTheTimeItWasRequested() {
        var progress = StateTransferProgress()
        progress.observe(Self.incremental[1], at: Date(timeIntervalSince1970: 100))
        progress.observe(Self.incremental[2], at: Date(timeIntervalSince1970: 101))
        #expect(progress.current?.since == Date(timeIntervalSince1970: 100))
        // A new request (mysqld died mid-transfer and started again) starts over.
        progress.observe(Self.incremental[1], at: Date(timeIntervalSince1970: 200))
        #expect(progress.current == .init(method: nil, since: Date(timeIntervalSince1970: 200)))
    }

    /// The selection line as MariaDB 10.11 logs it on every member (playground, 2026-12-05), just
    /// before the joiner's `PRIMARY -> JOINER`.
    @Test func theDonorChosenForThisNodeIsKept() {
        let selection = "2026-12-05 22:57:14 0 [Note] WSREP: Member 1.0 (demo-1) requested state transfer from '*any*'. Selected 2.0 (demo-2)(SYNCED) as donor."
        #expect(StateTransferLog.event(in: selection) == .donorSelected(joiner: "demo-1", donor: "demo-2"))
        var mine = StateTransferProgress(node: "demo-1")
        mine.observe(selection, at: Date(timeIntervalSince1970: 1))
        mine.observe("2026-12-05 22:57:14 0 [Note] WSREP: Shifting PRIMARY -> JOINER (TO: 402)", at: Date(timeIntervalSince1970: 1))
        #expect(mine.current?.donor == "demo-2")
        mine.observe(Self.fullSST[4], at: Date(timeIntervalSince1970: 2))
        #expect(mine.current?.donor == "demo-2" && mine.current?.method == .sst)
        // Another joiner's selection, seen by this node as a member, is not its own.
        var other = StateTransferProgress(node: "demo-0")
        #expect(other.observe(selection, at: Date(timeIntervalSince1970: 1)) == nil)
        other.observe("2026-12-05 22:57:14 0 [Note] WSREP: Shifting PRIMARY -> JOINER (TO: 402)", at: Date(timeIntervalSince1970: 1))
        #expect(other.current?.donor == nil)
        // A line that only looks like one names no one.
        #expect(StateTransferLog.event(in: "WSREP: Member requested state transfer, none selected as donor") == nil)
    }

    @Test func progressAfterJoiningOpensNothing() {
        // Under load the applier's last progress line can follow JOINED (seen once in the suite).
        var progress = StateTransferProgress()
        for (index, line) in Self.incremental.enumerated() { progress.observe(line, at: Date(timeIntervalSince1970: Double(index))) }
        progress.observe("2026-11-30  2:19:33 0 [Note] WSREP: Receiving IST... 100.0% (22/22 events) complete.", at: Date(timeIntervalSince1970: 10))
        #expect(progress.current == nil)
        // A missed JOINED line: SYNCED ends the transfer too.
        progress.observe(Self.incremental[1], at: Date(timeIntervalSince1970: 20))
        progress.observe("2026-11-30  2:19:34 0 [Note] WSREP: Shifting JOINED -> SYNCED (TO: 23)", at: Date(timeIntervalSince1970: 21))
        #expect(progress.current == nil)
    }

    @Test(arguments: [
        "2026-11-30  2:18:33 0 [Note] WSREP: Shifting SYNCED -> DONOR/DESYNCED (TO: 8)",
        "2026-11-30  2:18:33 0 [Note] WSREP: Shifting DONOR/DESYNCED -> JOINED (TO: 8)",
        "2026-11-30  2:18:19 0 [Note] WSREP: IST sender 2 -> 8",
        "2026-11-30  2:18:33 2 [Note] WSREP: State transfer required: ",
    ])
    func otherLinesSayNothing(_ line: String) {
        #expect(StateTransferLog.event(in: line) == nil)
    }
}
