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
///
/// One level up, a whole rendering: when a reconcile found every object covered, the hash of
/// the rendering's inputs is kept with the objects' names. A reconcile whose inputs hash the
/// same and whose objects all still have the versions seen then renders nothing at all (the
/// typed objects' encoding was most of a steady reconcile once the reading was gone).
final class CoverageMemo: Sendable {
    private struct Seen {
        var version: Int64
        var rendering: Int
    }

    /// The objects of a rendering found covered whole, and the hash of its inputs.
    private struct Whole {
        var inputs: Int
        var objects: [(type: ResourceType, name: String, memoKey: String)]
    }

    /// Per cluster, per `kind/name`.
    private let seen = Mutex([ObjectKey: [String: Seen]]())
    private let wholes = Mutex([ObjectKey: Whole]())

    /// Whether the rendering with these inputs was found covered whole, and every one of its
    /// objects still has the version it had then (`version`: the cache's, without reading it).
    func isCoveredWhole(_ cluster: ObjectKey, inputs: Int, version: (ResourceType, String) -> Int64?) -> Bool {
        guard let whole = wholes.withLock({ $0[cluster] }), whole.inputs == inputs else { return false }
        let seen = seen.withLock { $0[cluster] } ?? [:]
        return whole.objects.allSatisfy { object in
            guard let current = version(object.type, object.name), current > 0 else { return false }
            return seen[object.memoKey]?.version == current
        }
    }

    /// Every object of the rendering with these inputs was found covered (and remembered).
    func rememberWhole(_ cluster: ObjectKey, inputs: Int, objects: [(type: ResourceType, name: String, memoKey: String)]) {
        let whole = Whole(inputs: inputs, objects: objects)
        wholes.withLock { $0[cluster] = whole }
    }

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
        _ = wholes.withLock { $0.removeValue(forKey: cluster) }
    }
}
