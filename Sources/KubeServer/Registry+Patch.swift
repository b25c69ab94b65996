import Foundation
import KubeAPI
import KubeSchema
import Yams

/// PATCH in its four content types: JSON merge patch, JSON patch, strategic merge patch
/// (built-in kinds only; applied as a merge patch here) and server-side apply
/// (`application/apply-patch+yaml`, which also creates).
extension Registry {
    static let patchTypes = ["application/json-patch+json", "application/merge-patch+json",
                             "application/strategic-merge-patch+json", "application/apply-patch+yaml"]

    func patch(_ definition: ResourceDefinition, _ request: ResourceRequest, body: Data, contentType: String?,
               query: QueryParameters, context: WriteContext) throws(APIFailure) -> WriteResult {
        let mediaType = (contentType ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
        let accepted = definition.acceptsStrategicMergePatch ? Self.patchTypes
            : Self.patchTypes.filter { $0 != "application/strategic-merge-patch+json" }
        guard accepted.contains(mediaType) else {
            throw APIFailure(.unsupportedMediaType(mediaType, accepted: accepted))
        }
        let dryRun = try Self.dryRun(query)
        if mediaType != "application/apply-patch+yaml", query["force"] != nil {
            throw APIFailure(.invalid(kind: "PatchOptions", group: "meta.k8s.io", name: "", [
                .forbidden("force", "may not be specified for non-apply patch")]))
        }
        if mediaType == "application/apply-patch+yaml" {
            return try serverSideApply(definition, request, body: body, query: query, context: context)
        }

        let name = request.name ?? ""
        let key = objectKey(definition, namespace: request.namespace, name: name)
        guard let current = store.get(definition.groupResource, key) else {
            throw APIFailure(.notFound(definition.groupResource, name: name))
        }
        let old = present(current, definition, version: request.version)
        let patch: JSONValue
        do {
            patch = try JSONValue.parse(body)
        } catch {
            throw APIFailure(.badRequest("error decoding patch: \(Self.describe(error))"))
        }
        var patched: JSONValue
        switch mediaType {
        case "application/json-patch+json":
            do {
                patched = try JSONPatch.apply(patch, to: old)
            } catch {
                throw APIFailure(Status(message: error.description, reason: .invalid, code: 422))
            }
        default:
            guard patch.objectValue != nil else {
                throw APIFailure(.badRequest("error decoding patch: json: cannot unmarshal \(patch.typeName) into Go value of type map[string]interface {}"))
            }
            patched = MergePatch.apply(patch, to: old)
        }
        let patchedName = ObjectMetaRules.name(patched)
        if patchedName != name {
            throw APIFailure(.badRequest("the name of the object (\(patchedName)) does not match the name on the URL (\(name))"))
        }
        if definition.namespaced, ObjectMetaRules.namespace(patched) != (request.namespace ?? "") {
            throw APIFailure(.badRequest("the namespace of the provided object does not match the namespace sent on the request"))
        }
        return try applyUpdate(definition, version: request.version, key: key, current: current, candidate: patched,
                               subresource: request.subresource, requireResourceVersion: false, dryRun: dryRun,
                               manager: Self.manager(query, context), operation: .update, query: query,
                               optionsKind: "PatchOptions")
    }

    private func serverSideApply(_ definition: ResourceDefinition, _ request: ResourceRequest, body: Data,
                                 query: QueryParameters, context: WriteContext) throws(APIFailure) -> WriteResult {
        guard let manager = query["fieldManager"], !manager.isEmpty else {
            throw APIFailure(.invalid(kind: "PatchOptions", group: "meta.k8s.io", name: "", [
                .required("fieldManager", "is required for apply patch")]))
        }
        let force = query.bool("force") == true
        let config = try Self.parseApplyConfiguration(body)
        guard config.objectValue != nil else {
            throw APIFailure(.badRequest("error decoding YAML: apply patch must be an object"))
        }
        let text = String(decoding: body, as: UTF8.self)
        if (config["kind"]?.stringValue ?? "").isEmpty { throw APIFailure(.badRequest("Object 'Kind' is missing in '\(text)'")) }
        if (config["apiVersion"]?.stringValue ?? "").isEmpty {
            throw APIFailure(.badRequest("Object 'apiVersion' is missing in '\(text)'"))
        }
        try checkTypeMeta(config, definition, version: request.version)
        let name = request.name ?? ""
        let configName = ObjectMetaRules.name(config)
        if !configName.isEmpty, configName != name {
            throw APIFailure(.badRequest("the name of the object (\(configName)) does not match the name on the URL (\(name))"))
        }
        var configuration = config
        _ = try namespaceForWrite(&configuration, definition, request)

        let key = objectKey(definition, namespace: request.namespace, name: name)
        guard let current = store.get(definition.groupResource, key) else {
            if request.subresource != nil { throw APIFailure(.notFound(definition.groupResource, name: name)) }
            var object = configuration
            object[path: ["metadata", "name"]] = .string(name)
            return try create(definition, request, body: object, query: query, context: context, appliedBy: manager)
        }
        let old = present(current, definition, version: request.version)
        let result = try ServerSideApply.apply(configuration, to: old, manager: manager, force: force,
                                               subresource: request.subresource,
                                               hasStatusSubresource: definition.hasStatusSubresource)
        return try applyUpdate(definition, version: request.version, key: key, current: current, candidate: result.object,
                               subresource: request.subresource, requireResourceVersion: false,
                               dryRun: try Self.dryRun(query), manager: manager, operation: .apply, applied: result.applied,
                               query: query, optionsKind: "PatchOptions")
    }

    /// An apply body is YAML (JSON being YAML too).
    static func parseApplyConfiguration(_ body: Data) throws(APIFailure) -> JSONValue {
        if let json = try? JSONValue.parse(body) { return json }
        do {
            let loaded = try Yams.load(yaml: String(decoding: body, as: UTF8.self))
            return try YAMLConversion.json(from: loaded)
        } catch {
            throw APIFailure(.badRequest("error decoding YAML: \(error)"))
        }
    }
}

/// Turns what Yams loads into JSON values.
enum YAMLConversion {
    struct Unsupported: Error, CustomStringConvertible {
        var description: String
    }

    static func json(from value: Any?) throws -> JSONValue {
        switch value {
        case nil: return .null
        case is NSNull: return .null
        case let bool as Bool: return .bool(bool)
        case let int as Int: return .int(Int64(int))
        case let double as Double: return .double(double)
        case let string as String: return .string(string)
        case let date as Date: return .string(KubeTime.format(date))
        case let data as Data: return .string(data.base64EncodedString())
        case let array as [Any?]: return .array(try array.map(json(from:)))
        case let map as [String: Any?]:
            return .object(try map.mapValues(json(from:)))
        case let map as [AnyHashable: Any?]:
            var members: [String: JSONValue] = [:]
            for (key, member) in map { members["\(key)"] = try json(from: member) }
            return .object(members)
        default:
            throw Unsupported(description: "unsupported YAML value \(String(describing: value))")
        }
    }
}
