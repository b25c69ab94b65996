import Foundation
import KubeAPI
import KubeClient
import Logging

/// Records core/v1 Events on a QiniuMySQL: cluster state changes, the controller's recovery
/// work, manual-intervention states, and the operator's own interventions. Best effort: a failed
/// Event is logged, never retried at the cost of reconciling.
public struct EventRecorder: Sendable {
    let client: KubeClient
    let component: String
    let logger: Logger

    public init(client: KubeClient, component: String = "qmysql-operator", logger: Logger) {
        self.client = client
        self.component = component
        self.logger = logger
    }

    public enum Kind: String, Sendable {
        case normal = "Normal"
        case warning = "Warning"
    }

    public func record(_ object: JSONValue, kind: Kind, reason: String, message: String) async {
        guard let name = object[path: ["metadata", "name"]]?.stringValue,
              let namespace = object[path: ["metadata", "namespace"]]?.stringValue else { return }
        let now = Date()
        let stamp = KubeTime.format(now)
        let suffix = String(UInt64(now.timeIntervalSince1970 * 1_000_000_000), radix: 16)
        let event: JSONValue = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string("\(name).\(suffix)"), "namespace": .string(namespace)],
            "involvedObject": [
                "apiVersion": object["apiVersion"] ?? .null, "kind": object["kind"] ?? .null, "name": .string(name),
                "namespace": .string(namespace), "uid": object[path: ["metadata", "uid"]] ?? .null,
                "resourceVersion": object[path: ["metadata", "resourceVersion"]] ?? .null,
            ],
            "reason": .string(reason), "message": .string(String(message.prefix(1024))), "type": .string(kind.rawValue),
            "source": ["component": .string(component)], "reportingComponent": .string(component),
            "firstTimestamp": .string(stamp), "lastTimestamp": .string(stamp), "count": 1,
        ]
        do {
            _ = try await client.createRaw(Event.resourceType, event, namespace: namespace)
            logger.info("event", metadata: ["cluster": "\(namespace)/\(name)", "reason": "\(reason)", "message": "\(message)"])
        } catch {
            logger.warning("cannot record an event", metadata: ["cluster": "\(namespace)/\(name)", "reason": "\(reason)", "error": "\(error)"])
        }
    }
}
