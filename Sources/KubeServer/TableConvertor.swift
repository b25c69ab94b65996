import Foundation
import KubeAPI

/// One column of a custom resource's table (`additionalPrinterColumns`).
struct PrinterColumn: Sendable, Equatable {
    var name: String
    var type: String
    var jsonPath: String
    var description: String?
    var priority: Int

    init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, let type = json["type"]?.stringValue,
              let path = json["jsonPath"]?.stringValue else { return nil }
        self.name = name
        self.type = type
        jsonPath = path
        description = json["description"]?.stringValue
        priority = Int(json["priority"]?.intValue ?? 0)
    }
}

/// The `meta.k8s.io/v1 Table` form of a get or a list, which kubectl asks for
/// (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) to print its columns: pods with
/// READY, STATUS, RESTARTS and AGE as kube's printers compute them, custom resources with their
/// CRD's printer columns, anything else with NAME and AGE. Pure.
enum TableConvertor {
    /// Whether an Accept header asks for a Table (kubectl lists it first, JSON as the fallback).
    static func wantsTable(_ accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.split(separator: ",").contains { part in
            let parameters = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            return parameters.contains("as=Table") && parameters.contains("g=meta.k8s.io")
                && (parameters.contains("v=v1") || parameters.contains("v=v1beta1"))
        }
    }

    /// What each row carries besides its cells (`?includeObject=`): None, Metadata (the default:
    /// a PartialObjectMetadata, which kubectl reads the namespace of), or the whole Object.
    enum Include: String { case none = "None", metadata = "Metadata", object = "Object" }

    struct Column {
        var name: String
        var type: String
        var format: String = ""
        var description: String
        var priority: Int = 0
        var cell: (JSONValue) -> JSONValue

        var definition: JSONValue {
            ["name": .string(name), "type": .string(type), "format": .string(format), "description": .string(description),
             "priority": .int(Int64(priority))]
        }
    }

    /// The table of `objects` (one for a get), with the list's metadata (resourceVersion, continue).
    static func table(_ definition: ResourceDefinition, version: String, objects: [JSONValue], listMetadata: JSONValue?,
                      include: Include, now: Date) -> JSONValue {
        let columns = self.columns(definition, version: version, now: now)
        let rows: [JSONValue] = objects.map { object in
            var row: JSONValue = ["cells": .array(columns.map { $0.cell(object) })]
            switch include {
            case .none: break
            case .object: row["object"] = object
            case .metadata:
                row["object"] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": object["metadata"] ?? [:]]
            }
            return row
        }
        var metadata: JSONValue = [:]
        if let version = listMetadata?["resourceVersion"] { metadata["resourceVersion"] = version }
        if let token = listMetadata?["continue"], token.stringValue?.isEmpty == false { metadata["continue"] = token }
        return ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata,
                "columnDefinitions": .array(columns.map(\.definition)), "rows": .array(rows)]
    }

    static func columns(_ definition: ResourceDefinition, version: String, now: Date) -> [Column] {
        let name = Column(name: "Name", type: "string", format: "name",
                          description: "Name must be unique within a namespace.") { $0[path: ["metadata", "name"]] ?? "" }
        let age = Column(name: "Age", type: "string", description: "When the object was created.") { object in
            .string(object[path: ["metadata", "creationTimestamp"]]?.stringValue.flatMap(KubeTime.parse).map { HumanDuration.since($0, now: now) } ?? "<unknown>")
        }
        if definition.isCustom {
            let custom = definition.printerColumns[version] ?? []
            // Without printer columns kube shows the name and the creation time.
            guard !custom.isEmpty else { return [name, age] }
            return [name] + custom.map { column in
                Column(name: column.name, type: column.type, description: column.description ?? "",
                       priority: column.priority) { object in
                    let value = JSONPathLite.value(column.jsonPath, in: object)
                    if column.type == "date" {
                        return value?.stringValue.flatMap(KubeTime.parse).map { .string(HumanDuration.since($0, now: now)) } ?? "<unknown>"
                    }
                    return value ?? .null
                }
            }
        }
        if definition.group.isEmpty, definition.plural == "pods" {
            return [
                name,
                Column(name: "Ready", type: "string", description: "The number of containers ready, of all.") { PodColumns.ready($0) },
                Column(name: "Status", type: "string", description: "The aggregate status of the containers in this pod.") { .string(PodColumns.status($0)) },
                Column(name: "Restarts", type: "string", description: "The number of times the containers in this pod have been restarted.") {
                    .string(PodColumns.restarts($0, now: now))
                },
                age,
                Column(name: "IP", type: "string", description: "The pod's IP.", priority: 1) { $0[path: ["status", "podIP"]] ?? "<none>" },
                Column(name: "Node", type: "string", description: "The node the pod runs on.", priority: 1) { $0[path: ["spec", "nodeName"]] ?? "<none>" },
            ]
        }
        return [name, age]
    }
}

/// kube's pod printer, for the columns kubectl shows.
enum PodColumns {
    static func ready(_ pod: JSONValue) -> JSONValue {
        let total = pod[path: ["spec", "containers"]]?.arrayValue?.count ?? 0
        let ready = (pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []).filter { $0["ready"]?.boolValue == true }.count
        return .string("\(ready)/\(total)")
    }

    /// As kube's pod printer: the pod's own reason (Evicted) or phase, an init container's
    /// failure or progress, then the first container's waiting or terminated reason (containers
    /// are read last to first, so the first wins), Terminating over everything.
    static func status(_ pod: JSONValue) -> String {
        var reason = pod[path: ["status", "reason"]]?.stringValue ?? pod[path: ["status", "phase"]]?.stringValue ?? "Unknown"
        let initStatuses = pod[path: ["status", "initContainerStatuses"]]?.arrayValue ?? []
        let initCount = pod[path: ["spec", "initContainers"]]?.arrayValue?.count ?? 0
        var initializing = false
        for (index, status) in initStatuses.enumerated() {
            if let terminated = status[path: ["state", "terminated"]], terminated["exitCode"]?.intValue == 0 { continue }
            if let terminated = status[path: ["state", "terminated"]] {
                let why = terminated["reason"]?.stringValue ?? ""
                reason = why.isEmpty ? "Init:ExitCode:\(terminated["exitCode"]?.intValue ?? 0)" : "Init:\(why)"
            } else if let waiting = status[path: ["state", "waiting", "reason"]]?.stringValue, !waiting.isEmpty, waiting != "PodInitializing" {
                reason = "Init:\(waiting)"
            } else {
                reason = "Init:\(index)/\(initCount)"
            }
            initializing = true
            break
        }
        if !initializing {
            var running = false
            for status in (pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []).reversed() {
                if let waiting = status[path: ["state", "waiting", "reason"]]?.stringValue, !waiting.isEmpty {
                    reason = waiting
                } else if let terminated = status[path: ["state", "terminated"]] {
                    let why = terminated["reason"]?.stringValue ?? ""
                    reason = why.isEmpty ? "ExitCode:\(terminated["exitCode"]?.intValue ?? 0)" : why
                } else if status[path: ["state", "running"]] != nil, status["ready"]?.boolValue == true {
                    running = true
                }
            }
            // A pod whose finished container says Completed still runs while another does.
            if reason == "Completed", running { reason = "Running" }
        }
        if pod[path: ["metadata", "deletionTimestamp"]] != nil { return "Terminating" }
        return reason
    }

    /// The restarts of every container, with how long ago the last one was: "2 (5m ago)".
    static func restarts(_ pod: JSONValue, now: Date) -> String {
        let statuses = pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []
        let count = statuses.reduce(Int64(0)) { $0 + ($1["restartCount"]?.intValue ?? 0) }
        let last = statuses.compactMap { $0[path: ["lastState", "terminated", "finishedAt"]]?.stringValue.flatMap(KubeTime.parse) }.max()
        guard count > 0, let last else { return "\(count)" }
        return "\(count) (\(HumanDuration.since(last, now: now)) ago)"
    }
}

/// A JSONPath of the simple form CRDs use in printer columns: `.status.state`,
/// `.spec.replicas`, `.status.conditions[0].type`.
enum JSONPathLite {
    static func value(_ path: String, in object: JSONValue) -> JSONValue? {
        var current: JSONValue? = object
        for part in path.split(separator: ".") where !part.isEmpty {
            var name = Substring(part)
            var index: Int?
            if let open = name.firstIndex(of: "["), name.hasSuffix("]") {
                index = Int(name[name.index(after: open)..<name.index(before: name.endIndex)])
                name = name[..<open]
            }
            if !name.isEmpty { current = current?[String(name)] }
            if let index {
                guard let array = current?.arrayValue, array.indices.contains(index) else { return nil }
                current = array[index]
            }
        }
        return current
    }
}
