import AgentAPI
import ControllerAPI
import KubeAPI
import KubeRuntime
import Logging
import RoleNetwork

/// The desired-state contract's operator half (docs/operator.md, "Telling the controller"): the
/// spec is sent (`PUT /v1/spec`, idempotent) until the controller's status shows its generation,
/// and the formed UUID once the controller says it has none.
extension ClusterReconciler {
    enum SpecDelivery: Equatable {
        /// The controller runs this spec.
        case observed
        /// Sent and acknowledged; the status stream shows it next.
        case sent
        /// Not reachable yet (a starting pod): tried again shortly, never an error on the object.
        case unreachable(String)
        /// The controller refused it: a fault of ours or of the spec; the status says so.
        case refused(String)
    }

    /// How long an acknowledged spec may take to show in the status before it is sent again.
    static let specResendAfter = Duration.seconds(3)

    /// Whether the controller's latest status shows it runs `spec`.
    static func observes(_ spec: ControllerSpec, _ status: ClusterStatus?) -> Bool {
        guard let status, status.observedGeneration == spec.generation else { return false }
        // A replaced controller that lost its state forgets the formed UUID until told again.
        return spec.formedUUID == nil || status.clusterUUID != nil
    }

    func deliver(_ spec: ControllerSpec, key: ObjectKey, status: ClusterStatus?, caPEM: String?, token: String?, log: Logger) async -> SpecDelivery {
        if Self.observes(spec, status) { return .observed }
        // The status stream shows an accepted spec within moments: the same spec is not sent
        // again before then (a resync in between would only repeat it).
        let now = ContinuousClock.now
        if let last = lastSpec.withLock({ $0[key] }), last.spec == spec, now - last.at < Self.specResendAfter { return .sent }
        guard let token else { return .unreachable("the cluster's Secret is not there yet") }
        let client: ControllerStatusClient
        do {
            client = ControllerStatusClient(baseURL: controllerURL(key), tlsConfiguration: try caPEM.map { try RoleTLS.client(caPEM: $0) },
                                            httpClient: followers.httpClient)
        } catch {
            return .refused("the cluster's CA cannot be read: \(error)")
        }
        do {
            let answer = try await client.put(spec, token: token, timeout: .seconds(5))
            lastSpec.withLock { $0[key] = (spec, .now) }
            metrics.specDeliveries.increment()
            if answer.changed {
                log.info("desired state sent to the controller", metadata: ["generation": "\(spec.generation)"])
            }
            return .sent
        } catch let refused as ControllerStatusClient.Refused {
            log.error("the controller refused the desired state", metadata: ["generation": "\(spec.generation)", "reason": "\(refused)"])
            return .refused("the controller refused the desired state (generation \(spec.generation)): \(refused)")
        } catch {
            log.debug("controller not reachable for its desired state yet", metadata: ["error": "\(error)"])
            return .unreachable("\(error)")
        }
    }
}
