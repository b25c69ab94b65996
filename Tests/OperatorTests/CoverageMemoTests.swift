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

    @Test func aWholeRenderingIsSkippedOnlyWithTheSameInputsAndEveryObjectUnchanged() {
        let memo = CoverageMemo()
        var versions: [String: Int64] = ["demo-config": 7, "demo": 9]
        let version = { (_: ResourceType, name: String) in versions[name] }
        let objects: [(type: ResourceType, name: String, memoKey: String)] = [
            (ConfigMap.resourceType, "demo-config", "configmaps/demo-config"), (Service.resourceType, "demo", "services/demo"),
        ]
        #expect(!memo.isCoveredWhole(cluster, inputs: 42, version: version), "nothing is known at first")
        memo.remember(cluster, "configmaps/demo-config", version: 7, rendering: 1)
        memo.remember(cluster, "services/demo", version: 9, rendering: 2)
        memo.rememberWhole(cluster, inputs: 42, objects: objects)
        #expect(memo.isCoveredWhole(cluster, inputs: 42, version: version))
        #expect(!memo.isCoveredWhole(cluster, inputs: 43, version: version), "a changed cluster or Secret: render again")
        versions["demo"] = 10
        #expect(!memo.isCoveredWhole(cluster, inputs: 42, version: version), "an object written since: render and compare again")
        versions["demo"] = nil
        #expect(!memo.isCoveredWhole(cluster, inputs: 42, version: version), "an object deleted since: render and create it again")
        versions["demo"] = 9
        #expect(memo.isCoveredWhole(cluster, inputs: 42, version: version))
        memo.forget(cluster)
        #expect(!memo.isCoveredWhole(cluster, inputs: 42, version: version), "a deleted cluster is forgotten")
    }
}
