import Foundation
import KubeAPI
import KubeClient
import QiniuAPI

/// Only one wizard drives a restore: it holds a lease written into the QiniuMySQLData's
/// annotations (who, since when, last renewed), renewed every `renewEvery` while it runs and
/// removed when it leaves. A wizard that vanished without leaving (a killed process, a dead
/// SSH session) loses the lease `expiresAfter` its last renewal. Taking the lease is an update
/// with the object's resourceVersion, so two wizards racing for it cannot both win.
struct WizardLease: Sendable {
    static let holderKey = "mysql.qiniu.com/wizard"
    static let sinceKey = "mysql.qiniu.com/wizard-since"
    static let renewedKey = "mysql.qiniu.com/wizard-renewed"
    static let renewEvery = Duration.seconds(10)
    static let expiresAfter: TimeInterval = 30

    struct Holder: Sendable, Hashable {
        var name: String
        var since: Date
        var renewed: Date
    }

    enum Decision: Sendable, Hashable {
        case take
        case refuse(Holder)
    }

    /// `alice@laptop (pid 4242)`: enough for a person to find the other terminal.
    static var me: String {
        let user = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName
        return "\(user)@\(ProcessInfo.processInfo.hostName) (pid \(getpid()))"
    }

    static func holder(in annotations: [String: String]?) -> Holder? {
        guard let annotations, let name = annotations[holderKey], !name.isEmpty else { return nil }
        let since = annotations[sinceKey].flatMap(KubeTime.parse) ?? .distantPast
        let renewed = annotations[renewedKey].flatMap(KubeTime.parse) ?? since
        return Holder(name: name, since: since, renewed: renewed)
    }

    /// Pure: may `me` take the lease now? Its own lease, none, or an expired one: yes.
    static func decide(_ current: Holder?, me: String, now: Date) -> Decision {
        guard let current, current.name != me, now.timeIntervalSince(current.renewed) < expiresAfter else { return .take }
        return .refuse(current)
    }

    static func annotations(holder: String, since: Date, now: Date) -> [String: String] {
        [holderKey: holder, sinceKey: KubeTime.format(since), renewedKey: KubeTime.format(now)]
    }

    let client: KubeClient
    let namespace: String
    let task: String
    let holder: String
    let since: Date

    /// Takes the lease on `task`, or throws a `CLIError` naming who holds it and since when.
    static func acquire(client: KubeClient, namespace: String, task: String, me: String = me) async throws -> WizardLease {
        for _ in 0..<5 {
            var object = try await client.get(QiniuMySQLData.self, name: task, namespace: namespace)
            let now = Date()
            if case .refuse(let holder) = decide(holder(in: object.metadata.annotations), me: me, now: now) {
                throw CLIError(
                    "restore \(task) is driven by another wizard: \(holder.name), since \(KubeTime.format(holder.since)) (last heard \(Int(now.timeIntervalSince(holder.renewed))) s ago)",
                    hint: "only one wizard drives a restore: go on in that terminal, or end it there; a wizard that is gone gives the restore up \(Int(expiresAfter)) s after it was last heard",
                    status: .busy)
            }
            object.metadata.annotations = (object.metadata.annotations ?? [:]).merging(annotations(holder: me, since: now, now: now)) { $1 }
            do {
                _ = try await client.update(object, namespace: namespace)
                return WizardLease(client: client, namespace: namespace, task: task, holder: me, since: now)
            } catch let error as KubeError where error.isConflict {
                continue  // the object changed since it was read (the operator mirrors progress): read it again
            }
        }
        throw CLIError("cannot take restore \(task): it changed on every attempt", hint: "try again", status: .failure)
    }

    /// Renews the lease until the calling task is cancelled. A renewal that finds someone else
    /// holding the lease (ours expired while the network was gone) ends the wizard.
    func renewWhileRunning() async throws {
        while true {
            try await Task.sleep(for: Self.renewEvery)
            for _ in 0..<5 {
                var object = try await client.get(QiniuMySQLData.self, name: task, namespace: namespace)
                if let current = Self.holder(in: object.metadata.annotations), current.name != holder {
                    throw CLIError("restore \(task) was taken over by \(current.name) at \(KubeTime.format(current.since))",
                                   hint: "this wizard lost its lease (no renewal for \(Int(Self.expiresAfter)) s); go on in the other terminal",
                                   status: .busy)
                }
                object.metadata.annotations = (object.metadata.annotations ?? [:])
                    .merging(Self.annotations(holder: holder, since: since, now: Date())) { $1 }
                do {
                    _ = try await client.update(object, namespace: namespace)
                    break
                } catch let error as KubeError where error.isConflict {
                    continue
                }
            }
        }
    }

    /// Gives the lease up (when it is still ours). Best effort: an unreachable server leaves it
    /// to expire.
    func release() async {
        for _ in 0..<3 {
            guard var object = try? await client.get(QiniuMySQLData.self, name: task, namespace: namespace),
                  Self.holder(in: object.metadata.annotations)?.name == holder else { return }
            for key in [Self.holderKey, Self.sinceKey, Self.renewedKey] { object.metadata.annotations?[key] = nil }
            do {
                _ = try await client.update(object, namespace: namespace)
                return
            } catch let error as KubeError where error.isConflict {
                continue
            } catch {
                return
            }
        }
    }
}
