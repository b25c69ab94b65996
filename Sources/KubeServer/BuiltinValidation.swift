import KubeAPI
import KubeSchema

/// The parts of kube's typed validation (k8s.io/kubernetes/pkg/apis/*/validation) that catch
/// mistakes an operator makes when rendering objects: selectors that do not match their
/// templates, fields a StatefulSet does not let you change, containers without names or
/// images, unnamed ports, a RoleBinding's roleRef changing. Messages are kube's. Pure.
enum BuiltinValidation {
    static func errors(_ resource: GroupResource, new: JSONValue, old: JSONValue?) -> [FieldError] {
        switch (resource.group, resource.resource) {
        case ("apps", "statefulsets"):
            return workload(new, old: old, kind: "statefulset") + statefulSetUpdate(new, old: old)
        case ("apps", "deployments"):
            return workload(new, old: old, kind: "deployment")
        case ("", "pods"):
            return podSpec(new["spec"] ?? .null, field: "spec")
        case ("", "services"):
            return servicePorts(new)
        case ("coordination.k8s.io", "leases"):
            if let duration = new[path: ["spec", "leaseDurationSeconds"]]?.intValue, duration <= 0 {
                return [.invalid("spec.leaseDurationSeconds", .int(duration), "must be greater than 0")]
            }
            return []
        case ("", "events"):
            return eventNamespace(new)
        case ("rbac.authorization.k8s.io", "rolebindings"):
            return roleBinding(new, old: old, kinds: ["Role", "ClusterRole"])
        case ("rbac.authorization.k8s.io", "clusterrolebindings"):
            return roleBinding(new, old: old, kinds: ["ClusterRole"])
        case ("policy", "poddisruptionbudgets"):
            if new[path: ["spec", "minAvailable"]] != nil, new[path: ["spec", "maxUnavailable"]] != nil {
                return [.invalid("spec", verbatim: "policy.PodDisruptionBudgetSpec{...}",
                                 "minAvailable and maxUnavailable cannot be both set")]
            }
            return []
        default:
            return []
        }
    }

    // MARK: Workloads

    private static func workload(_ object: JSONValue, old: JSONValue?, kind: String) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = object["spec"] ?? .null
        if let replicas = spec["replicas"]?.intValue, replicas < 0 {
            errors.append(.invalid("spec.replicas", .int(replicas), "must be greater than or equal to 0"))
        }
        let templateLabels = spec[path: ["template", "metadata", "labels"]]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        if let selector = spec["selector"] {
            let requirements = selectorRequirements(selector)
            if requirements.isEmpty {
                errors.append(.invalid("spec.selector", verbatim: goSelector(selector), "empty selector is invalid for \(kind)"))
            } else if !LabelSelector(requirements: requirements).matches(templateLabels) {
                errors.append(.invalid("spec.template.metadata.labels", verbatim: goStringMap(templateLabels),
                                       "`selector` does not match template `labels`"))
            }
            if let old, let oldSelector = old[path: ["spec", "selector"]], oldSelector != selector {
                errors.append(.invalid("spec.selector", verbatim: goSelector(selector), "field is immutable"))
            }
        } else {
            errors.append(.required("spec.selector"))
        }
        errors += podSpec(spec[path: ["template", "spec"]] ?? .null, field: "spec.template.spec")
        return errors
    }

    /// What kube lets change in a StatefulSet's spec after creation.
    static let statefulSetMutableFields: Set<String> = [
        "replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds",
    ]

    private static func statefulSetUpdate(_ new: JSONValue, old: JSONValue?) -> [FieldError] {
        guard let old else { return [] }
        let newSpec = (new["spec"]?.objectValue ?? [:]).filter { !statefulSetMutableFields.contains($0.key) }
        let oldSpec = (old["spec"]?.objectValue ?? [:]).filter { !statefulSetMutableFields.contains($0.key) }
        if newSpec == oldSpec { return [] }
        // The selector has its own, more precise message above.
        var withoutSelector = newSpec
        var oldWithoutSelector = oldSpec
        withoutSelector["selector"] = nil
        oldWithoutSelector["selector"] = nil
        if withoutSelector == oldWithoutSelector { return [] }
        return [.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")]
    }

    private static func selectorRequirements(_ selector: JSONValue) -> [LabelSelector.Requirement] {
        var requirements: [LabelSelector.Requirement] = []
        for (key, value) in (selector["matchLabels"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            requirements.append(.init(key: key, op: .equals, values: [value.stringValue ?? ""]))
        }
        for expression in selector["matchExpressions"]?.arrayValue ?? [] {
            let key = expression["key"]?.stringValue ?? ""
            let values = expression["values"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let op: LabelSelector.Operator
            switch expression["operator"]?.stringValue {
            case "In": op = .in
            case "NotIn": op = .notIn
            case "Exists": op = .exists
            case "DoesNotExist": op = .doesNotExist
            default: continue
            }
            requirements.append(.init(key: key, op: op, values: values))
        }
        return requirements
    }

    // MARK: Pods

    private static func podSpec(_ spec: JSONValue, field: String) -> [FieldError] {
        var errors: [FieldError] = []
        let containers = spec["containers"]?.arrayValue ?? []
        if containers.isEmpty { errors.append(.required("\(field).containers")) }
        var names = Set<String>()
        for (key, list) in [("initContainers", spec["initContainers"]?.arrayValue ?? []), ("containers", containers)] {
            for (index, container) in list.enumerated() {
                let path = "\(field).\(key)[\(index)]"
                let name = container["name"]?.stringValue ?? ""
                if name.isEmpty {
                    errors.append(.required("\(path).name"))
                } else {
                    for problem in NameValidation.dns1123Label(name) {
                        errors.append(.invalid("\(path).name", .string(name), problem))
                    }
                    if !names.insert(name).inserted {
                        errors.append(FieldError(kind: .duplicate, field: "\(path).name", value: .json(.string(name)), detail: ""))
                    }
                }
                if (container["image"]?.stringValue ?? "").isEmpty { errors.append(.required("\(path).image")) }
            }
        }
        return errors
    }

    // MARK: Services

    private static func servicePorts(_ service: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let ports = service[path: ["spec", "ports"]]?.arrayValue ?? []
        var names = Set<String>()
        for (index, port) in ports.enumerated() {
            let name = port["name"]?.stringValue ?? ""
            if ports.count > 1, name.isEmpty {
                errors.append(.required("spec.ports[\(index)].name"))
            } else if !name.isEmpty, !names.insert(name).inserted {
                errors.append(FieldError(kind: .duplicate, field: "spec.ports[\(index)].name", value: .json(.string(name)), detail: ""))
            }
            if let number = port["port"]?.intValue, !(1...65535).contains(number) {
                errors.append(.invalid("spec.ports[\(index)].port", .int(number), "must be between 1 and 65535, inclusive"))
            } else if port["port"] == nil {
                errors.append(.required("spec.ports[\(index)].port"))
            }
        }
        return errors
    }

    // MARK: Events and RBAC

    private static func eventNamespace(_ event: JSONValue) -> [FieldError] {
        let namespace = ObjectMetaRules.namespace(event)
        let involved = event[path: ["involvedObject", "namespace"]]?.stringValue ?? ""
        let mismatch = involved.isEmpty ? (namespace != "" && namespace != "default") : namespace != involved
        return mismatch ? [.invalid("involvedObject.namespace", .string(involved), "does not match event.namespace")] : []
    }

    /// A RoleBinding may refer to a Role or a ClusterRole; a ClusterRoleBinding only to a ClusterRole.
    private static func roleBinding(_ binding: JSONValue, old: JSONValue?, kinds: [String]) -> [FieldError] {
        var errors: [FieldError] = []
        let kind = binding[path: ["roleRef", "kind"]]?.stringValue ?? ""
        if !kinds.contains(kind) {
            errors.append(.notSupported("roleRef.kind", .string(kind), kinds))
        }
        if (binding[path: ["roleRef", "name"]]?.stringValue ?? "").isEmpty { errors.append(.required("roleRef.name")) }
        if let old, let oldRef = old["roleRef"], oldRef != binding["roleRef"] {
            errors.append(.invalid("roleRef", verbatim: "rbac.RoleRef{...}", "cannot change roleRef"))
        }
        return errors
    }

    // MARK: Go-style value printing for messages

    static func goStringMap(_ map: [String: String]) -> String {
        "map[string]string{" + map.keys.sorted().map { "\(GoFormat.quote($0)):\(GoFormat.quote(map[$0]!))" }.joined(separator: ", ") + "}"
    }

    private static func goSelector(_ selector: JSONValue) -> String {
        let labels = selector["matchLabels"]?.objectValue?.compactMapValues(\.stringValue)
        let labelsText = labels.map(goStringMap) ?? "map[string]string(nil)"
        return "v1.LabelSelector{MatchLabels:\(labelsText), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"
    }
}
