import Foundation
import KubeAPI
import KubeSchema

/// The defaults kube-apiserver fills into built-in objects when it decodes them
/// (k8s.io/kubernetes/pkg/apis/*/v1/defaults.go), for the kinds this project writes.
/// A client that compares what it rendered with what it reads back (to avoid needless
/// updates) must see these here as it would on a real cluster. Pure.
enum BuiltinDefaults {
    static func apply(_ resource: GroupResource, to object: JSONValue) -> JSONValue {
        var object = object
        switch (resource.group, resource.resource) {
        case ("apps", "statefulsets"):
            var spec = object["spec"] ?? .object([:])
            setIfAbsent(&spec, "replicas", 1)
            setIfAbsent(&spec, "podManagementPolicy", "OrderedReady")
            setIfAbsent(&spec, "revisionHistoryLimit", 10)
            var strategy = spec["updateStrategy"] ?? .object([:])
            setIfAbsent(&strategy, "type", "RollingUpdate")
            if strategy["type"] == "RollingUpdate" {
                var rolling = strategy["rollingUpdate"] ?? .object([:])
                setIfAbsent(&rolling, "partition", 0)
                strategy["rollingUpdate"] = rolling
            }
            spec["updateStrategy"] = strategy
            var retention = spec["persistentVolumeClaimRetentionPolicy"] ?? .object([:])
            setIfAbsent(&retention, "whenDeleted", "Retain")
            setIfAbsent(&retention, "whenScaled", "Retain")
            spec["persistentVolumeClaimRetentionPolicy"] = retention
            if let templates = spec["volumeClaimTemplates"]?.arrayValue {
                spec["volumeClaimTemplates"] = .array(templates.map(claimTemplate))
            }
            spec["template"] = podTemplate(spec["template"] ?? .object([:]))
            object["spec"] = spec
        case ("apps", "deployments"):
            var spec = object["spec"] ?? .object([:])
            setIfAbsent(&spec, "replicas", 1)
            setIfAbsent(&spec, "revisionHistoryLimit", 10)
            setIfAbsent(&spec, "progressDeadlineSeconds", 600)
            var strategy = spec["strategy"] ?? .object([:])
            setIfAbsent(&strategy, "type", "RollingUpdate")
            if strategy["type"] == "RollingUpdate" {
                var rolling = strategy["rollingUpdate"] ?? .object([:])
                setIfAbsent(&rolling, "maxUnavailable", "25%")
                setIfAbsent(&rolling, "maxSurge", "25%")
                strategy["rollingUpdate"] = rolling
            }
            spec["strategy"] = strategy
            spec["template"] = podTemplate(spec["template"] ?? .object([:]))
            object["spec"] = spec
        case ("", "pods"):
            var spec = podSpec(object["spec"] ?? .object([:]))
            setIfAbsent(&spec, "enableServiceLinks", true)
            object["spec"] = spec
        case ("", "persistentvolumeclaims"):
            var spec = object["spec"] ?? .object([:])
            setIfAbsent(&spec, "volumeMode", "Filesystem")
            object["spec"] = spec
        case ("", "secrets"):
            setIfAbsent(&object, "type", "Opaque")
        case ("rbac.authorization.k8s.io", "rolebindings"), ("rbac.authorization.k8s.io", "clusterrolebindings"):
            if let subjects = object["subjects"]?.arrayValue {
                object["subjects"] = .array(subjects.map { subject in
                    var subject = subject
                    if subject["apiGroup"] == nil {
                        subject["apiGroup"] = subject["kind"] == "ServiceAccount" ? "" : "rbac.authorization.k8s.io"
                    }
                    return subject
                })
            }
        default:
            break
        }
        return object
    }

    static func podTemplate(_ template: JSONValue) -> JSONValue {
        var template = template
        var metadata = template["metadata"] ?? .object([:])
        // A typed ObjectMeta inside a template serializes its zero creationTimestamp as null.
        if metadata["creationTimestamp"] == nil { metadata["creationTimestamp"] = .null }
        template["metadata"] = metadata
        template["spec"] = podSpec(template["spec"] ?? .object([:]))
        return template
    }

    static func podSpec(_ spec: JSONValue) -> JSONValue {
        var spec = spec
        setIfAbsent(&spec, "restartPolicy", "Always")
        setIfAbsent(&spec, "terminationGracePeriodSeconds", 30)
        setIfAbsent(&spec, "dnsPolicy", "ClusterFirst")
        setIfAbsent(&spec, "securityContext", .object([:]))
        setIfAbsent(&spec, "schedulerName", "default-scheduler")
        for key in ["containers", "initContainers"] {
            if let containers = spec[key]?.arrayValue { spec[key] = .array(containers.map(container)) }
        }
        if let volumes = spec["volumes"]?.arrayValue { spec["volumes"] = .array(volumes.map(volume)) }
        return spec
    }

    static func container(_ container: JSONValue) -> JSONValue {
        var container = container
        setIfAbsent(&container, "terminationMessagePath", "/dev/termination-log")
        setIfAbsent(&container, "terminationMessagePolicy", "File")
        setIfAbsent(&container, "resources", .object([:]))
        if container["imagePullPolicy"] == nil {
            container["imagePullPolicy"] = .string(pullPolicy(for: container["image"]?.stringValue ?? ""))
        }
        if let ports = container["ports"]?.arrayValue {
            container["ports"] = .array(ports.map { port in
                var port = port
                setIfAbsent(&port, "protocol", "TCP")
                return port
            })
        }
        if let env = container["env"]?.arrayValue {
            container["env"] = .array(env.map { variable in
                var variable = variable
                if variable[path: ["valueFrom", "fieldRef"]] != nil,
                   variable[path: ["valueFrom", "fieldRef", "apiVersion"]] == nil {
                    variable[path: ["valueFrom", "fieldRef", "apiVersion"]] = "v1"
                }
                return variable
            })
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            if let value = container[probe] { container[probe] = self.probe(value) }
        }
        for hook in ["postStart", "preStop"] {
            if var handler = container[path: ["lifecycle", hook]] {
                if handler["httpGet"] != nil, handler[path: ["httpGet", "scheme"]] == nil {
                    handler[path: ["httpGet", "scheme"]] = "HTTP"
                }
                container[path: ["lifecycle", hook]] = handler
            }
        }
        return container
    }

    static func probe(_ probe: JSONValue) -> JSONValue {
        var probe = probe
        setIfAbsent(&probe, "timeoutSeconds", 1)
        setIfAbsent(&probe, "periodSeconds", 10)
        setIfAbsent(&probe, "successThreshold", 1)
        setIfAbsent(&probe, "failureThreshold", 3)
        if probe["httpGet"] != nil, probe[path: ["httpGet", "scheme"]] == nil {
            probe[path: ["httpGet", "scheme"]] = "HTTP"
        }
        return probe
    }

    static func volume(_ volume: JSONValue) -> JSONValue {
        var volume = volume
        for source in ["secret", "configMap", "downwardAPI", "projected"] where volume[source] != nil {
            if volume[path: [source, "defaultMode"]] == nil { volume[path: [source, "defaultMode"]] = 420 }
        }
        return volume
    }

    static func claimTemplate(_ claim: JSONValue) -> JSONValue {
        var claim = claim
        setIfAbsent(&claim, "apiVersion", "v1")
        setIfAbsent(&claim, "kind", "PersistentVolumeClaim")
        var metadata = claim["metadata"] ?? .object([:])
        if metadata["creationTimestamp"] == nil { metadata["creationTimestamp"] = .null }
        claim["metadata"] = metadata
        var spec = claim["spec"] ?? .object([:])
        setIfAbsent(&spec, "volumeMode", "Filesystem")
        claim["spec"] = spec
        setIfAbsent(&claim, "status", ["phase": "Pending"])
        return claim
    }

    /// `Always` for `:latest` or untagged images, else `IfNotPresent` (digests count as tagged).
    static func pullPolicy(for image: String) -> String {
        if image.contains("@") { return "IfNotPresent" }
        let lastComponent = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = lastComponent.lastIndex(of: ":") else { return "Always" }
        return lastComponent[lastComponent.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }

    private static func setIfAbsent(_ object: inout JSONValue, _ key: String, _ value: JSONValue) {
        if object[key] == nil { object[key] = value }
    }
}

/// Validation and conversion kube does when decoding Secrets and ConfigMaps.
enum ConfigDataRules {
    static let keyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"

    /// Secret: `stringData` is written into `data` (base64) and dropped; `data` must be base64.
    static func secret(_ object: JSONValue) throws(APIFailure) -> JSONValue {
        var object = object
        var data = object["data"]?.objectValue ?? [:]
        for value in data.values {
            guard let text = value.stringValue, Data(base64Encoded: text) != nil else {
                throw APIFailure(.badRequest("Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte \(firstBadByte(value.stringValue ?? ""))"))
            }
        }
        if let stringData = object["stringData"]?.objectValue {
            for (key, value) in stringData {
                data[key] = .string(Data((value.stringValue ?? "").utf8).base64EncodedString())
            }
            object["stringData"] = nil
        }
        if object["data"] != nil || !data.isEmpty { object["data"] = .object(data) }
        return object
    }

    static func keyErrors(_ object: JSONValue, fields: [String]) -> [FieldError] {
        var errors: [FieldError] = []
        var total = 0
        var seen = Set<String>()
        for field in fields {
            for (key, value) in (object[field]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                if !isConfigKey(key) {
                    errors.append(.invalid("\(field)[\(key)]", .string(key), keyMessage))
                } else if key.utf8.count > 253 {
                    errors.append(.invalid("\(field)[\(key)]", .string(key), "must be no more than 253 characters"))
                }
                if !seen.insert(key).inserted {
                    errors.append(.invalid("\(field)[\(key)]", .string(key), "duplicate of key present in data"))
                }
                total += value.stringValue?.utf8.count ?? 0
            }
        }
        if total > 1024 * 1024 {
            errors.append(FieldError(kind: .tooLong, field: fields[0], value: .omitted, detail: "must have at most 1048576 bytes"))
        }
        return errors
    }

    private static func isConfigKey(_ key: String) -> Bool {
        !key.isEmpty && key != "." && key != ".." && !key.hasPrefix("..")
            && key.utf8.allSatisfy { b in
                (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b == 0x2d || b == 0x2e || b == 0x5f
            }
    }

    private static func firstBadByte(_ text: String) -> Int {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".utf8)
        return Array(text.utf8).firstIndex { !alphabet.contains($0) } ?? text.utf8.count
    }
}
