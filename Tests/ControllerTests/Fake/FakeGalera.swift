import AgentAPI
import Clocks
import Foundation
import Galera
import Synchronization
@testable import Controller

/// An in-memory Galera cluster behind the controller's `NodeAccess`: each call answers the way a
/// real agent and mysqld would, from a small model of Galera's rules, so the controller's whole
/// loop runs in milliseconds.
///
/// The model keeps what the decisions depend on: which nodes run, Primary components and their
/// view size, quorum (a component that loses its majority to a crash goes non-Primary; a graceful
/// leave keeps it), positions in grastate.dat (seqno -1 while running or after a crash), recovery
/// with `--wsrep-recover`, bootstrapping, and joins that need a Primary component. It also records
/// what no controller may ever cause: a second Primary component (split brain), and a bootstrap
/// from a node behind the cluster's history (lost transactions).
final class FakeGalera: NodeAccess {
    struct Node {
        var name: String
        var ordinal: Int
        var running = false
        /// Member of a Primary component (while running).
        var primary = false
        /// Which component the node is in: nodes with the same id see each other.
        var component = 0
        /// nil: the datadir is empty (never ran Galera).
        var uuid: String?
        /// The last committed seqno in the node's data.
        var seqno: Int64 = 0
        /// grastate.dat's seqno: -1 while running and after a crash.
        var grastateSeqno: Int64 = -1
        var safeToBootstrap = false
        var recovered: GaleraPosition?
        var lastExit: ProcessExit?
        var launches = 0
        var agentReachable = true
        /// mysqld answers the monitor user's SQL (false: frozen, or its network is cut).
        var sqlReachable = true
        /// A joiner receiving its state transfer is a Primary member but not Synced yet.
        var synced = true
        var operation: AgentOperation?
        /// The next `failStarts` starts launch mysqld, which exits at once (code 1).
        var failStarts = 0
        /// The agent restarted beside a running mysqld and lost track of it: it reports mysqld
        /// stopped and refuses to start it (409 strayServer), while mysqld serves on.
        var agentLostTrack = false
        /// Thawed after a freeze: mysqld still reports the Primary view it was in before the
        /// others evicted it (Synced, the old view number and size).
        var staleView: (confID: Int64, size: Int)?
        /// The joiner's `sst_in_progress` marker is in the (stopped) node's datadir.
        var transferInterrupted = false
        /// The agent's membership marker: the UUID it was first Synced under (nil: never, or wiped).
        var memberMarker: String?
        /// A person's `qmysql-reseed` approval in the datadir.
        var reseedApproved = false
        /// The next `failTransfers` joins fail in their state transfer (the SST port taken): mysqld
        /// aborts, and grastate.dat is left with the all-zero UUID, as MariaDB leaves it.
        var failTransfers = 0
    }

    struct State {
        var nodes: [Node]
        var nextComponent = 1
        /// The view size each component's members report; it lags a crash until `evict()` when
        /// `autoEvict` is off (Galera's suspect timeout).
        var viewSize: [Int: Int] = [:]
        /// `wsrep_cluster_conf_id` per component: it moves with every view change.
        var viewConfID: [Int: Int64] = [:]
        var autoEvict = true
        /// Joiners stay "receiving State Transfer" until `finishTransfers()`.
        var holdTransfers = false
        /// When each node's mysqld last answered a probe.
        var lastSQLAnswer: [String: ContinuousClock.Instant] = [:]
        var calls: [String] = []
        var violations: [String] = []
        /// The highest seqno any Primary component ever committed: nothing below may be bootstrapped.
        var committed: Int64 = 0
        var clock = Date(timeIntervalSince1970: 1_800_000_000)
    }

    let clusterName: String
    private let state: Mutex<State>
    /// The time of the controller a loop test runs on this cluster, moved by a `ClockDriver`:
    /// the fake stamps its answers with it, so a test compares instants on one clock.
    let clock = RoleClock.manual()

    /// A Green cluster of `count` nodes named `n0 ...`, formed (or, with `formed: false`, `count` empty datadirs).
    init(clusterName: String = "demo", count: Int = 3, seqno: Int64 = 100, formed: Bool = true) {
        self.clusterName = clusterName
        var nodes = (0..<count).map { Node(name: "n\($0)", ordinal: $0) }
        if formed {
            for index in nodes.indices {
                nodes[index].running = true
                nodes[index].primary = true
                nodes[index].component = 1
                nodes[index].uuid = Fixture.uuid
                nodes[index].seqno = seqno
                nodes[index].memberMarker = Fixture.uuid
            }
        }
        var state = State(nodes: nodes)
        if formed {
            state.viewSize[1] = count
            state.viewConfID[1] = Int64(count)
            state.nextComponent = 2
            state.committed = seqno
        }
        self.state = Mutex(state)
    }

    // MARK: - What the controller calls

    func status(of node: String) async throws -> AgentStatus {
        try state.withLock { state in
            let index = try Self.index(of: node, in: state)
            guard state.nodes[index].agentReachable else { throw AgentClient.Failure.transport(url: node, error: "connection refused") }
            state.clock += 0.001
            // The agent writes its marker once the node is Synced in a Primary component.
            let current = state.nodes[index]
            if current.running, current.primary, current.synced, current.staleView == nil, let uuid = current.uuid {
                state.nodes[index].memberMarker = uuid
                state.nodes[index].reseedApproved = false
            }
            return Self.agentStatus(state.nodes[index], cluster: clusterName, state: state, at: state.clock)
        }
    }

    func probeSQL(of node: String) async throws -> WsrepStatus {
        try state.withLock { state in
            let index = try Self.index(of: node, in: state)
            let node = state.nodes[index]
            guard node.running, node.sqlReachable, let wsrep = Self.wsrep(node, state: state) else {
                throw FakeFailure("\(node.name): mysqld is not running (2002)")
            }
            state.lastSQLAnswer[node.name] = clock.now
            return wsrep
        }
    }

    func start(_ node: String, _ request: StartRequest) async throws -> AgentStatus {
        try state.withLock { state in
            let index = try Self.index(of: node, in: state)
            try Self.reachable(state.nodes[index])
            state.calls.append("start \(node) \(request.mode.rawValue)\(request.position.map { " \($0.seqno)" } ?? "")")
            if state.nodes[index].agentLostTrack {
                throw APIErrorBody(status: 409, code: "strayServer", reason: "mysqld started by an earlier agent still runs on this datadir")
            }
            if request.mode == .bootstrapSurvivor {
                // pc.bootstrap=YES on a running non-Primary node: its component becomes Primary.
                guard state.nodes[index].running, !state.nodes[index].primary else {
                    throw APIErrorBody(status: 409, code: "notNonPrimary", reason: "\(node) is not a running non-Primary node")
                }
                if state.nodes.contains(where: { $0.running && $0.primary }) {
                    state.violations.append("split brain: survivor \(node) promoted while a Primary component exists")
                }
                if state.nodes[index].seqno < state.committed {
                    state.violations.append("lost transactions: survivor \(node) promoted at \(state.nodes[index].seqno), the cluster committed \(state.committed)")
                }
                let component = state.nodes[index].component
                for i in state.nodes.indices where state.nodes[i].running && state.nodes[i].component == component {
                    state.nodes[i].primary = true
                }
                state.viewConfID[component, default: 1] += 1
                Self.settleViews(&state)
                return Self.agentStatus(state.nodes[index], cluster: clusterName, state: state, at: state.clock)
            }
            guard !state.nodes[index].running else {
                throw APIErrorBody(status: 409, code: "alreadyRunning", reason: "mysqld already runs on \(node)")
            }
            state.nodes[index].launches += 1
            if state.nodes[index].failStarts > 0 {
                state.nodes[index].failStarts -= 1
                state.nodes[index].lastExit = .exited(code: 1)
                return Self.agentStatus(state.nodes[index], cluster: clusterName, state: state, at: state.clock)
            }
            switch request.mode {
            case .join:
                try Self.join(index, request: request, state: &state)
            case .bootstrap:
                try Self.bootstrap(index, request: request, state: &state)
            case .bootstrapSurvivor:
                break  // handled above
            case .recoverOnly:
                throw APIErrorBody(status: 400, code: "badRequest", reason: "use /v1/recover")
            }
            return Self.agentStatus(state.nodes[index], cluster: clusterName, state: state, at: state.clock)
        }
    }

    func stop(_ node: String, _ request: StopRequest) async throws -> AgentStatus {
        try state.withLock { state in
            let index = try Self.index(of: node, in: state)
            try Self.reachable(state.nodes[index])
            state.calls.append("stop \(node) \(request.mode.rawValue)")
            Self.halt(index, graceful: request.mode == .graceful, state: &state)
            return Self.agentStatus(state.nodes[index], cluster: clusterName, state: state, at: state.clock)
        }
    }

    func recover(_ node: String) async throws -> AgentStatus {
        try state.withLock { state in
            let index = try Self.index(of: node, in: state)
            try Self.reachable(state.nodes[index])
            state.calls.append("recover \(node)")
            if state.nodes[index].agentLostTrack {
                throw APIErrorBody(status: 409, code: "strayServer", reason: "mysqld started by an earlier agent still runs on this datadir")
            }
            guard !state.nodes[index].running else {
                throw APIErrorBody(status: 409, code: "alreadyRunning", reason: "cannot recover a running node")
            }
            guard let uuid = state.nodes[index].uuid else {
                throw APIErrorBody(status: 409, code: "emptyDatadir", reason: "the datadir is empty: there is no position to recover")
            }
            state.nodes[index].recovered = try! GaleraPosition(uuid: uuid, seqno: state.nodes[index].seqno)
            return Self.agentStatus(state.nodes[index], cluster: clusterName, state: state, at: state.clock)
        }
    }

    func shutdown() async {}

    /// A scale-up, as the StatefulSet does it: each new node's pod starts with an empty volume and
    /// its agent answers. A removed node is left alone (its pod would be deleted; calls no
    /// longer name it).
    func setNodes(_ nodes: [NodeEndpoint]) {
        state.withLock { state in
            for node in nodes where !state.nodes.contains(where: { $0.name == node.name }) {
                state.nodes.append(Node(name: node.name, ordinal: node.ordinal))
            }
        }
    }

    // MARK: - Faults a test injects

    /// SIGKILL to mysqld: seqno -1 in grastate.dat; the survivors lose quorum if they lost their majority.
    func kill(_ names: String...) {
        state.withLock { state in
            for name in names { Self.halt(try! Self.index(of: name, in: state), graceful: false, state: &state) }
        }
    }

    /// A graceful shutdown: grastate.dat keeps the seqno.
    func shutDown(_ names: String...) {
        state.withLock { state in
            for name in names { Self.halt(try! Self.index(of: name, in: state), graceful: true, state: &state) }
        }
    }

    /// Cuts `name` off from the others: it goes non-Primary alone; the rest keep Primary if they hold a majority.
    func isolate(_ name: String) {
        state.withLock { state in
            let index = try! Self.index(of: name, in: state)
            let old = state.nodes[index].component
            let before = state.viewSize[old] ?? 1
            let component = state.nextComponent
            state.nextComponent += 1
            state.nodes[index].component = component
            state.nodes[index].primary = false
            state.viewSize[component] = 1
            state.viewConfID[component] = 1
            state.viewSize[old] = before - 1
            state.viewConfID[old, default: 1] += 1
            if (before - 1) * 2 <= before {
                for i in state.nodes.indices where state.nodes[i].component == old { state.nodes[i].primary = false }
            }
        }
    }

    /// Galera evicts the crashed members now: the survivors' view shrinks to who runs.
    func evict() {
        state.withLock { state in Self.settleViews(&state) }
    }

    /// Turns Galera's automatic eviction on crash off (the view keeps counting dead members).
    func holdEvictions() { state.withLock { $0.autoEvict = false } }

    func setAgentReachable(_ name: String, _ reachable: Bool) {
        state.withLock { $0.nodes[try! Self.index(of: name, in: $0)].agentReachable = reachable }
    }

    func setSQLReachable(_ name: String, _ reachable: Bool) {
        state.withLock { $0.nodes[try! Self.index(of: name, in: $0)].sqlReachable = reachable }
    }

    /// Joiners from now on stay in their state transfer until `finishTransfers()`.
    func holdTransfers() { state.withLock { $0.holdTransfers = true } }

    func finishTransfers() {
        state.withLock { state in
            state.holdTransfers = false
            for i in state.nodes.indices { state.nodes[i].synced = true }
        }
    }

    /// Rewrites a stopped node's grastate.dat to claim another history (`uuid`), or the all-zero
    /// UUID that a refused bootstrap leaves behind.
    func rewriteHistory(_ name: String, uuid: String, seqno: Int64) {
        state.withLock { state in
            let index = try! Self.index(of: name, in: state)
            precondition(!state.nodes[index].running, "rewrite a stopped node's history")
            state.nodes[index].uuid = uuid
            state.nodes[index].seqno = max(seqno, 0)
            state.nodes[index].grastateSeqno = seqno
            state.nodes[index].recovered = nil
        }
    }

    /// The next `count` joins of `name` fail in their state transfer.
    func failTransfers(_ name: String, count: Int = 1) {
        state.withLock { $0.nodes[try! Self.index(of: name, in: $0)].failTransfers = count }
    }

    /// A person approves replacing the node's data (`qmysql-reseed` in its datadir).
    func approveReseed(_ name: String) {
        state.withLock { $0.nodes[try! Self.index(of: name, in: $0)].reseedApproved = true }
    }

    /// The node's agent is restarted beside its running mysqld and loses track of it.
    func agentLosesTrack(_ name: String) {
        state.withLock { $0.nodes[try! Self.index(of: name, in: $0)].agentLostTrack = true }
    }

    /// SIGSTOP: the node answers nothing, and the others evict it (their view moves on).
    func freeze(_ name: String) {
        state.withLock { state in
            let index = try! Self.index(of: name, in: state)
            let node = state.nodes[index]
            state.nodes[index].staleView = (state.viewConfID[node.component] ?? 1, state.viewSize[node.component] ?? 1)
            state.nodes[index].agentReachable = false
            state.nodes[index].sqlReachable = false
            let component = state.nextComponent
            state.nextComponent += 1
            let old = node.component
            state.nodes[index].component = component
            state.viewSize[component] = 1
            state.viewConfID[component] = state.viewConfID[old] ?? 1
            Self.settleViews(&state)
        }
    }

    /// The cable is back: an isolated node merges into the Primary component (IST), as Galera does.
    func reconnect(_ name: String) {
        state.withLock { state in
            let index = try! Self.index(of: name, in: state)
            guard let donor = state.nodes.first(where: { $0.running && $0.primary && $0.name != name }) else { return }
            state.nodes[index].component = donor.component
            state.nodes[index].primary = true
            state.nodes[index].seqno = donor.seqno
            Self.settleViews(&state)
        }
    }

    /// The partition heals with no Primary component left: every running node merges into one
    /// Primary component, as Galera re-forms the last Primary component's majority, at the most
    /// advanced position among them.
    func merge() {
        state.withLock { state in
            let running = state.nodes.indices.filter { state.nodes[$0].running }
            guard let first = running.first else { return }
            let component = state.nodes[first].component
            let seqno = running.map { state.nodes[$0].seqno }.max() ?? 0
            for i in running {
                state.nodes[i].component = component
                state.nodes[i].primary = true
                state.nodes[i].seqno = seqno
            }
            Self.settleViews(&state)
        }
    }

    /// SIGCONT: the node answers again, still reporting its old view, until `noticeEviction`.
    func thaw(_ name: String) {
        state.withLock { state in
            let index = try! Self.index(of: name, in: state)
            state.nodes[index].agentReachable = true
            state.nodes[index].sqlReachable = true
        }
    }

    /// The thawed node notices it was evicted and rejoins by IST, as Galera does by itself.
    func noticeEviction(_ name: String) {
        state.withLock { state in
            let index = try! Self.index(of: name, in: state)
            state.nodes[index].staleView = nil
            guard let donor = state.nodes.first(where: { $0.running && $0.primary && $0.name != name }) else { return }
            state.nodes[index].component = donor.component
            state.nodes[index].seqno = donor.seqno
            Self.settleViews(&state)
        }
    }

    /// mysqld is killed in the middle of receiving its state transfer: the marker stays behind.
    func interruptTransfer(_ name: String) {
        state.withLock { state in
            let index = try! Self.index(of: name, in: state)
            Self.halt(index, graceful: false, state: &state)
            state.nodes[index].transferInterrupted = true
            state.nodes[index].seqno = 0
        }
    }

    func setOperation(_ name: String, _ operation: AgentOperation?) {
        state.withLock { $0.nodes[try! Self.index(of: name, in: $0)].operation = operation }
    }

    func failNextStarts(_ name: String, _ count: Int) {
        state.withLock { $0.nodes[try! Self.index(of: name, in: $0)].failStarts = count }
    }

    /// The node crashes and comes back with a new, empty volume (one step: no one sees it between).
    func replaceVolume(_ name: String) {
        state.withLock { state in
            let index = try! Self.index(of: name, in: state)
            Self.halt(index, graceful: false, state: &state)
            Self.wipe(index, state: &state)
        }
    }

    /// The node's volume is replaced by an empty one (it must be stopped).
    func wipe(_ name: String) {
        state.withLock { state in
            let index = try! Self.index(of: name, in: state)
            Self.wipe(index, state: &state)
        }
    }

    private static func wipe(_ index: Int, state: inout State) {
        precondition(!state.nodes[index].running, "wipe a stopped node")
        state.nodes[index].uuid = nil
        state.nodes[index].seqno = 0
        state.nodes[index].grastateSeqno = -1
        state.nodes[index].safeToBootstrap = false
        state.nodes[index].recovered = nil
        state.nodes[index].memberMarker = nil
    }

    /// Clients commit `count` transactions through the Primary component.
    func write(_ count: Int64) {
        state.withLock { state in
            guard let component = state.nodes.first(where: { $0.running && $0.primary })?.component else { return }
            for i in state.nodes.indices where state.nodes[i].running && state.nodes[i].component == component {
                state.nodes[i].seqno += count
                state.committed = max(state.committed, state.nodes[i].seqno)
            }
        }
    }

    // MARK: - What a test reads

    var calls: [String] { state.withLock { $0.calls } }

    /// Forgets the calls so far (a second controller's calls are then its own).
    func clearCalls() { state.withLock { $0.calls.removeAll() } }
    func lastSQLAnswer(_ name: String) -> ContinuousClock.Instant? { state.withLock { $0.lastSQLAnswer[name] } }
    var violations: [String] { state.withLock { $0.violations } }
    var runningCount: Int { state.withLock { $0.nodes.filter(\.running).count } }
    func node(_ name: String) -> Node { state.withLock { $0.nodes[try! Self.index(of: name, in: $0)] } }

    // MARK: - The model

    private static func index(of name: String, in state: State) throws -> Int {
        guard let index = state.nodes.firstIndex(where: { $0.name == name }) else { throw ControllerError.unknownNode(name) }
        return index
    }

    private static func reachable(_ node: Node) throws {
        guard node.agentReachable else { throw AgentClient.Failure.transport(url: node.name, error: "connection refused") }
    }

    private static func join(_ index: Int, request: StartRequest, state: inout State) throws {
        let node = state.nodes[index]
        if let expected = request.position, let known = knownPosition(node), expected != known {
            throw APIErrorBody(status: 409, code: "positionMismatch", reason: "\(node.name) is at \(known), not \(expected)")
        }
        guard let donor = state.nodes.first(where: { $0.running && $0.primary }) else {
            // A joiner with no Primary component to join gives up and exits.
            state.nodes[index].lastExit = .exited(code: 1)
            return
        }
        if state.nodes[index].failTransfers > 0 {
            state.nodes[index].failTransfers -= 1
            state.nodes[index].uuid = GaleraPosition.zeroUUID
            state.nodes[index].seqno = 0
            state.nodes[index].grastateSeqno = -1
            state.nodes[index].recovered = nil
            state.nodes[index].lastExit = .exited(code: 1)
            return
        }
        let component = donor.component
        state.nodes[index].running = true
        state.nodes[index].primary = true
        state.nodes[index].component = component
        state.nodes[index].uuid = donor.uuid  // IST or SST: the joiner ends with the donor's history
        state.nodes[index].seqno = donor.seqno
        state.nodes[index].grastateSeqno = -1
        state.nodes[index].safeToBootstrap = false
        state.nodes[index].recovered = nil
        state.nodes[index].lastExit = nil
        state.nodes[index].synced = !state.holdTransfers
        state.nodes[index].transferInterrupted = false
        Self.settleViews(&state)
    }

    private static func bootstrap(_ index: Int, request: StartRequest, state: inout State) throws {
        let node = state.nodes[index]
        if node.uuid == nil {
            state.nodes[index].uuid = UUID().uuidString.lowercased()
            state.nodes[index].seqno = 0
        } else {
            guard let expected = request.position, request.force == true || node.safeToBootstrap else {
                throw APIErrorBody(status: 409, code: "unsafeBootstrap", reason: "\(node.name) is not safe to bootstrap")
            }
            guard let known = knownPosition(node), known == expected else {
                throw APIErrorBody(status: 409, code: "positionMismatch", reason: "\(node.name) is not at \(expected)")
            }
        }
        if state.nodes.contains(where: { $0.running && $0.primary }) {
            state.violations.append("split brain: \(node.name) bootstrapped while a Primary component exists")
        }
        if state.nodes[index].seqno < state.committed {
            state.violations.append("lost transactions: \(node.name) bootstrapped at \(state.nodes[index].seqno), the cluster committed \(state.committed)")
        }
        let component = state.nextComponent
        state.nextComponent += 1
        state.nodes[index].running = true
        state.nodes[index].primary = true
        state.nodes[index].component = component
        state.nodes[index].grastateSeqno = -1
        state.nodes[index].safeToBootstrap = false
        state.nodes[index].recovered = nil
        state.nodes[index].lastExit = nil
        state.viewSize[component] = 1
        state.viewConfID[component] = 1
        state.committed = max(state.committed, state.nodes[index].seqno)
    }

    private static func halt(_ index: Int, graceful: Bool, state: inout State) {
        guard state.nodes[index].running else { return }
        let component = state.nodes[index].component
        let wasPrimary = state.nodes[index].primary
        // A joiner killed in its transfer leaves the SST script's marker behind.
        if !graceful, !state.nodes[index].synced {
            state.nodes[index].transferInterrupted = true
            state.nodes[index].seqno = 0
        }
        state.nodes[index].running = false
        state.nodes[index].primary = false
        state.nodes[index].lastExit = graceful ? .exited(code: 0) : .signaled(signal: 9)
        state.nodes[index].grastateSeqno = graceful ? state.nodes[index].seqno : -1
        let remaining = state.nodes.filter { $0.running && $0.component == component }.count
        state.nodes[index].safeToBootstrap = graceful && wasPrimary && remaining == 0
        let before = state.viewSize[component] ?? 1
        // A graceful leave is announced and keeps quorum; a crash of the majority of the last
        // view leaves the rest non-Primary.
        let lostMajority = !graceful && remaining * 2 <= before
        if lostMajority {
            for i in state.nodes.indices where state.nodes[i].running && state.nodes[i].component == component {
                state.nodes[i].primary = false
            }
        }
        // The view shrinks at once, except after a crash that kept quorum while evictions are
        // held (Galera's suspect timeout).
        if graceful || lostMajority || state.autoEvict { settleViews(&state) }
    }

    /// Every component's view is who runs in it; a view that changes gets a new number.
    private static func settleViews(_ state: inout State) {
        for component in Set(state.nodes.filter(\.running).map(\.component)) {
            let size = state.nodes.filter { $0.running && $0.component == component }.count
            if state.viewSize[component] != size { state.viewConfID[component, default: 1] += 1 }
            state.viewSize[component] = size
        }
    }

    private static func knownPosition(_ node: Node) -> GaleraPosition? {
        guard let uuid = node.uuid else { return nil }
        if let recovered = node.recovered { return recovered }
        return node.grastateSeqno >= 0 ? try! GaleraPosition(uuid: uuid, seqno: node.grastateSeqno) : nil
    }

    private static func wsrep(_ node: Node, state: State) -> WsrepStatus? {
        guard node.running, let uuid = node.uuid else { return nil }
        // A joiner whose component lost its quorum keeps waiting for the transfer; mysqld answers
        // no SQL until it ends (it never does: the donor is gone).
        if !node.synced && !node.primary { return nil }
        if let stale = node.staleView {
            return WsrepStatus(clusterStatus: .primary, localState: 4, localStateComment: "Synced", ready: true, connected: true,
                               clusterSize: stale.size, clusterStateUUID: uuid, localStateUUID: uuid, lastCommitted: node.seqno,
                               clusterConfID: stale.confID)
        }
        let size = state.viewSize[node.component] ?? 1
        let confID = state.viewConfID[node.component] ?? 1
        if node.primary && !node.synced {
            return WsrepStatus(clusterStatus: .primary, localState: 1, localStateComment: "Joining: receiving State Transfer", ready: false,
                               connected: true, clusterSize: size, clusterStateUUID: uuid, localStateUUID: uuid, lastCommitted: node.seqno,
                               clusterConfID: confID)
        }
        return node.primary
            ? WsrepStatus(clusterStatus: .primary, localState: 4, localStateComment: "Synced", ready: true, connected: true,
                          clusterSize: size, clusterStateUUID: uuid, localStateUUID: uuid, lastCommitted: node.seqno, clusterConfID: confID)
            : WsrepStatus(clusterStatus: .nonPrimary, localState: 0, localStateComment: "Initialized", ready: false, connected: true,
                          clusterSize: size, clusterStateUUID: uuid, localStateUUID: uuid, lastCommitted: node.seqno, clusterConfID: -1)
    }

    private static func agentStatus(_ node: Node, cluster: String, state: State, at date: Date) -> AgentStatus {
        if node.agentLostTrack {
            // What a fresh agent reports beside a mysqld it did not start: not running, position unknown.
            let position = try! GaleraPosition(uuid: node.uuid ?? GaleraPosition.zeroUUID, seqno: -1)
            return AgentStatus(
                node: node.name, cluster: cluster, flavor: .mariadb, state: .redUnclean,
                stateReason: "mysqld is not running (the agent just started); grastate.dat seqno -1",
                observedAt: date, agentStartedAt: date, process: .init(running: false, launches: 0),
                grastate: .init(uuid: position.uuid, seqno: -1, safeToBootstrap: false, position: position), datadirInitialized: true)
        }
        let grastate: GrastateObservation
        var report: AgentStatus.Grastate?
        if let uuid = node.uuid {
            let position = try! GaleraPosition(uuid: uuid, seqno: node.running ? -1 : node.grastateSeqno)
            grastate = .present(GaleraState(position: position, safeToBootstrap: node.safeToBootstrap))
            report = .init(uuid: uuid, seqno: position.seqno, safeToBootstrap: node.safeToBootstrap, position: position)
        } else {
            grastate = .absent
        }
        let wsrep = wsrep(node, state: state)
        let assessment = NodeState.assess(NodeObservation(
            processRunning: node.running, lastExit: node.lastExit, grastate: grastate, wsrep: wsrep,
            recoveredPosition: node.recovered))
        return AgentStatus(
            node: node.name, cluster: cluster, flavor: .mariadb, state: assessment.state, stateReason: assessment.reason,
            observedAt: date, agentStartedAt: Date(timeIntervalSince1970: 1_800_000_000),
            process: .init(running: node.running, launches: node.launches), operation: node.operation,
            lastExit: node.lastExit.map { .init(exit: $0, clean: $0.isClean, description: $0.description, at: date) },
            grastate: report, datadirInitialized: node.uuid != nil,
            recovered: node.recovered.map { .init(position: $0, at: date, current: true) },
            wsrep: wsrep, wsrepObservedAt: wsrep == nil ? nil : date,
            stateTransferInProgress: node.running && !node.synced ? .init(method: "SST", since: Date(timeIntervalSince1970: 1_800_000_000)) : nil,
            stateTransferIncomplete: !node.running && node.transferInterrupted ? true : nil,
            member: node.memberMarker, reseedApproved: node.reseedApproved ? true : nil)
    }
}

struct FakeFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
