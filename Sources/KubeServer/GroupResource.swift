/// A resource without its version (`qiniumysqls` in `mysql.qiniu.com`): the unit objects are
/// stored under, because every served version of a resource shares one set of objects.
struct GroupResource: Hashable, Sendable, CustomStringConvertible {
    var group: String
    var resource: String

    /// `resource.group`, or just `resource` in the core group: the name kube uses in messages.
    var description: String { group.isEmpty ? resource : "\(resource).\(group)" }
}

/// Where one object lives inside a resource: its namespace ("" when cluster-scoped) and name.
/// Ordered like etcd keys (`namespace/name` compared bytewise), so lists come back in kube's order.
struct ObjectKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    var namespace: String
    var name: String

    var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }

    static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        Array(lhs.description.utf8).lexicographicallyPrecedes(Array(rhs.description.utf8))
    }
}
