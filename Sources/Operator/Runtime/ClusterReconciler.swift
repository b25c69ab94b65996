import AgentAPI
import ControllerAPI
import Foundation
import Galera
import KubeAPI
import KubeClient
import KubeRuntime
import Logging
import QiniuAPI
import Synchronization

/// The seed's "MySQL Operator" for one QiniuMySQL: level-triggered and idempotent. A reconcile
/// reads the cluster and its objects from the caches, never from the event that woke it:
/// 1. deletion: stop following the controller, delete the claims if asked, drop the finalizer;
/// 2. refuse what the schema cannot (`SpecCheck`): nothing is changed, the condition says why;
/// 3. render, and apply only objects whose live copy does not already match (`LiveComparison`);
/// 4. follow the controller's status stream; replace a controller that stopped answering; roll a
///    changed pod template one node at a time while Green (`RolloutDecision`);
/// 5. write the status only if it changed, with Events for every transition.
public final class ClusterReconciler: Sendable {
    public static let finalizer = "mysql.qiniu.com/finalizer"

    public enum Outcome: Sendable, Equatable {
        case done
        /// Come back after this long even without an event (a silent controller is checked again).
        case requeue(after: Duration)
        /// Failed; retried with the queue's back-off.
        case retry(String)
    }

    let client: KubeClient
    let settings: OperatorSettings
    let caches: OwnedCaches
    let followers: ControllerFollowers
    let events: EventRecorder
    let metrics: OperatorMetrics
    let logger: Logger
    /// Where the controller of a cluster answers (in a cluster: its Service's DNS name).
    let controllerURL: @Sendable (ObjectKey) -> String
    /// Backups and restores (QiniuMySQLData), reconciled with their cluster.
    let data: DataReconciler?
    private let lastReplacement = Mutex([ObjectKey: ContinuousClock.Instant]())
    /// The objects found as rendered, unchanged since (see `apply`).
    let covered = CoverageMemo()
    /// The last spec each controller acknowledged, and when (see `deliver`).
    let lastSpec = Mutex([ObjectKey: (spec: ControllerSpec, at: ContinuousClock.Instant)]())
    /// Certificates found good, with the Secret's cache version and until when (see `renewCertificates`).
    let certificatesGood = Mutex([ObjectKey: (version: Int64, until: Date)]())

    public init(client: KubeClient, settings: OperatorSettings, caches: OwnedCaches, followers: ControllerFollowers,
                events: EventRecorder, metrics: OperatorMetrics, logger: Logger,
                controllerURL: @escaping @Sendable (ObjectKey) -> String, data: DataReconciler? = nil) {
        self.client = client
        self.settings = settings
        self.caches = caches
        self.followers = followers
        self.events = events
        self.metrics = metrics
        self.logger = logger
        self.controllerURL = controllerURL
        self.data = data
    }

    /// The in-cluster address of a cluster's controller.
    public static func serviceURL(_ key: ObjectKey) -> String {
        "https://\(ClusterNames(cluster: key.name).controller).\(key.namespace).svc:\(DefaultPorts.controller)"
    }

    public func reconcile(_ key: ObjectKey) async -> Outcome {
        metrics.reconciles.increment()
        guard let raw = caches.clusters.get(key) else {
            followers.stop(key)
            lastSpec.withLock { $0[key] = nil }
            certificatesGood.withLock { $0[key] = nil }
            covered.forget(key)
            return .done
        }
        let cluster: QiniuMySQL
        do {
            cluster = try raw.decode(as: QiniuMySQL.self)
        } catch {
            logger.error("cannot decode the QiniuMySQL", metadata: ["cluster": "\(key)", "error": "\(error)"])
            return .done
        }
        var log = logger
        log[metadataKey: "cluster"] = "\(key.name)"
        log[metadataKey: "namespace"] = "\(key.namespace)"
        do {
            if cluster.metadata.deletionTimestamp != nil { return try await finalize(cluster, raw: raw, key: key, log: log) }
            let current = try await ensureFinalizer(cluster, raw: raw, key: key)
            return try await reconcileLive(current, key: key, log: log)
        } catch is CancellationError {
            return .done  // leadership lost or shutting down: the next leader starts over
        } catch {
            log.warning("reconcile failed; retrying with back-off", metadata: ["error": "\(error)"])
            return .retry("\(error)")
        }
    }

    // MARK: - Steps

    func ensureFinalizer(_ cluster: QiniuMySQL, raw: JSONValue, key: ObjectKey) async throws -> QiniuMySQL {
        let finalizers = cluster.metadata.finalizers ?? []
        guard !finalizers.contains(Self.finalizer) else { return cluster }
        let patch: JSONValue = [
            "metadata": [
                "finalizers": .array((finalizers + [Self.finalizer]).map { .string($0) }),
                "resourceVersion": .string(cluster.metadata.resourceVersion ?? ""),
            ],
        ]
        let stored = try await client.mergePatchRaw(QiniuMySQL.resourceType, name: key.name, namespace: key.namespace, patch: patch)
        caches.clusters.store(stored)
        metrics.objectWrites.increment()
        return try stored.decode(as: QiniuMySQL.self)
    }

    func finalize(_ cluster: QiniuMySQL, raw: JSONValue, key: ObjectKey, log: Logger) async throws -> Outcome {
        followers.stop(key)
        let finalizers = cluster.metadata.finalizers ?? []
        guard finalizers.contains(Self.finalizer) else { return .done }
        if cluster.spec.storage?.deleteClaimsOnDelete == true {
            let claims = try await client.listAllRaw(
                PersistentVolumeClaim.resourceType, namespace: key.namespace,
                options: ListOptions(labelSelector: "\(QiniuLabels.cluster)=\(key.name),\(QiniuLabels.component)=\(QiniuLabels.database)"))
            for claim in claims {
                guard let name = claim[path: ["metadata", "name"]]?.stringValue else { continue }
                do {
                    try await client.deleteRaw(PersistentVolumeClaim.resourceType, name: name, namespace: key.namespace)
                } catch let error as KubeError where error.isNotFound {}
                log.notice("deleted volume claim (spec.storage.deleteClaimsOnDelete)", metadata: ["claim": "\(name)"])
            }
        } else {
            log.notice("cluster deleted; its volume claims are kept (spec.storage.deleteClaimsOnDelete is false)")
        }
        if cluster.spec.backup?.storage?.deleteClaimsOnDelete == true {
            let claim = ClusterNames(cluster: key.name).backups
            do {
                try await client.deleteRaw(PersistentVolumeClaim.resourceType, name: claim, namespace: key.namespace)
                log.notice("deleted the backup store's claim (spec.backup.storage.deleteClaimsOnDelete)", metadata: ["claim": "\(claim)"])
            } catch let error as KubeError where error.isNotFound {}
        } else {
            log.notice("cluster deleted; its backups are kept in claim \(ClusterNames(cluster: key.name).backups)")
        }
        let patch: JSONValue = [
            "metadata": [
                "finalizers": .array(finalizers.filter { $0 != Self.finalizer }.map { .string($0) }),
                "resourceVersion": .string(cluster.metadata.resourceVersion ?? ""),
            ],
        ]
        do {
            _ = try await client.mergePatchRaw(QiniuMySQL.resourceType, name: key.name, namespace: key.namespace, patch: patch)
        } catch let error as KubeError where error.isNotFound {}
        metrics.objectWrites.increment()
        return .done
    }

    func reconcileLive(_ cluster: QiniuMySQL, key: ObjectKey, log: Logger) async throws -> Outcome {
        let names = ClusterNames(cluster: key.name)
        let observation = followers.observation(key)
        let unavailable = followers.isUnavailable(key)

        // 2. What the schema cannot catch.
        var lookupError: String?
        var statefulSet: LiveStatefulSet?
        do {
            statefulSet = try caches.objects(StatefulSet.resourceType)?.get(
                ObjectKey(namespace: key.namespace, name: names.statefulSet), as: LiveStatefulSet.self)
        } catch {
            // Said in the status (ApplyFailed), not only logged: nothing is applied meanwhile.
            lookupError = "StatefulSet \(names.statefulSet) cannot be read: \(error)"
        }
        var live = statefulSet?.facts ?? SpecCheck.Live()
        // A silent controller's last word is no fact about now: no rollout step and no scaling
        // decision rests on it.
        live.state = unavailable ? nil : observation?.status?.state
        if let secretName = cluster.spec.rootPasswordSecret {
            // A user's Secret is not labelled as ours, so it is not in the caches: one GET.
            do {
                _ = try await client.getRaw(Secret.resourceType, name: secretName, namespace: key.namespace)
                live.rootPasswordSecretExists = true
            } catch let error as KubeError where error.isNotFound {
                live.rootPasswordSecretExists = false
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                lookupError = "cannot read spec.rootPasswordSecret \(secretName): \(error)"
            }
        }
        let references = SpecCheck.referencedSecrets(cluster)
        for name in Set(references.map(\.name)).sorted() where lookupError == nil {
            // The object stores' Secrets are users' too: one GET each, and only their keys kept.
            do {
                let secret = try await client.get(Secret.self, name: name, namespace: key.namespace)
                live.secretKeys[name] = Set((secret.data ?? [:]).keys).union((secret.stringData ?? [:]).keys)
            } catch let error as KubeError where error.isNotFound {
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let fields = references.filter { $0.name == name }.map(\.field).joined(separator: ", ")
                lookupError = "cannot read Secret \(name) (\(fields)): \(error)"
            }
        }
        live.checkedSecrets = lookupError == nil
        let problems = SpecCheck.problems(cluster, live: live)

        // 3. Render and apply what differs.
        var applyError = lookupError
        var spec: ControllerSpec?
        if problems.isEmpty, applyError == nil {
            do {
                spec = try await apply(cluster, names: names, key: key, log: log)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                applyError = "\(error)"
            }
        }
        if problems.isEmpty, applyError == nil {
            do {
                try await renewCertificates(key: key, names: names, log: log)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                applyError = "renewing the cluster's certificates in Secret \(names.secret): \(error)"
            }
        }

        // The controller's stream is verified with the cluster's own CA, from its Secret (which
        // the apply above created on the first reconcile). A Secret that cannot be read was
        // already said by the apply (ApplyFailed); the stream then waits for a CA.
        let secret = try? caches.objects(Secret.resourceType)?.get(ObjectKey(namespace: key.namespace, name: names.secret), as: Secret.self)
        let caPEM = secret?.string(forKey: ClusterSecrets.Key.caCertificate)
        followers.follow(key, url: controllerURL(key), caPEM: caPEM)

        // The desired state: sent to the running controller until its status shows it (a change
        // of settings never restarts the controller).
        var delivery: SpecDelivery?
        if let spec, !unavailable {
            delivery = await deliver(spec, key: key, status: observation?.status, caPEM: caPEM,
                                     token: secret?.string(forKey: ClusterSecrets.Key.agentToken), log: log)
            if case .refused(let why)? = delivery { applyError = why }
        }

        // Backups and restores of this cluster: handed to its controller, mirrored back.
        var dataError: String?
        if let data {
            dataError = await data.reconcile(key, controller: DataReconciler.Controller(
                url: controllerURL(key), caPEM: caPEM, token: secret?.string(forKey: ClusterSecrets.Key.agentToken),
                status: unavailable ? nil : observation?.status))
        }

        // 4. A silent controller is replaced (the database pods are untouched); a changed
        //    template is rolled out one node at a time while Green.
        if unavailable, problems.isEmpty { await replaceController(cluster, key: key, log: log) }
        var rolledOut = false
        if problems.isEmpty, applyError == nil, !unavailable {
            do {
                rolledOut = try await rollOut(cluster, names: names, key: key, state: live.state, log: log)
            } catch {
                applyError = "rolling out: \(error)"
            }
        }

        // The writer and readers endpoints follow the controller's writer (a silent
        // controller's last word is no fact about now: the labels stay).
        if problems.isEmpty, !unavailable, let controllerStatus = observation?.status {
            do {
                try await moveEndpointLabels(names: names, key: key, writer: controllerStatus.writer, log: log)
                metrics.recordWriterLabel("\(key)", pending: false)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                metrics.recordWriterLabel("\(key)", pending: true)
                applyError = applyError ?? "moving the writer endpoint's label: \(error)"
            }
        }

        // 5. Status and events.
        let inputs = StatusComposer.Inputs(
            controller: observation?.status, controllerUnavailable: unavailable, specProblems: problems,
            // A generation is observed once its objects are applied and the controller runs it.
            applyError: applyError, appliedGeneration: problems.isEmpty && applyError == nil && delivery == .observed ? cluster.metadata.generation : nil,
            replicationEncryption: problems.isEmpty && applyError == nil ? EncryptionRollout.recorded(cluster, rolledOut: rolledOut) : nil,
            now: KubeTime.format(Date()))
        let status = StatusComposer.compose(cluster, inputs)
        if status != cluster.status {
            var updated = cluster
            updated.status = status
            let stored = try await client.updateStatus(updated, namespace: key.namespace)
            if let raw = try? JSONValue.parse(JSONEncoder().encode(stored)) { caches.clusters.store(raw) }
            metrics.statusWrites.increment()
            await recordTransitions(from: cluster, to: status, key: key)
        }
        if let applyError { return .retry(applyError) }
        if let dataError { return .retry(dataError) }
        if unavailable { return .requeue(after: settings.controllerUnavailableAfter) }
        switch delivery {
        case .observed?, .refused?, nil: return .done
        // Until the controller's stream shows the generation (which wakes this reconcile too):
        // a starting controller pod is reached within a second or two.
        case .sent?, .unreachable?: return .requeue(after: Self.specRetryInterval)
        }
    }

    /// How soon a desired state is sent again while the controller does not show it.
    static let specRetryInterval = Duration.seconds(1)

    /// Applies what differs from the rendering; returns the controller's desired state.
    func apply(_ cluster: QiniuMySQL, names: ClusterNames, key: ObjectKey, log: Logger) async throws -> ControllerSpec {
        let secretCache = caches.objects(Secret.resourceType)
        // The rendering's inputs: the cluster and its credentials (the settings are the process's).
        let secretVersion = secretCache?.version(of: ObjectKey(namespace: key.namespace, name: names.secret)) ?? 0
        var inputs = Hasher()
        inputs.combine(cluster)
        inputs.combine(secretVersion)
        let inputsHash = inputs.finalize()
        if secretVersion > 0, covered.isCoveredWhole(key, inputs: inputsHash, version: { type, name in
            caches.objects(type)?.version(of: ObjectKey(namespace: key.namespace, name: name))
        }) {
            return ClusterRenderer.controllerSpec(of: cluster)
        }
        let keys = ClusterSecrets.keys(withRootPassword: cluster.spec.rootPasswordSecret == nil)
        var existingSecret: Secret?
        do {
            existingSecret = try secretCache?.get(ObjectKey(namespace: key.namespace, name: names.secret), as: Secret.self)
            if existingSecret == nil {
                // Not in the cache need not mean absent (someone removed our label): ask before
                // ever making new credentials, which would lock the running cluster out.
                do {
                    existingSecret = try await client.get(Secret.self, name: names.secret, namespace: key.namespace)
                } catch let error as KubeError where error.isNotFound {}
            }
        } catch is DecodingError {
            throw OperatorError("Secret \(names.secret) cannot be read (a value that is not base64?); restore its keys \(keys.joined(separator: ", ")) (the running cluster uses them)")
        }
        let secrets: ClusterSecrets
        if let existingSecret {
            guard let stored = ClusterSecrets(secret: existingSecret, expectsRootPassword: cluster.spec.rootPasswordSecret == nil) else {
                throw OperatorError("Secret \(names.secret) lacks one of \(keys.joined(separator: ", ")); restore the keys (the running cluster uses them)")
            }
            secrets = stored
        } else {
            secrets = try .generate(withRootPassword: cluster.spec.rootPasswordSecret == nil, cluster: key.name, namespace: key.namespace)
        }
        let renderer = ClusterRenderer(cluster: cluster, settings: settings, secrets: secrets)
        var coveredObjects: [(type: ResourceType, name: String, memoKey: String)] = []
        var wrote = false
        for object in renderer.render() {
            let cache = caches.objects(object.type)
            let objectKey = ObjectKey(namespace: key.namespace, name: object.name)
            let version = cache?.version(of: objectKey) ?? 0
            let memoKey = "\(object.type.plural)/\(object.name)"
            let rendering = object.body.hashValue
            if covered.isCovered(key, memoKey, version: version, rendering: rendering) {
                coveredObjects.append((object.type, object.name, memoKey))
                continue
            }
            // Credentials are created once (a plain create, which fails rather than overwrite)
            // and never rewritten: rotating them would lock the running cluster out.
            if object.type == Secret.resourceType {
                if existingSecret == nil {
                    let stored = try await client.createRaw(Secret.resourceType, object.body, namespace: key.namespace)
                    cache?.store(stored)
                    metrics.objectWrites.increment()
                    wrote = true
                    log.notice("created the cluster's credentials and certificates", metadata: ["secret": "\(names.secret)"])
                }
                continue
            }
            let liveObject = cache?.get(objectKey)
            if LiveComparison.covers(liveObject, object.body) {
                covered.remember(key, memoKey, version: version, rendering: rendering)
                coveredObjects.append((object.type, object.name, memoKey))
                continue
            }
            log.info("applying", metadata: [
                "object": "\(object.reference)",
                "difference": "\(LiveComparison.firstDifference(liveObject, object.body) ?? "-")",
            ])
            let stored = try await client.applyRaw(object.type, object.body, namespace: key.namespace,
                                                   fieldManager: settings.fieldManager, force: true)
            cache?.store(stored)
            metrics.objectWrites.increment()
            wrote = true
        }
        if !wrote { covered.rememberWhole(key, inputs: inputsHash, objects: coveredObjects) }
        return renderer.controllerSpec
    }

    /// Replaces the next outdated database pod, if `RolloutDecision` says one may go now.
    /// Returns whether the rollout is complete: every pod runs the template just applied, and the
    /// cluster is Green.
    func rollOut(_ cluster: QiniuMySQL, names: ClusterNames, key: ObjectKey, state: ClusterState?, log: Logger) async throws -> Bool {
        guard let pods = caches.objects(Pod.resourceType) else { return false }
        // Read after this reconcile's apply: a revision is trusted only once the StatefulSet's
        // status reflects its newest template (before that, the old pods look current).
        let statefulSet = try caches.objects(StatefulSet.resourceType)?.get(
            ObjectKey(namespace: key.namespace, name: names.statefulSet), as: LiveStatefulSet.self)
        let settled = statefulSet.map { $0.status?.observedGeneration != nil && $0.status?.observedGeneration == $0.metadata.generation } ?? false
        let views = try pods.list(owner: key, as: ObjectStatusView<PodStatus>.self)
            .filter { $0.metadata.labels?[QiniuLabels.component] == QiniuLabels.database }
            .compactMap { RolloutDecision.PodView($0, cluster: names.cluster) }
        let decision = RolloutDecision.next(
            pods: views, replicas: cluster.spec.effectiveReplicas, updateRevision: settled ? statefulSet?.status?.updateRevision : nil,
            state: state)
        if decision == .complete { return true }
        guard case .replace(let pod) = decision else { return false }
        log.notice("rolling out the changed template", metadata: ["pod": "\(pod)"])
        do {
            let answer = try await client.deleteRaw(Pod.resourceType, name: pod, namespace: key.namespace)
            if answer[path: ["metadata", "deletionTimestamp"]] != nil { pods.store(answer) } else {
                pods.remove(ObjectKey(namespace: key.namespace, name: pod))
            }
        } catch let error as KubeError where error.isNotFound {
            return false
        }
        metrics.objectWrites.increment()
        if let raw = caches.clusters.get(key) {
            await events.record(raw, kind: .normal, reason: "RollingUpdate",
                                message: "replacing \(pod) to apply the changed pod template, one node at a time while Green")
        }
        return false
    }

    /// Puts the writer and reader labels where `EndpointLabels` says, in its order (never two
    /// writers), one merge patch a change; a steady cluster costs no request.
    func moveEndpointLabels(names: ClusterNames, key: ObjectKey, writer: String?, log: Logger) async throws {
        guard let pods = caches.objects(Pod.resourceType) else { return }
        let views = try pods.list(owner: key, as: ObjectStatusView<PodStatus>.self).compactMap { EndpointLabels.Pod($0, cluster: names.cluster) }
        for change in EndpointLabels.changes(pods: views, writer: writer) {
            let patch: JSONValue = ["metadata": ["labels": [change.label: change.add ? "true" : .null]]]
            let answer = try await client.mergePatchRaw(Pod.resourceType, name: change.pod, namespace: key.namespace, patch: patch)
            pods.store(answer)
            if change.label == QiniuLabels.writer {
                if change.add { metrics.writerLabelMoves.increment() }
                log.notice(change.add ? "the writer endpoint sends to \(change.pod)" : "the writer endpoint no longer sends to \(change.pod)")
            }
        }
    }

    func replaceController(_ cluster: QiniuMySQL, key: ObjectKey, log: Logger) async {
        let now = ContinuousClock.now
        let due = lastReplacement.withLock { all -> Bool in
            if let last = all[key], last.duration(to: now) < settings.controllerUnavailableAfter { return false }
            all[key] = now
            return true
        }
        guard due else { return }
        let names = ClusterNames(cluster: key.name)
        var replaced: [String] = []
        let pods: [ObjectStatusView<PodStatus>]
        do {
            pods = try (caches.objects(Pod.resourceType)?.list(owner: key, as: ObjectStatusView<PodStatus>.self) ?? []).filter {
                $0.metadata.labels?[QiniuLabels.component] == QiniuLabels.controller
            }
        } catch {
            log.warning("cannot read the controller's pods from the cache", metadata: ["error": "\(error)"])
            return
        }
        for pod in pods {
            guard let name = pod.metadata.name, pod.metadata.deletionTimestamp == nil else { continue }
            // A pod still pulling its image or being scheduled is not hung: leave it.
            if pod.status?.phase == "Pending" { continue }
            do {
                try await client.deleteRaw(Pod.resourceType, name: name, namespace: key.namespace)
                replaced.append(name)
            } catch {
                log.warning("cannot replace the controller's pod", metadata: ["pod": "\(name)", "error": "\(error)"])
            }
        }
        metrics.controllerReplacements.increment(by: Int64(replaced.count))
        let message = replaced.isEmpty
            ? "the controller \(names.controller) has not answered for \(settings.controllerUnavailableAfter); no running pod to replace yet"
            : "the controller \(names.controller) has not answered for \(settings.controllerUnavailableAfter); replaced pod \(replaced.joined(separator: ", "))"
        log.warning("controller unavailable", metadata: ["replaced": "\(replaced)"])
        if let raw = caches.clusters.get(key) {
            await events.record(raw, kind: .warning, reason: "ControllerUnavailable", message: message)
        }
    }

    /// Events for what changed between the stored status and the new one.
    func recordTransitions(from cluster: QiniuMySQL, to status: QiniuMySQLStatus, key: ObjectKey) async {
        guard let raw = caches.clusters.get(key) else { return }
        let old = cluster.status
        let phase = status.phase
        let oldPhase = old?.phase
        // A cluster still Red when its pause (or restore) ends is an outage from then on.
        let nowExpected = phase == .serving && oldPhase != nil && oldPhase != .serving
        if let state = status.state, state != old?.state || (nowExpected && state != .green) {
            // Not serving while forming, paused or restoring is what was asked for: a Normal
            // Event named after the phase, never a ClusterRed Warning (a new cluster's first SST).
            if state != .green, let phase, !phase.expectsService {
                await events.record(raw, kind: .normal, reason: "Cluster\(phase.rawValue)",
                                    message: "cluster is \(state.rawValue) (\(status.ready ?? "?") ready) while \(phase.rawValue.lowercased()): \(status.message ?? "")")
            } else {
                await events.record(raw, kind: state == .green ? .normal : .warning, reason: "Cluster\(state.rawValue)",
                                    message: "cluster is \(state.rawValue) (\(status.ready ?? "?") ready): \(status.message ?? "")")
            }
        }
        func becameTrue(_ type: String) -> Condition? {
            guard let new = status.conditions?.first(where: { $0.type == type }), new.status == "True" else { return nil }
            let before = old?.conditions?.first(where: { $0.type == type })
            return before?.status == "True" && before?.message == new.message ? nil : new
        }
        let watched: [(String, EventRecorder.Kind)] = [
            (ConditionType.manualInterventionRequired, .warning),
            (ConditionType.recovering, .normal),
            (ConditionType.specRejected, .warning),
            (ConditionType.applyFailed, .warning),
            (ConditionType.binlogGap, .warning),
        ]
        for (type, kind) in watched {
            if let condition = becameTrue(type) {
                await events.record(raw, kind: kind, reason: condition.reason ?? type, message: condition.message ?? type)
            }
        }
    }
}

/// An operator failure with a message that says what to do.
public struct OperatorError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The live StatefulSet as far as a reconcile reads it: what the spec check compares (the flavor
/// it was made with, the volumes' size and class, the replicas) and the revision a rollout
/// moves pods to. Read once per reconcile, without the pod template, the costly part to decode.
struct LiveStatefulSet: Decodable {
    var metadata: ObjectMeta
    var spec: Spec?
    var status: StatefulSetStatus?

    struct Spec: Decodable {
        var replicas: Int?
        var volumeClaimTemplates: [PersistentVolumeClaimTemplate]?
    }

    var facts: SpecCheck.Live {
        let claim = spec?.volumeClaimTemplates?.first
        return SpecCheck.Live(
            flavor: metadata.annotations?[ClusterRenderer.flavorAnnotation],
            storageSize: claim?.spec.resources?.requests?["storage"],
            storageClassName: claim?.spec.storageClassName,
            replicas: spec?.replicas)
    }
}
