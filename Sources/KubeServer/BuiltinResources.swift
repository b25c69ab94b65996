import KubeAPI

/// The built-in resources this server serves, with kube's per-resource choices (see
/// `ResourceDefinition`). Objects are stored as JSON; no typed validation beyond metadata.
enum BuiltinResources {
    static let all: [ResourceDefinition] = core + apps + policy + coordination + rbac + apiextensions

    static let core: [ResourceDefinition] = [
        ResourceDefinition(group: "", versions: ["v1"], plural: "namespaces", singular: "namespace", kind: "Namespace",
                           listKind: "NamespaceList", namespaced: false, shortNames: ["ns"],
                           verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
                           hasStatusSubresource: true, returnsDeletedObject: true, nameRule: .label,
                           extraSelectableFields: ["status.phase": ["status", "phase"]],
                           initialStatus: ["phase": "Active"]),
        ResourceDefinition(group: "", versions: ["v1"], plural: "secrets", singular: "secret", kind: "Secret",
                           listKind: "SecretList", namespaced: true,
                           extraSelectableFields: ["type": ["type"]]),
        ResourceDefinition(group: "", versions: ["v1"], plural: "configmaps", singular: "configmap", kind: "ConfigMap",
                           listKind: "ConfigMapList", namespaced: true, shortNames: ["cm"]),
        ResourceDefinition(group: "", versions: ["v1"], plural: "services", singular: "service", kind: "Service",
                           listKind: "ServiceList", namespaced: true, shortNames: ["svc"], categories: ["all"],
                           verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                           hasStatusSubresource: true, returnsDeletedObject: true, nameRule: .dns1035,
                           initialStatus: ["loadBalancer": [:]]),
        ResourceDefinition(group: "", versions: ["v1"], plural: "pods", singular: "pod", kind: "Pod",
                           listKind: "PodList", namespaced: true, shortNames: ["po"], categories: ["all"],
                           hasStatusSubresource: true, returnsDeletedObject: true,
                           extraSelectableFields: [
                               "spec.nodeName": ["spec", "nodeName"],
                               "spec.restartPolicy": ["spec", "restartPolicy"],
                               "spec.schedulerName": ["spec", "schedulerName"],
                               "spec.serviceAccountName": ["spec", "serviceAccountName"],
                               "spec.hostNetwork": ["spec", "hostNetwork"],
                               "status.phase": ["status", "phase"],
                               "status.podIP": ["status", "podIP"],
                               "status.nominatedNodeName": ["status", "nominatedNodeName"],
                           ],
                           initialStatus: ["phase": "Pending"]),
        ResourceDefinition(group: "", versions: ["v1"], plural: "persistentvolumeclaims", singular: "persistentvolumeclaim",
                           kind: "PersistentVolumeClaim", listKind: "PersistentVolumeClaimList", namespaced: true,
                           shortNames: ["pvc"], hasStatusSubresource: true, returnsDeletedObject: true,
                           initialStatus: ["phase": "Pending"]),
        ResourceDefinition(group: "", versions: ["v1"], plural: "events", singular: "event", kind: "Event",
                           listKind: "EventList", namespaced: true, shortNames: ["ev"],
                           extraSelectableFields: [
                               "involvedObject.kind": ["involvedObject", "kind"],
                               "involvedObject.namespace": ["involvedObject", "namespace"],
                               "involvedObject.name": ["involvedObject", "name"],
                               "involvedObject.uid": ["involvedObject", "uid"],
                               "involvedObject.apiVersion": ["involvedObject", "apiVersion"],
                               "involvedObject.resourceVersion": ["involvedObject", "resourceVersion"],
                               "involvedObject.fieldPath": ["involvedObject", "fieldPath"],
                               "reason": ["reason"],
                               "reportingComponent": ["reportingComponent"],
                               "source": ["source", "component"],
                               "type": ["type"],
                           ]),
        ResourceDefinition(group: "", versions: ["v1"], plural: "serviceaccounts", singular: "serviceaccount",
                           kind: "ServiceAccount", listKind: "ServiceAccountList", namespaced: true, shortNames: ["sa"],
                           returnsDeletedObject: true),
    ]

    static let apps: [ResourceDefinition] = [
        ResourceDefinition(group: "apps", versions: ["v1"], plural: "statefulsets", singular: "statefulset",
                           kind: "StatefulSet", listKind: "StatefulSetList", namespaced: true, shortNames: ["sts"],
                           categories: ["all"], hasStatusSubresource: true, usesGeneration: true,
                           initialStatus: ["replicas": 0, "availableReplicas": 0]),
        ResourceDefinition(group: "apps", versions: ["v1"], plural: "deployments", singular: "deployment",
                           kind: "Deployment", listKind: "DeploymentList", namespaced: true, shortNames: ["deploy"],
                           categories: ["all"], hasStatusSubresource: true, usesGeneration: true,
                           initialStatus: [:]),
    ]

    static let policy: [ResourceDefinition] = [
        ResourceDefinition(group: "policy", versions: ["v1"], plural: "poddisruptionbudgets", singular: "poddisruptionbudget",
                           kind: "PodDisruptionBudget", listKind: "PodDisruptionBudgetList", namespaced: true,
                           shortNames: ["pdb"], hasStatusSubresource: true, usesGeneration: true,
                           initialStatus: ["currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0, "expectedPods": 0]),
    ]

    static let coordination: [ResourceDefinition] = [
        ResourceDefinition(group: "coordination.k8s.io", versions: ["v1"], plural: "leases", singular: "lease",
                           kind: "Lease", listKind: "LeaseList", namespaced: true),
    ]

    static let rbac: [ResourceDefinition] = [
        ResourceDefinition(group: "rbac.authorization.k8s.io", versions: ["v1"], plural: "roles", singular: "role",
                           kind: "Role", listKind: "RoleList", namespaced: true, nameRule: .pathSegment),
        ResourceDefinition(group: "rbac.authorization.k8s.io", versions: ["v1"], plural: "rolebindings", singular: "rolebinding",
                           kind: "RoleBinding", listKind: "RoleBindingList", namespaced: true, nameRule: .pathSegment),
        ResourceDefinition(group: "rbac.authorization.k8s.io", versions: ["v1"], plural: "clusterroles", singular: "clusterrole",
                           kind: "ClusterRole", listKind: "ClusterRoleList", namespaced: false, nameRule: .pathSegment),
        ResourceDefinition(group: "rbac.authorization.k8s.io", versions: ["v1"], plural: "clusterrolebindings", singular: "clusterrolebinding",
                           kind: "ClusterRoleBinding", listKind: "ClusterRoleBindingList", namespaced: false, nameRule: .pathSegment),
    ]

    static let apiextensions: [ResourceDefinition] = [
        ResourceDefinition(group: "apiextensions.k8s.io", versions: ["v1"], plural: "customresourcedefinitions",
                           singular: "customresourcedefinition", kind: "CustomResourceDefinition",
                           listKind: "CustomResourceDefinitionList", namespaced: false, shortNames: ["crd", "crds"],
                           categories: ["api-extensions"], hasStatusSubresource: true, usesGeneration: true,
                           allowUnconditionalUpdate: false, returnsDeletedObject: true),
    ]

    /// The order groups appear in `/apis`, as kube lists its built-in groups.
    static let groupOrder = ["apps", "policy", "rbac.authorization.k8s.io", "coordination.k8s.io", "apiextensions.k8s.io"]
}
