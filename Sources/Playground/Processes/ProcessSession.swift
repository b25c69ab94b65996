import Foundation
import Processes

/// The processes of one container, as a cgroup holds them: the playground starts each container
/// as the leader of a session of its own (`setsid`), and everything the container starts stays
/// in that session, however it groups its processes (the agent puts mysqld in a process group of
/// its own, mysqld its SST script, which starts socat). When the container ends, the whole
/// session is killed, as the kernel kills every process of a container's PID namespace when its
/// first process exits: nothing it started outlives it (an SST `socat` left behind once held a
/// node's SST port for minutes).
///
/// A session is known by its leader's pid and start time: a session id outlives its leader while
/// members remain (the kernel does not reuse the pid meanwhile), and a member that started before
/// the leader is never one of its processes.
public struct ProcessSession: Sendable, Hashable, CustomStringConvertible {
    public let leader: pid_t
    /// The leader's start time (clock ticks since boot, /proc/PID/stat field 22).
    public let startTime: UInt64

    public init(leader: pid_t, startTime: UInt64) {
        self.leader = leader
        self.startTime = startTime
    }

    public var description: String { "session \(leader)" }

    /// One process as /proc shows it.
    public typealias Member = ProcessStat

    /// Every process in the session now, the leader included while it runs (zombies left out:
    /// they have exited and hold nothing but their exit status).
    public func members() -> [Member] {
        ProcessStat.all().filter { !$0.isZombie && $0.session == leader && $0.startTime >= startTime }
    }

    /// `killAll` on a thread of its own: it scans /proc and sleeps between rounds, which must not
    /// hold one of the cooperative pool's few threads.
    @discardableResult
    public func killAllOffThePool() async -> [Member] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: killAll()) }
        }
    }

    /// SIGKILLs every member until none is left (a process may fork while it is being killed);
    /// returns what was killed. Bounded: a process stuck in the kernel (D state) is reported by
    /// the caller's next look, never waited for here for ever. Blocking (about 20 ms a round).
    @discardableResult
    public func killAll() -> [Member] {
        var killed: [Member] = []
        for _ in 0..<20 {
            let remaining = members()
            if remaining.isEmpty { break }
            for member in remaining {
                kill(member.pid, SIGKILL)
                if !killed.contains(where: { $0.pid == member.pid }) { killed.append(member) }
            }
            usleep(20_000)
        }
        return killed
    }

    /// This boot's id: start times count from boot, so a session recorded before a reboot is no
    /// session of this one's (a process that now has its leader's pid is a stranger).
    public static let bootID: String = {
        ((try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }()
}
