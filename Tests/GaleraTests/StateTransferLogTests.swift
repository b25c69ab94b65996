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

    /// Our method's joiner (wsrep_sst_qmysql), as it logged a new cluster's join on this machine
    /// (2026-12-06); its progress lines carry the bytes received.
    static let ourSST = [
        "2026-12-06 16:33:10 0 [Note] WSREP: Shifting PRIMARY -> JOINER (TO: 3)",
        "WSREP_SST: [INFO] qmysql joiner: Proceeding with SST: a full copy from the donor at 6f1d1b5e-3c3a-11ef-8a7e-0242ac120002:3 (20261206 16:33:10.512)",
        "WSREP_SST: [INFO] qmysql joiner: received 1048576 bytes of the copy (1.0 MiB compressed at 512.0 KiB/s) (20261206 16:33:12.514)",
        "WSREP_SST: [INFO] qmysql joiner: received 1310720 bytes of the copy (1.3 MiB compressed at 600.0 KiB/s) (20261206 16:33:12.701)",
        "WSREP_SST: [INFO] qmysql joiner: SST completed on joiner: 1.3 MiB in 2.4 s, at 6f1d1b5e-3c3a-11ef-8a7e-0242ac120002:3 (20261206 16:33:12.950)",
        "2026-12-06 16:33:13 0 [Note] WSREP: Shifting JOINER -> JOINED (TO: 3)",
    ]

    @Test func ourJoinersProgressIsKeptWithTheTransfer() {
        var progress = StateTransferProgress()
        var bytes: [Int64?] = []
        for (index, line) in Self.ourSST.enumerated() {
            progress.observe(line, at: Date(timeIntervalSince1970: 100 + Double(index)))
            bytes.append(progress.current?.bytes)
        }
        #expect(bytes == [nil, nil, 1_048_576, 1_310_720, 1_310_720, nil])
        #expect(progress.completed?.method == .sst)
        // The rate counts from the request, and the node's state says how far it got.
        var midway = StateTransferProgress()
        for (index, line) in Self.ourSST.prefix(3).enumerated() { midway.observe(line, at: Date(timeIntervalSince1970: 100 + Double(index))) }
        let current = try! #require(midway.current)
        #expect(current.rate.map { abs($0 - 524_288) < 0.001 } == true, "\(String(describing: current.rate))")
        let observation = NodeObservation(processRunning: true, grastate: .absent, age: .zero, staleAfter: .seconds(5), stateTransfer: current)
        #expect(NodeState.assess(observation).reason.contains("receiving a full state transfer (SST), 1.0 MiB so far"), "\(NodeState.assess(observation).reason)")
        // A progress line with no transfer open (a stray line after the end) opens nothing.
        var after = StateTransferProgress()
        after.observe(Self.ourSST[2], at: Date())
        #expect(after.current == nil)
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
