import KubeAPI
import KubeRuntime
import Testing
@testable import Operator

/// The memo that lets a steady reconcile skip reading objects: only the same resourceVersion with
/// the same rendering counts as covered again.
@Suite struct CoverageMemoTests {
    let cluster = ObjectKey(namespace: "rds", name: "demo")
    let rendering: JSONValue = ["kind": "ConfigMap", "data": ["my.cnf": "[mysqld]\nmax_connections=500\n"]]

    @Test func onlyTheSameVersionAndRenderingAreCoveredAgain() {
        let memo = CoverageMemo()
        #expect(!memo.isCovered(cluster, "configmaps/demo", version: 7, rendering: rendering.hashValue), "nothing is known at first")
        memo.remember(cluster, "configmaps/demo", version: 7, rendering: rendering.hashValue)
        #expect(memo.isCovered(cluster, "configmaps/demo", version: 7, rendering: rendering.hashValue))
        #expect(!memo.isCovered(cluster, "configmaps/demo", version: 8, rendering: rendering.hashValue), "a write since: read it again")
        var changed = rendering
        changed[path: ["data", "my.cnf"]] = "[mysqld]\nmax_connections=600\n"
        #expect(!memo.isCovered(cluster, "configmaps/demo", version: 7, rendering: changed.hashValue), "a changed spec: compare again")
        #expect(!memo.isCovered(cluster, "services/demo", version: 7, rendering: rendering.hashValue), "per object")
        #expect(!memo.isCovered(ObjectKey(namespace: "other", name: "demo"), "configmaps/demo", version: 7, rendering: rendering.hashValue), "per cluster")
        memo.forget(cluster)
        #expect(!memo.isCovered(cluster, "configmaps/demo", version: 7, rendering: rendering.hashValue), "a deleted cluster is forgotten")
    }

    @Test func anOpaqueResourceVersionIsNeverRemembered() {
        let memo = CoverageMemo()
        memo.remember(cluster, "configmaps/demo", version: 0, rendering: rendering.hashValue)
        #expect(!memo.isCovered(cluster, "configmaps/demo", version: 0, rendering: rendering.hashValue))
    }
}
