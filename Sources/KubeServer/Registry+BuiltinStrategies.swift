import KubeAPI
import KubeSchema

/// What kube's per-type strategies add for the built-in kinds whose server-side behaviour
/// clients can observe: namespaces (name label, finalizer), services (cluster IP allocation
/// and the defaults a client reads back), and CustomResourceDefinitions (validation,
/// cleanup finalizer, initial status).
extension Registry {
    static let crdResource = GroupResource(group: "apiextensions.k8s.io", resource: "customresourcedefinitions")
    static let crdCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

    func prepareBuiltin(_ definition: ResourceDefinition, _ object: JSONValue, old: JSONValue?,
                        errors: inout [FieldError]) throws(APIFailure) -> JSONValue {
        var object = object
        if !definition.isCustom {
            object = BuiltinDefaults.apply(definition.groupResource, to: object)
            errors += BuiltinValidation.errors(definition.groupResource, new: object, old: old)
        }
        switch definition.groupResource {
        case GroupResource(group: "", resource: "secrets"):
            object = try ConfigDataRules.secret(object)
            errors += ConfigDataRules.keyErrors(object, fields: ["data"])
        case GroupResource(group: "", resource: "configmaps"):
            errors += ConfigDataRules.keyErrors(object, fields: ["data", "binaryData"])
        case GroupResource(group: "", resource: "namespaces"):
            let name = ObjectMetaRules.name(object)
            object[path: ["metadata", "labels", "kubernetes.io/metadata.name"]] = .string(name)
            if old == nil, object[path: ["spec", "finalizers"]] == nil {
                object[path: ["spec", "finalizers"]] = ["kubernetes"]
            }
        case GroupResource(group: "", resource: "services"):
            prepareService(&object, old: old, errors: &errors)
        case Self.crdResource:
            prepareCustomResourceDefinition(&object, old: old, errors: &errors)
        default:
            break
        }
        return object
    }

    private func prepareService(_ object: inout JSONValue, old: JSONValue?, errors: inout [FieldError]) {
        var spec = object["spec"] ?? .object([:])
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        spec["type"] = .string(type)
        if spec["sessionAffinity"] == nil { spec["sessionAffinity"] = "None" }
        if type != "ExternalName" {
            let requested = spec["clusterIP"]?.stringValue ?? ""
            let previous = old?[path: ["spec", "clusterIP"]]?.stringValue ?? ""
            var ip = requested
            if let old, old != .null {
                if requested.isEmpty {
                    ip = previous
                } else if requested != previous {
                    errors.append(.invalid("spec.clusterIPs[0]", verbatim: ("[]string{\(GoFormat.quote(requested))}"),
                                           "may not change once set"))
                }
            } else if requested.isEmpty {
                ip = allocateClusterIP()
            } else if requested != "None", allocatedClusterIPs.contains(requested) {
                errors.append(.invalid("spec.clusterIPs", verbatim: ("[]string{\(GoFormat.quote(requested))}"),
                                       "failed to allocate IP \(requested): provided IP is already allocated"))
            }
            spec["clusterIP"] = .string(ip)
            spec["clusterIPs"] = [.string(ip)]
            if ip != "None" {
                if spec["ipFamilies"] == nil { spec["ipFamilies"] = ["IPv4"] }
                if spec["ipFamilyPolicy"] == nil { spec["ipFamilyPolicy"] = "SingleStack" }
            }
            if spec["internalTrafficPolicy"] == nil { spec["internalTrafficPolicy"] = "Cluster" }
            let ports = spec["ports"]?.arrayValue ?? []
            if ports.isEmpty, ip != "None" { errors.append(.required("spec.ports")) }
            spec["ports"] = ports.isEmpty ? spec["ports"] : .array(ports.map { port in
                var port = port
                if port["protocol"] == nil { port["protocol"] = "TCP" }
                if port["targetPort"] == nil, let number = port["port"] { port["targetPort"] = number }
                return port
            })
        }
        object["spec"] = spec
    }

    private func allocateClusterIP() -> String {
        // 10.96.0.0/12, like kube's default service CIDR; .1 is the kubernetes service.
        while true {
            let offset = Int.random(in: 10..<(1 << 20) - 1)
            let ip = "10.\(96 + (offset >> 16)).\((offset >> 8) & 0xff).\(offset & 0xff)"
            if !allocatedClusterIPs.contains(ip) { return ip }
        }
    }

    func trackClusterIP(_ event: StoredEvent) {
        if let ip = event.previous?[path: ["spec", "clusterIP"]]?.stringValue { allocatedClusterIPs.remove(ip) }
        if event.kind != .deleted, let ip = event.object[path: ["spec", "clusterIP"]]?.stringValue, ip != "None" {
            allocatedClusterIPs.insert(ip)
        }
    }

    private func prepareCustomResourceDefinition(_ object: inout JSONValue, old: JSONValue?, errors: inout [FieldError]) {
        if object[path: ["spec", "conversion"]] == nil { object[path: ["spec", "conversion"]] = ["strategy": "None"] }
        let definition: ResourceDefinition
        switch CustomResourceDefinitionReader.read(object) {
        case .failure(let failure):
            errors += failure.errors
            return
        case .success(let read):
            definition = read
        }
        let storage = (object[path: ["spec", "versions"]]?.arrayValue ?? [])
            .first { $0["storage"]?.boolValue == true }?["name"]?.stringValue ?? definition.versions.first ?? ""
        if let old, old != .null {
            // An established CRD keeps its conditions; a new storage version is recorded.
            var stored = old[path: ["status", "storedVersions"]]?.arrayValue ?? []
            if !stored.contains(.string(storage)) { stored.append(.string(storage)) }
            object[path: ["status", "storedVersions"]] = .array(stored)
            if let oldGroup = old[path: ["spec", "group"]], oldGroup != object[path: ["spec", "group"]] {
                errors.append(.invalid("spec.group", object[path: ["spec", "group"]] ?? "", "field is immutable"))
            }
        } else {
            var finalizers = ObjectMetaRules.finalizers(object)
            if !finalizers.contains(Self.crdCleanupFinalizer) { finalizers.append(Self.crdCleanupFinalizer) }
            ObjectMetaRules.setFinalizers(finalizers, on: &object)
            // Like kube: the answer to the create has no conditions; the CRD controllers set them just after.
            object["status"] = ["acceptedNames": ["kind": "", "plural": ""], "conditions": [],
                                "storedVersions": [.string(storage)]]
        }
    }
}
