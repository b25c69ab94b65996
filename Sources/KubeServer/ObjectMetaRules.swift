import Foundation
import KubeAPI
import KubeSchema

/// The rules kube-apiserver applies to `metadata` of every object: which fields exist, what is
/// valid, what the server owns (uid, creationTimestamp, resourceVersion, generation, deletion
/// fields), and when `generation` moves. Pure functions over JSON.
enum ObjectMetaRules {
    /// ObjectMeta's fields; anything else in `metadata` is dropped, as kube's decoder drops it.
    static let knownFields: Set<String> = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
        "ownerReferences", "finalizers", "managedFields",
    ]

    static let orphanFinalizer = "orphan"
    static let foregroundFinalizer = "foregroundDeletion"

    /// Drops unknown and null members of `metadata`.
    static func coerce(_ object: inout JSONValue) {
        guard case .object(let members) = object["metadata"] ?? .object([:]) else {
            object["metadata"] = .object([:])
            return
        }
        object["metadata"] = .object(members.filter { knownFields.contains($0.key) && !$0.value.isNull })
    }

    /// The `metadata` members `coerce` would drop, as field paths for warnings.
    static func unknownFields(_ object: JSONValue) -> [String] {
        guard let members = object["metadata"]?.objectValue else { return [] }
        return members.keys.filter { !knownFields.contains($0) }.sorted().map { "metadata.\($0)" }
    }

    static func name(_ object: JSONValue) -> String { object[path: ["metadata", "name"]]?.stringValue ?? "" }
    static func namespace(_ object: JSONValue) -> String { object[path: ["metadata", "namespace"]]?.stringValue ?? "" }
    static func uid(_ object: JSONValue) -> String? { object[path: ["metadata", "uid"]]?.stringValue }
    static func finalizers(_ object: JSONValue) -> [String] {
        object[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
    static func isTerminating(_ object: JSONValue) -> Bool { object[path: ["metadata", "deletionTimestamp"]] != nil }
    static func labels(_ object: JSONValue) -> [String: String] {
        object[path: ["metadata", "labels"]]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
    }
    static func ownerUIDs(_ object: JSONValue) -> [String] {
        object[path: ["metadata", "ownerReferences"]]?.arrayValue?.compactMap { $0["uid"]?.stringValue } ?? []
    }
    static func resourceVersion(_ object: JSONValue) -> String? {
        object[path: ["metadata", "resourceVersion"]]?.stringValue
    }

    static func setFinalizers(_ finalizers: [String], on object: inout JSONValue) {
        object[path: ["metadata", "finalizers"]] = finalizers.isEmpty ? nil : .array(finalizers.map(JSONValue.string))
    }

    /// `ValidateObjectMeta` for a create (or an update, `isCreate: false`).
    static func validate(_ object: JSONValue, definition: ResourceDefinition, isCreate: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        let metadata = object["metadata"] ?? .object([:])
        let name = metadata["name"]?.stringValue ?? ""
        let generateName = metadata["generateName"]?.stringValue ?? ""
        if name.isEmpty {
            if generateName.isEmpty || !isCreate {
                errors.append(.required("metadata.name", "name or generateName is required"))
            }
        } else {
            for problem in definition.nameRule.problems(name) {
                errors.append(.invalid("metadata.name", .string(name), problem))
            }
        }
        if !generateName.isEmpty, isCreate {
            for problem in definition.nameRule.problems(generateName, prefix: true) {
                errors.append(.invalid("metadata.generateName", .string(generateName), problem))
            }
        }
        if let labels = metadata["labels"]?.objectValue {
            for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
                for problem in NameValidation.qualifiedName(key) {
                    errors.append(.invalid("metadata.labels", .string(key), problem))
                }
                guard let text = value.stringValue else {
                    errors.append(.typeInvalid("metadata.labels", value, "must be a string"))
                    continue
                }
                for problem in NameValidation.labelValue(text) {
                    errors.append(.invalid("metadata.labels", .string(text), problem))
                }
            }
        }
        if let annotations = metadata["annotations"]?.objectValue {
            var total = 0
            for (key, value) in annotations.sorted(by: { $0.key < $1.key }) {
                for problem in NameValidation.qualifiedName(key.lowercased()) {
                    errors.append(.invalid("metadata.annotations", .string(key), problem))
                }
                total += key.utf8.count + (value.stringValue?.utf8.count ?? 0)
            }
            if total > 256 * 1024 {
                errors.append(FieldError(kind: .tooLong, field: "metadata.annotations", value: .omitted,
                                         detail: "may not be more than 262144 bytes"))
            }
        }
        let finalizers = finalizers(object)
        for finalizer in finalizers {
            for problem in NameValidation.qualifiedName(finalizer) {
                errors.append(.invalid("metadata.finalizers", .string(finalizer), problem))
            }
        }
        if finalizers.contains(orphanFinalizer), finalizers.contains(foregroundFinalizer) {
            errors.append(.invalid("metadata.finalizers", .array(finalizers.map(JSONValue.string)),
                                   "finalizer orphan and foregroundDeletion cannot be both set"))
        }
        if let references = metadata["ownerReferences"]?.arrayValue {
            var controllers: [String] = []
            for reference in references {
                for (field, problem) in [("apiVersion", "version must not be empty"), ("kind", "kind must not be empty"),
                                         ("name", "name must not be empty"), ("uid", "uid must not be empty")]
                where (reference[field]?.stringValue ?? "").isEmpty {
                    errors.append(.invalid("metadata.ownerReferences.\(field)", "", problem))
                }
                if reference["controller"]?.boolValue == true {
                    controllers.append("\(reference["kind"]?.stringValue ?? "")/\(reference["name"]?.stringValue ?? "")")
                }
            }
            if controllers.count > 1 {
                errors.append(.invalid("metadata.ownerReferences", verbatim: ("[]v1.OwnerReference{...}"),
                                       "Only one reference can have Controller set to true. Found \"true\" in references for \(controllers.joined(separator: " and "))"))
            }
        }
        return errors
    }

    /// Whether a change from `old` to `new` moves `generation`: anything outside `metadata`
    /// (and outside `status` when status is a subresource) changed.
    static func specChanged(from old: JSONValue, to new: JSONValue, definition: ResourceDefinition) -> Bool {
        var ignored: Set<String> = ["metadata", "apiVersion", "kind"]
        if definition.hasStatusSubresource { ignored.insert("status") }
        let oldRest = (old.objectValue ?? [:]).filter { !ignored.contains($0.key) }
        let newRest = (new.objectValue ?? [:]).filter { !ignored.contains($0.key) }
        return oldRest != newRest
    }

    static func newUID() -> String { UUID().uuidString.lowercased() }

    static func now() -> JSONValue { .string(KubeTime.format(Date())) }

    /// The random suffix kube appends to `generateName` (5 characters, no vowels).
    static func generatedName(_ base: String) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        let trimmed = base.count > 58 ? String(base.prefix(58)) : base
        return trimmed + String((0..<5).map { _ in alphabet.randomElement()! })
    }
}
