import KubeAPI
import KubeRuntime
import Synchronization

/// Which live objects were last found to cover their rendering, by the object's resourceVersion
/// and a hash of the rendering. A reconcile in steady state finds every object unchanged on both
/// sides and skips reading it from the cache (the caches keep objects as text, and parsing a
/// dozen per reconcile was most of its time). Any write changes the resourceVersion and any
/// change of the spec changes the rendering, so either sends the object through
/// `LiveComparison` again. The hash is `Hasher`'s, seeded per process: two renderings of one
/// object colliding would skip one apply until the next change of either side.
final class CoverageMemo: Sendable {
    private struct Seen {
        var version: Int64
        var rendering: Int
    }

    /// Per cluster, per `kind/name`.
    private let seen = Mutex([ObjectKey: [String: Seen]]())

    /// `rendering`: the rendered body's `hashValue`, taken once by the caller for both calls.
    func isCovered(_ cluster: ObjectKey, _ object: String, version: Int64, rendering: Int) -> Bool {
        guard version > 0 else { return false }
        return seen.withLock { $0[cluster]?[object] }.map { $0.version == version && $0.rendering == rendering } ?? false
    }

    func remember(_ cluster: ObjectKey, _ object: String, version: Int64, rendering: Int) {
        guard version > 0 else { return }
        let entry = Seen(version: version, rendering: rendering)
        seen.withLock { $0[cluster, default: [:]][object] = entry }
    }

    /// The cluster is gone.
    func forget(_ cluster: ObjectKey) {
        _ = seen.withLock { $0.removeValue(forKey: cluster) }
    }
}
