import Foundation
import Galera
import KubeAPI
import KubeRuntime
import Operator

/// What the playground's runtime runs for one pod: its containers as local processes, with the
/// command, arguments and environment the kubelet would give them, every path under a volume
/// mount moved to the directory that stands for that volume. Pure: `PodPlan.make` reads a pod
/// object and answers a plan, or names the first field the runtime does not support.
///
/// The runtime understands a small, explicit part of the pod API (docs/playground.md lists it):
/// anything else is refused, never silently ignored, so a template the playground runs is one
/// whose every field it honoured or knowingly set aside (scheduling, security contexts,
/// resources: one machine, one user).
public struct PodPlan: Sendable, Equatable {
    public var initContainers: [ContainerPlan]
    public var containers: [ContainerPlan]
    public var volumes: [VolumePlan]
    public var terminationGracePeriod: Duration
    /// `securityContext.fsGroup`: the group the kubelet gives every volume (root:fsGroup, setgid).
    public var fsGroup: Int?
    /// How long the pod waits before its first container starts: an image pull and a volume
    /// attach, modelled (`PodPlan.startDelayAnnotation`).
    public var startDelay: Duration = .zero
}

/// Who a container's processes run as, read as the kubelet reads it: the container's
/// `securityContext` over the pod's over the image's own user.
public struct ContainerIdentity: Sendable, Equatable, CustomStringConvertible {
    public var uid: Int
    public var gid: Int
    /// Supplementary groups: the image's groups of that user, `fsGroup` and `supplementalGroups`.
    public var groups: [Int]

    public init(uid: Int, gid: Int, groups: [Int]) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    public var description: String { "uid \(uid), gid \(gid), groups \(groups.map(String.init).joined(separator: ","))" }
}

/// An image's own users (its /etc/passwd and /etc/group) and the user it runs as by default
/// (its `USER`). The playground gives a container its image's user database (`ImageUsers.passwd`),
/// so a uid resolves to the image's name for it, as in the image.
public struct ImageUsers: Sendable, Equatable {
    public var defaultUID: Int
    public var defaultGID: Int
    /// name → (uid, primary gid)
    public var users: [String: (uid: Int, gid: Int)]
    /// name → gid
    public var groups: [String: Int]

    public init(defaultUID: Int, defaultGID: Int, users: [String: (uid: Int, gid: Int)], groups: [String: Int]) {
        self.defaultUID = defaultUID
        self.defaultGID = defaultGID
        self.users = users
        self.groups = groups
    }

    public static func == (left: ImageUsers, right: ImageUsers) -> Bool {
        left.defaultUID == right.defaultUID && left.defaultGID == right.defaultGID && left.groups == right.groups
            && left.users.mapValues { [$0.uid, $0.gid] } == right.users.mapValues { [$0.uid, $0.gid] }
    }

    /// The primary group of `uid` in the image, if the image knows the uid.
    public func primaryGroup(of uid: Int) -> Int? { users.values.first { $0.uid == uid }?.gid }

    /// /etc/passwd as the image has it.
    public var passwd: String {
        users.sorted { $0.value.uid < $1.value.uid }.map { name, ids in
            "\(name):x:\(ids.uid):\(ids.gid)::\(ids.uid == 0 ? "/root" : "/nonexistent"):/usr/sbin/nologin\n"
        }.joined()
    }

    /// /etc/group as the image has it.
    public var group: String {
        groups.sorted { $0.value < $1.value }.map { name, gid in "\(name):x:\(gid):\n" }.joined()
    }

    /// The MariaDB image: runs as root by default (its entrypoint drops to mysql, 999).
    public static let mariadb = ImageUsers(defaultUID: 0, defaultGID: 0,
                                           users: ["root": (0, 0), "mysql": (Flavor.mariadb.imageUserID, Flavor.mariadb.imageUserID)],
                                           groups: ["root": 0, "mysql": Flavor.mariadb.imageUserID])
    /// The qmysql image (Dockerfile): `USER 65532:65532`, named qmysql.
    public static let qmysql = ImageUsers(defaultUID: ClusterRenderer.qmysqlImageUserID, defaultGID: ClusterRenderer.qmysqlImageUserID,
                                          users: ["root": (0, 0), "qmysql": (ClusterRenderer.qmysqlImageUserID, ClusterRenderer.qmysqlImageUserID)],
                                          groups: ["root": 0, "qmysql": ClusterRenderer.qmysqlImageUserID])
}

public struct ContainerPlan: Sendable, Equatable {
    public var name: String
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]
    /// Named container ports, for probes that name their port.
    public var ports: [String: Int]
    /// Which of the catalog's images it runs (its user database comes from there).
    public var image: ImageKind
    /// Who its processes run as (the runtime switches to it when it runs as root).
    public var identity: ContainerIdentity
    /// Its env sets HOME (the runtime's default then stands aside).
    public var declaresHome: Bool = false
    /// For the MariaDB image: where its client configuration's socket (`/run/mysqld/mysqld.sock`
    /// in the image's /etc/mysql/my.cnf) is on this machine, when a volume holds it. The runtime
    /// gives the client that path (`MYSQL_HOME`): a path inside the image's own files is not
    /// moved otherwise, and `kubectl exec POD -- mariadb` would look in the host's /run/mysqld.
    public var clientSocket: String?
    public var readiness: ProbePlan?
    public var liveness: ProbePlan?
    public var startup: ProbePlan?
}

public enum ImageKind: Sendable, Equatable {
    case qmysql, host
}

public struct ProbePlan: Sendable, Equatable {
    public var https: Bool
    public var path: String
    public var port: Int
    public var initialDelay: Duration
    public var period: Duration
    public var timeout: Duration
    public var failureThreshold: Int
    public var successThreshold: Int
}

public enum VolumePlan: Sendable, Equatable {
    case emptyDirectory(name: String)
    /// A Secret's or ConfigMap's keys as files (`items`: key to relative path; nil: every key).
    case secret(name: String, secretName: String, items: [KeyPath]?, mode: Int, optional: Bool)
    case configMap(name: String, configMapName: String, items: [KeyPath]?, mode: Int, optional: Bool)
    case claim(name: String, claimName: String)

    public struct KeyPath: Sendable, Equatable {
        public var key: String
        public var path: String
    }

    public var name: String {
        switch self {
        case .emptyDirectory(let name), .secret(let name, _, _, _, _), .configMap(let name, _, _, _, _), .claim(let name, _): name
        }
    }
}

/// Why a pod cannot run. `unsupported` is final for that template; `missing` (a Secret or
/// ConfigMap key the environment refers to) is retried, as the kubelet retries
/// `CreateContainerConfigError`.
public enum PodPlanError: Error, Equatable, CustomStringConvertible {
    case unsupported(field: String, reason: String)
    case missing(field: String, reason: String)

    public var field: String {
        switch self { case .unsupported(let field, _), .missing(let field, _): field }
    }

    public var description: String {
        switch self {
        case .unsupported(let field, let reason): "\(field): \(reason)"
        case .missing(let field, let reason): "\(field): \(reason)"
        }
    }
}

/// The images the runtime can run. Every known image runs on the host's own filesystem (the
/// MariaDB image's `mariadbd` is the host's Debian package); the qmysql image adds one file, its
/// `kubectl-qmysql`, which is this very executable.
public struct ImageCatalog: Sendable, Equatable {
    /// Repositories (no tag or digest) that run on the host's filesystem.
    public var hostRepositories: Set<String>
    /// The qmysql image's repository, and where in it the executable lives.
    public var qmysqlRepository: String
    public var qmysqlBinaryPath: String
    /// This executable on the host.
    public var executable: String
    /// The user databases of the host-run images and of the qmysql image.
    public var hostUsers: ImageUsers
    public var qmysqlUsers: ImageUsers

    public init(hostRepositories: Set<String>, qmysqlRepository: String, qmysqlBinaryPath: String, executable: String,
                hostUsers: ImageUsers = .mariadb, qmysqlUsers: ImageUsers = .qmysql) {
        self.hostRepositories = hostRepositories
        self.qmysqlRepository = qmysqlRepository
        self.qmysqlBinaryPath = qmysqlBinaryPath
        self.executable = executable
        self.hostUsers = hostUsers
        self.qmysqlUsers = qmysqlUsers
    }

    /// The client socket the MariaDB image's own configuration names.
    public static let mariadbClientSocket = "/run/mysqld/mysqld.sock"

    /// The user database of `image` (one the catalog knows).
    public func users(of image: String) -> ImageUsers {
        Self.repository(image) == qmysqlRepository ? qmysqlUsers : hostUsers
    }

    /// The repository part of an image reference: `docker.io/library/mariadb:10.11` gives
    /// `docker.io/library/mariadb`; a registry port (`host:5000/x`) is not a tag.
    public static func repository(_ image: String) -> String {
        var name = image
        if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = String(name[..<colon]) }
        return name
    }

    public func knows(_ image: String) -> Bool {
        let repository = Self.repository(image)
        return repository == qmysqlRepository || hostRepositories.contains(repository)
    }
}

/// Everything about the pod's surroundings the plan needs.
public struct PodContext: Sendable {
    public var podName: String
    public var namespace: String
    public var podIP: String
    /// Each volume's directory on the host.
    public var volumeDirectories: [String: String]
    /// What every process inherits (PATH, HOME, the host table), before the container's own env.
    public var baseEnvironment: [String: String]
    public var secretValue: @Sendable (_ secret: String, _ key: String) -> String?
    public var configMapValue: @Sendable (_ configMap: String, _ key: String) -> String?

    public init(podName: String, namespace: String, podIP: String, volumeDirectories: [String: String],
                baseEnvironment: [String: String],
                secretValue: @escaping @Sendable (String, String) -> String?,
                configMapValue: @escaping @Sendable (String, String) -> String?) {
        self.podName = podName
        self.namespace = namespace
        self.podIP = podIP
        self.volumeDirectories = volumeDirectories
        self.baseEnvironment = baseEnvironment
        self.secretValue = secretValue
        self.configMapValue = configMapValue
    }
}

extension PodPlan {
    /// Pod spec fields the runtime honours, and those it knowingly sets aside on one machine.
    static let podFields: Set<String> = [
        "containers", "initContainers", "volumes", "terminationGracePeriodSeconds", "hostname", "subdomain",
        "restartPolicy", "securityContext",
        // Set aside: one node, no service account tokens, no image pulls.
        "affinity", "nodeSelector", "tolerations", "priorityClassName", "priority", "serviceAccountName",
        "serviceAccount", "automountServiceAccountToken", "enableServiceLinks", "imagePullSecrets",
        "dnsPolicy", "schedulerName", "nodeName", "topologySpreadConstraints", "preemptionPolicy",
    ]
    static let containerFields: Set<String> = [
        "name", "image", "command", "args", "env", "ports", "volumeMounts", "readinessProbe", "livenessProbe", "startupProbe",
        "securityContext",
        // Set aside: limits and pulls are the host's.
        "resources", "imagePullPolicy", "terminationMessagePath", "terminationMessagePolicy",
    ]
    /// The pod's securityContext: users and groups are honoured; the kernel's confinement
    /// (seccomp, SELinux, AppArmor, sysctls) is set aside.
    static let podSecurityFields: Set<String> = [
        "runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup", "supplementalGroups",
        "fsGroupChangePolicy", "seccompProfile", "seLinuxOptions", "appArmorProfile", "sysctls", "supplementalGroupsPolicy",
    ]
    /// A container's securityContext: users honoured; `privileged` refused; confinement set aside.
    static let containerSecurityFields: Set<String> = [
        "runAsUser", "runAsGroup", "runAsNonRoot",
        "allowPrivilegeEscalation", "capabilities", "readOnlyRootFilesystem", "seccompProfile", "seLinuxOptions",
        "appArmorProfile", "procMount", "privileged",
    ]

    /// A pod annotation that delays its containers' start, as an image pull or a volume attach
    /// does on a real node: `"20s"` for the pod, or `"NAME=DURATION,..."` naming pods (a
    /// StatefulSet's template is shared, so one value can hold a delay for each of its pods).
    public static let startDelayAnnotation = "playground.mysql.qiniu.com/start-delay"

    /// The delay `annotation` sets for `pod`; nil when it does not parse.
    public static func startDelay(_ annotation: String, pod: String) -> Duration? {
        func duration(_ text: Substring) -> Duration? {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            let scales: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
            for (unit, scale) in scales where trimmed.hasSuffix(unit) {
                guard let value = Double(trimmed.dropLast(unit.count)), value >= 0, value <= 3600 else { return nil }
                return .milliseconds(Int64((value * scale * 1000).rounded()))
            }
            return nil
        }
        guard annotation.contains("=") else { return duration(Substring(annotation)) }
        for entry in annotation.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let delay = duration(parts[1]) else { return nil }
            if parts[0].trimmingCharacters(in: .whitespaces) == pod { return delay }
        }
        return .zero
    }
    static let probeFields: Set<String> = [
        "httpGet", "initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold",
    ]
    static let fieldPaths: Set<String> = ["metadata.name", "metadata.namespace", "status.podIP"]

    /// The plan for `pod` (a Pod object as the API serves it).
    public static func make(pod: JSONValue, context: PodContext, images: ImageCatalog) throws(PodPlanError) -> PodPlan {
        guard let spec = pod["spec"]?.objectValue else { throw .unsupported(field: "spec", reason: "the pod has no spec") }
        try refuseUnknown(spec, allowed: podFields, at: "spec")
        if let policy = spec["restartPolicy"]?.stringValue, policy != "Always" {
            throw .unsupported(field: "spec.restartPolicy", reason: "only Always is supported (a long-running pod), not \(policy)")
        }
        let volumes = try (spec["volumes"]?.arrayValue ?? []).enumerated().map { index, volume throws(PodPlanError) in
            try volumePlan(volume, at: "spec.volumes[\(index)]")
        }
        for volume in volumes where context.volumeDirectories[volume.name] == nil {
            throw .unsupported(field: "spec.volumes", reason: "volume \(volume.name) has no directory")
        }
        let initContainers = try (spec["initContainers"]?.arrayValue ?? []).enumerated().map { index, container throws(PodPlanError) in
            try containerPlan(container, at: "spec.initContainers[\(index)]", volumes: volumes, context: context, images: images, pod: spec)
        }
        let containers = try (spec["containers"]?.arrayValue ?? []).enumerated().map { index, container throws(PodPlanError) in
            try containerPlan(container, at: "spec.containers[\(index)]", volumes: volumes, context: context, images: images, pod: spec)
        }
        guard !containers.isEmpty else { throw .unsupported(field: "spec.containers", reason: "the pod has no containers") }
        let grace = spec["terminationGracePeriodSeconds"]?.intValue ?? 30
        var plan = PodPlan(initContainers: initContainers, containers: containers, volumes: volumes,
                           terminationGracePeriod: .seconds(max(0, grace)),
                           fsGroup: spec["securityContext"]?["fsGroup"]?.intValue.map { Int($0) })
        if let annotation = pod[path: ["metadata", "annotations", startDelayAnnotation]]?.stringValue {
            guard let delay = startDelay(annotation, pod: context.podName) else {
                throw .unsupported(field: "metadata.annotations[\(startDelayAnnotation)]",
                                   reason: "'\(annotation)' is neither a duration (20s, 500ms, 2m) nor NAME=DURATION,...")
            }
            plan.startDelay = delay
        }
        return plan
    }

    /// The identity of a container: `runAsUser` and `runAsGroup` of the container, else of the
    /// pod, else the image's own user; supplementary groups as the kubelet sets them (the image's
    /// groups of that user, `fsGroup`, `supplementalGroups`). `runAsNonRoot` refuses uid 0, as the
    /// kubelet does (`CreateContainerConfigError`).
    static func identity(container: [String: JSONValue], pod: [String: JSONValue], image: ImageUsers,
                         at path: String) throws(PodPlanError) -> ContainerIdentity {
        let podContext = pod["securityContext"]?.objectValue ?? [:]
        let containerContext = container["securityContext"]?.objectValue ?? [:]
        try refuseUnknown(podContext, allowed: podSecurityFields, at: "spec.securityContext")
        try refuseUnknown(containerContext, allowed: containerSecurityFields, at: "\(path).securityContext")
        if containerContext["privileged"]?.boolValue == true {
            throw .unsupported(field: "\(path).securityContext.privileged", reason: "privileged containers are not supported by the playground's runtime")
        }
        func number(_ key: String) -> Int? {
            (containerContext[key]?.intValue ?? podContext[key]?.intValue).map { Int($0) }
        }
        let uid = number("runAsUser") ?? image.defaultUID
        let gid = number("runAsGroup") ?? image.primaryGroup(of: uid) ?? (uid == image.defaultUID ? image.defaultGID : 0)
        let nonRoot = containerContext["runAsNonRoot"]?.boolValue ?? podContext["runAsNonRoot"]?.boolValue ?? false
        if nonRoot, uid == 0 {
            let field = containerContext["runAsNonRoot"] != nil ? "\(path).securityContext.runAsNonRoot" : "spec.securityContext.runAsNonRoot"
            throw .unsupported(field: field, reason: "the container would run as root (uid 0), which runAsNonRoot forbids; the kubelet refuses it too (set runAsUser)")
        }
        var groups: [Int] = [gid]
        groups += image.users.filter { $0.value.uid == uid }.map(\.value.gid)
        if let fsGroup = podContext["fsGroup"]?.intValue { groups.append(Int(fsGroup)) }
        groups += (podContext["supplementalGroups"]?.arrayValue ?? []).compactMap { $0.intValue.map { Int($0) } }
        var unique: [Int] = []
        for group in groups where !unique.contains(group) { unique.append(group) }
        return ContainerIdentity(uid: uid, gid: gid, groups: unique)
    }

    static func refuseUnknown(_ object: [String: JSONValue], allowed: Set<String>, at path: String) throws(PodPlanError) {
        if let field = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .unsupported(field: "\(path).\(field)", reason: "not supported by the playground's runtime")
        }
    }

    static func volumePlan(_ volume: JSONValue, at path: String) throws(PodPlanError) -> VolumePlan {
        guard let object = volume.objectValue, let name = object["name"]?.stringValue else {
            throw .unsupported(field: path, reason: "a volume needs a name")
        }
        let sources = object.keys.filter { $0 != "name" }.sorted()
        guard sources.count == 1, let kind = sources.first, let source = object[kind]?.objectValue else {
            throw .unsupported(field: path, reason: "a volume needs exactly one source")
        }
        func items() throws(PodPlanError) -> [VolumePlan.KeyPath]? {
            guard let list = source["items"]?.arrayValue else { return nil }
            var result: [VolumePlan.KeyPath] = []
            for (index, item) in list.enumerated() {
                guard let key = item["key"]?.stringValue, let relative = item["path"]?.stringValue,
                      !relative.hasPrefix("/"), !relative.split(separator: "/").contains("..") else {
                    throw .unsupported(field: "\(path).\(kind).items[\(index)]", reason: "needs a key and a relative path")
                }
                if item["mode"] != nil { throw .unsupported(field: "\(path).\(kind).items[\(index)].mode", reason: "not supported by the playground's runtime") }
                result.append(.init(key: key, path: relative))
            }
            return result
        }
        switch kind {
        case "emptyDir":
            return .emptyDirectory(name: name)
        case "secret":
            try refuseUnknown(source, allowed: ["secretName", "items", "defaultMode", "optional"], at: "\(path).secret")
            guard let secretName = source["secretName"]?.stringValue else { throw .unsupported(field: "\(path).secret.secretName", reason: "required") }
            return .secret(name: name, secretName: secretName, items: try items(),
                           mode: source["defaultMode"]?.intValue.map { Int($0) } ?? 0o644, optional: source["optional"]?.boolValue ?? false)
        case "configMap":
            try refuseUnknown(source, allowed: ["name", "items", "defaultMode", "optional"], at: "\(path).configMap")
            guard let mapName = source["name"]?.stringValue else { throw .unsupported(field: "\(path).configMap.name", reason: "required") }
            return .configMap(name: name, configMapName: mapName, items: try items(),
                              mode: source["defaultMode"]?.intValue.map { Int($0) } ?? 0o644, optional: source["optional"]?.boolValue ?? false)
        case "persistentVolumeClaim":
            try refuseUnknown(source, allowed: ["claimName", "readOnly"], at: "\(path).persistentVolumeClaim")
            guard let claim = source["claimName"]?.stringValue else { throw .unsupported(field: "\(path).persistentVolumeClaim.claimName", reason: "required") }
            return .claim(name: name, claimName: claim)
        default:
            throw .unsupported(field: "\(path).\(kind)", reason: "the playground's runtime supports emptyDir, secret, configMap and persistentVolumeClaim volumes")
        }
    }

    static func containerPlan(_ container: JSONValue, at path: String, volumes: [VolumePlan], context: PodContext,
                              images: ImageCatalog, pod: [String: JSONValue]) throws(PodPlanError) -> ContainerPlan {
        guard let object = container.objectValue, let name = object["name"]?.stringValue else {
            throw .unsupported(field: path, reason: "a container needs a name")
        }
        try refuseUnknown(object, allowed: containerFields, at: path)
        guard let image = object["image"]?.stringValue, images.knows(image) else {
            throw .unsupported(field: "\(path).image", reason: "\(object["image"]?.stringValue ?? "no image") is not an image the playground can run (it runs \(images.qmysqlRepository) and \(images.hostRepositories.sorted().joined(separator: ", ")) on this machine's own binaries)")
        }

        // Mounts: container path prefix to host directory, longest first.
        var mounts: [(container: String, host: String)] = []
        for (index, mount) in (object["volumeMounts"]?.arrayValue ?? []).enumerated() {
            let at = "\(path).volumeMounts[\(index)]"
            guard let fields = mount.objectValue else { throw .unsupported(field: at, reason: "not an object") }
            try refuseUnknown(fields, allowed: ["name", "mountPath", "readOnly"], at: at)
            guard let volume = fields["name"]?.stringValue, let mountPath = fields["mountPath"]?.stringValue, mountPath.hasPrefix("/") else {
                throw .unsupported(field: at, reason: "needs a volume name and an absolute mountPath")
            }
            guard volumes.contains(where: { $0.name == volume }), let directory = context.volumeDirectories[volume] else {
                throw .unsupported(field: "\(at).name", reason: "no volume named \(volume)")
            }
            mounts.append((mountPath.count > 1 && mountPath.hasSuffix("/") ? String(mountPath.dropLast()) : mountPath, directory))
        }
        mounts.sort { $0.container.count > $1.container.count }
        func hostPath(_ value: String) -> String {
            for mount in mounts where value == mount.container || value.hasPrefix(mount.container + "/") {
                return mount.host + value.dropFirst(mount.container.count)
            }
            return value
        }
        /// A container sees its mounts wherever an argument names them: a whole path, a
        /// `--flag=/path`, or a `key=/path,key=/path` list (the controller's `--backup-s3`).
        func hostPaths(inArgument value: String) -> String {
            guard value.contains("=") || value.contains(",") else { return hostPath(value) }
            return value.split(separator: ",", omittingEmptySubsequences: false).map { piece in
                guard let equals = piece.firstIndex(of: "=") else { return hostPath(String(piece)) }
                return String(piece[...equals]) + hostPath(String(piece[piece.index(after: equals)...]))
            }.joined(separator: ",")
        }

        // The environment, in order: later entries may refer to earlier ones, as in the kubelet.
        var declared: [String: String] = [:]
        for (index, entry) in (object["env"]?.arrayValue ?? []).enumerated() {
            let at = "\(path).env[\(index)]"
            guard let variable = entry["name"]?.stringValue else { throw .unsupported(field: at, reason: "needs a name") }
            if let value = entry["value"]?.stringValue {
                declared[variable] = EnvironmentExpansion.expand(value, declared)
            } else if let source = entry["valueFrom"]?.objectValue {
                declared[variable] = try environmentValue(source, at: "\(at).valueFrom", context: context)
            } else {
                declared[variable] = ""
            }
        }

        var ports: [String: Int] = [:]
        for (index, port) in (object["ports"]?.arrayValue ?? []).enumerated() {
            guard let number = port["containerPort"]?.intValue else { throw .unsupported(field: "\(path).ports[\(index)]", reason: "needs a containerPort") }
            if port["hostPort"] != nil { throw .unsupported(field: "\(path).ports[\(index)].hostPort", reason: "not supported by the playground's runtime") }
            if let portName = port["name"]?.stringValue { ports[portName] = Int(number) }
        }

        let words = ((object["command"]?.arrayValue ?? []) + (object["args"]?.arrayValue ?? [])).compactMap(\.stringValue)
        guard let first = words.first, object["command"]?.arrayValue?.isEmpty == false else {
            throw .unsupported(field: "\(path).command", reason: "the playground's runtime needs an explicit command (it does not know the image's entrypoint)")
        }
        let expanded = words.map { EnvironmentExpansion.expand($0, declared) }
        let executable = ImageCatalog.repository(image) == images.qmysqlRepository && first == images.qmysqlBinaryPath
            ? images.executable : hostPath(expanded[0])

        var environment = context.baseEnvironment
        for (variable, value) in declared { environment[variable] = hostPath(value) }
        return ContainerPlan(
            name: name, executable: executable, arguments: expanded.dropFirst().map(hostPaths(inArgument:)), environment: environment,
            ports: ports, image: ImageCatalog.repository(image) == images.qmysqlRepository ? .qmysql : .host,
            identity: try identity(container: object, pod: pod, image: images.users(of: image), at: path),
            declaresHome: declared["HOME"] != nil,
            clientSocket: ImageCatalog.repository(image) == images.qmysqlRepository ? nil
                : { let mapped = hostPath(ImageCatalog.mariadbClientSocket); return mapped == ImageCatalog.mariadbClientSocket ? nil : mapped }(),
            readiness: try object["readinessProbe"].map { probe throws(PodPlanError) in try probePlan(probe, at: "\(path).readinessProbe", ports: ports) },
            liveness: try object["livenessProbe"].map { probe throws(PodPlanError) in try probePlan(probe, at: "\(path).livenessProbe", ports: ports) },
            startup: try object["startupProbe"].map { probe throws(PodPlanError) in try probePlan(probe, at: "\(path).startupProbe", ports: ports) })
    }

    static func environmentValue(_ source: [String: JSONValue], at path: String, context: PodContext) throws(PodPlanError) -> String {
        if let fieldPath = source["fieldRef"]?["fieldPath"]?.stringValue {
            switch fieldPath {
            case "metadata.name": return context.podName
            case "metadata.namespace": return context.namespace
            case "status.podIP": return context.podIP
            default: throw .unsupported(field: "\(path).fieldRef.fieldPath", reason: "\(fieldPath) is not supported (\(fieldPaths.sorted().joined(separator: ", ")) are)")
            }
        }
        for (kind, lookup) in [("secretKeyRef", context.secretValue), ("configMapKeyRef", context.configMapValue)] {
            guard let reference = source[kind] else { continue }
            guard let name = reference["name"]?.stringValue, let key = reference["key"]?.stringValue else {
                throw .unsupported(field: "\(path).\(kind)", reason: "needs a name and a key")
            }
            if let value = lookup(name, key) { return value }
            if reference["optional"]?.boolValue == true { return "" }
            throw .missing(field: "\(path).\(kind)", reason: "key \(key) of \(name) does not exist yet")
        }
        throw .unsupported(field: path, reason: "only fieldRef, secretKeyRef and configMapKeyRef are supported")
    }

    static func probePlan(_ probe: JSONValue, at path: String, ports: [String: Int]) throws(PodPlanError) -> ProbePlan {
        guard let object = probe.objectValue else { throw .unsupported(field: path, reason: "not an object") }
        try refuseUnknown(object, allowed: probeFields, at: path)
        guard let get = object["httpGet"]?.objectValue else { throw .unsupported(field: path, reason: "only httpGet probes are supported") }
        try refuseUnknown(get, allowed: ["path", "port", "scheme", "host", "httpHeaders"], at: "\(path).httpGet")
        if get["host"] != nil || get["httpHeaders"] != nil {
            throw .unsupported(field: "\(path).httpGet", reason: "host and httpHeaders are not supported")
        }
        let port: Int
        if let number = get["port"]?.intValue {
            port = Int(number)
        } else if let name = get["port"]?.stringValue, let number = Int(name) ?? ports[name] {
            port = number
        } else {
            throw .unsupported(field: "\(path).httpGet.port", reason: "names no container port")
        }
        func seconds(_ key: String, _ fallback: Int64) -> Duration { .seconds(object[key]?.intValue ?? fallback) }
        return ProbePlan(
            https: get["scheme"]?.stringValue == "HTTPS", path: get["path"]?.stringValue ?? "/", port: port,
            initialDelay: seconds("initialDelaySeconds", 0), period: seconds("periodSeconds", 10),
            timeout: seconds("timeoutSeconds", 1), failureThreshold: Int(object["failureThreshold"]?.intValue ?? 3),
            successThreshold: Int(object["successThreshold"]?.intValue ?? 1))
    }
}
