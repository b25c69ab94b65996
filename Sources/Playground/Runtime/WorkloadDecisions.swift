import Foundation
import KubeAPI
import Operator

/// What Kubernetes' StatefulSet and Deployment controllers would do next, as far as the
/// operator's workloads need: pure functions from a workload and the pods it owns to the writes
/// that bring them together. The runtime performs the writes and asks again after each change.
///
/// Supported: StatefulSets with `Parallel` or `OrderedReady` pod management (pods created at
/// once either way: one machine, no ordering to protect) and `OnDelete` or `RollingUpdate`
/// (only OnDelete is honoured: the operator replaces pods itself), volume claim templates, and
/// scale-down; Deployments with the `Recreate` strategy, owning their pods directly (there is
/// no ReplicaSet in between). docs/playground.md lists the differences.
public enum WorkloadDecisions {
    public enum Write: Sendable, Equatable {
        case createPod(JSONValue)
        case deletePod(name: String)
        case createClaim(JSONValue)
        /// The workload's new `status` (written only when it differs from the stored one).
        case status(JSONValue)
    }

    static let revisionLabel = "controller-revision-hash"
    static let podTemplateHashLabel = "pod-template-hash"

    /// A stable hash of a pod template (sorted-key JSON), as the workload controllers label
    /// their pods with, so a changed template is told apart from an unchanged one.
    public static func templateHash(_ template: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = (try? encoder.encode(template)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return String(ClusterRenderer.fingerprint(text).prefix(10))
    }

    static func isReady(_ pod: JSONValue) -> Bool {
        pod[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } ?? false
    }

    static func ownerReference(_ workload: JSONValue, kind: String) -> JSONValue {
        [
            "apiVersion": "apps/v1", "kind": .string(kind), "name": workload[path: ["metadata", "name"]] ?? "",
            "uid": workload[path: ["metadata", "uid"]] ?? "", "controller": true, "blockOwnerDeletion": true,
        ]
    }

    // MARK: StatefulSet

    /// - Parameters:
    ///   - pods: the pods this StatefulSet owns (by owner uid).
    ///   - claims: names of the PersistentVolumeClaims that exist in its namespace.
    public static func statefulSet(_ set: JSONValue, pods: [JSONValue], claims: Set<String>) -> [Write] {
        guard let name = set[path: ["metadata", "name"]]?.stringValue,
              let namespace = set[path: ["metadata", "namespace"]]?.stringValue,
              let template = set[path: ["spec", "template"]] else { return [] }
        let replicas = Int(set[path: ["spec", "replicas"]]?.intValue ?? 1)
        let revision = "\(name)-\(templateHash(template))"
        let claimTemplates = set[path: ["spec", "volumeClaimTemplates"]]?.arrayValue ?? []
        var writes: [Write] = []
        let byName = Dictionary(pods.compactMap { pod in pod[path: ["metadata", "name"]]?.stringValue.map { ($0, pod) } },
                                uniquingKeysWith: { first, _ in first })

        for ordinal in 0..<replicas {
            let podName = "\(name)-\(ordinal)"
            for claimTemplate in claimTemplates {
                guard let claimName = claimTemplate[path: ["metadata", "name"]]?.stringValue else { continue }
                let claim = "\(claimName)-\(podName)"
                if !claims.contains(claim) {
                    writes.append(.createClaim([
                        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                        "metadata": [
                            "name": .string(claim), "namespace": .string(namespace),
                            "labels": claimTemplate[path: ["metadata", "labels"]] ?? [:],
                        ],
                        "spec": claimTemplate["spec"] ?? [:],
                    ]))
                }
            }
            guard byName[podName] == nil else { continue }
            var labels = template[path: ["metadata", "labels"]]?.objectValue ?? [:]
            labels[revisionLabel] = .string(revision)
            labels["statefulset.kubernetes.io/pod-name"] = .string(podName)
            labels["apps.kubernetes.io/pod-index"] = .string(String(ordinal))
            var spec = template["spec"] ?? [:]
            spec["hostname"] = .string(podName)
            if let service = set[path: ["spec", "serviceName"]] { spec["subdomain"] = service }
            var volumes = spec["volumes"]?.arrayValue ?? []
            for claimTemplate in claimTemplates {
                guard let claimName = claimTemplate[path: ["metadata", "name"]]?.stringValue else { continue }
                volumes.append(["name": .string(claimName), "persistentVolumeClaim": ["claimName": .string("\(claimName)-\(podName)")]])
            }
            spec["volumes"] = .array(volumes)
            writes.append(.createPod([
                "apiVersion": "v1", "kind": "Pod",
                "metadata": [
                    "name": .string(podName), "namespace": .string(namespace), "labels": .object(labels),
                    "annotations": template[path: ["metadata", "annotations"]] ?? [:],
                    "ownerReferences": [ownerReference(set, kind: "StatefulSet")],
                ],
                "spec": spec,
            ]))
        }
        // Scale-down: the highest ordinals go (Parallel: all at once).
        for (podName, _) in byName {
            guard let ordinal = Int(podName.dropFirst(name.count + 1)), podName.hasPrefix(name + "-"), ordinal >= replicas else { continue }
            writes.append(.deletePod(name: podName))
        }

        let live = pods.filter { $0[path: ["metadata", "deletionTimestamp"]] == nil }
        let updated = live.filter { $0[path: ["metadata", "labels", revisionLabel]]?.stringValue == revision }.count
        var status: JSONValue = [
            "observedGeneration": set[path: ["metadata", "generation"]] ?? 1,
            "replicas": .int(Int64(live.count)),
            "readyReplicas": .int(Int64(live.filter(isReady).count)),
            "availableReplicas": .int(Int64(live.filter(isReady).count)),
            "currentReplicas": .int(Int64(updated)),
            "updatedReplicas": .int(Int64(updated)),
            "updateRevision": .string(revision),
            "currentRevision": .string(revision),
        ]
        if updated < live.count {
            // Pods still on an older template: the current revision is the one most of them run.
            let older = live.compactMap { $0[path: ["metadata", "labels", revisionLabel]]?.stringValue }.filter { $0 != revision }
            status["currentRevision"] = .string(older.first ?? revision)
            status["currentReplicas"] = .int(Int64(live.count - updated))
        }
        if !sameStatus(set["status"], status) { writes.append(.status(status)) }
        return writes
    }

    // MARK: Deployment

    /// `Recreate`: pods of an older template are deleted first; new ones are created once none
    /// of the old ones is left. `suffix` makes the generated name part (random in Kubernetes).
    public static func deployment(_ deployment: JSONValue, pods: [JSONValue], suffix: () -> String) -> [Write] {
        guard let name = deployment[path: ["metadata", "name"]]?.stringValue,
              let namespace = deployment[path: ["metadata", "namespace"]]?.stringValue,
              let template = deployment[path: ["spec", "template"]] else { return [] }
        let replicas = Int(deployment[path: ["spec", "replicas"]]?.intValue ?? 1)
        let hash = templateHash(template)
        var writes: [Write] = []
        let live = pods.filter { $0[path: ["metadata", "deletionTimestamp"]] == nil }
        let outdated = live.filter { $0[path: ["metadata", "labels", podTemplateHashLabel]]?.stringValue != hash }
        let current = live.filter { $0[path: ["metadata", "labels", podTemplateHashLabel]]?.stringValue == hash }
        if !outdated.isEmpty {
            writes += outdated.compactMap { $0[path: ["metadata", "name"]]?.stringValue }.map { .deletePod(name: $0) }
        } else if current.count < replicas {
            var labels = template[path: ["metadata", "labels"]]?.objectValue ?? [:]
            labels[podTemplateHashLabel] = .string(hash)
            for _ in current.count..<replicas {
                writes.append(.createPod([
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": [
                        "name": .string("\(name)-\(hash)-\(suffix())"), "namespace": .string(namespace),
                        "labels": .object(labels), "annotations": template[path: ["metadata", "annotations"]] ?? [:],
                        "ownerReferences": [ownerReference(deployment, kind: "Deployment")],
                    ],
                    "spec": template["spec"] ?? [:],
                ]))
            }
        } else if current.count > replicas {
            writes += current.dropFirst(replicas).compactMap { $0[path: ["metadata", "name"]]?.stringValue }.map { .deletePod(name: $0) }
        }
        let ready = current.filter(isReady).count
        let status: JSONValue = [
            "observedGeneration": deployment[path: ["metadata", "generation"]] ?? 1,
            "replicas": .int(Int64(live.count)), "updatedReplicas": .int(Int64(current.count)),
            "readyReplicas": .int(Int64(ready)), "availableReplicas": .int(Int64(ready)),
            "unavailableReplicas": .int(Int64(max(0, replicas - ready))),
        ]
        if !sameStatus(deployment["status"], status) { writes.append(.status(status)) }
        return writes
    }

    /// Whether every field we write already has the value (other writers' fields are ignored).
    static func sameStatus(_ stored: JSONValue?, _ computed: JSONValue) -> Bool {
        guard let fields = computed.objectValue else { return false }
        return fields.allSatisfy { stored?[$0.key] == $0.value }
    }
}
