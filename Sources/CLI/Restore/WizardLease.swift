import Foundation
import KubeAPI
import KubeClient
import QiniuAPI

/// Only one wizard drives a restore: it holds a lease written into the QiniuMySQLData's
/// annotations (who, since when, last renewed), renewed every `renewEvery` while it runs and
/// removed when it leaves. A wizard that vanished without leaving (a killed process, a dead
/// SSH session) loses the lease `expiresAfter` its last renewal. Taking the lease is a
/// `KubeClient.modify`: a write conditional on the resourceVersion read, so two wizards racing for
/// it cannot both win, and fields the Swift model does not know survive it.
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

    /// Conflicts (the operator mirrors progress into the same object) are read again this often.
    static let conflictRetries = 5

    /// Takes the lease on `task`, or throws a `CLIError` naming who holds it and since when.
    static func acquire(client: KubeClient, namespace: String, task: String, me: String = me) async throws -> WizardLease {
        var taken = Date()
        _ = try await client.modify(QiniuMySQLData.self, name: task, namespace: namespace, retryOnConflict: conflictRetries) { object in
            taken = Date()
            if case .refuse(let holder) = decide(holder(in: object.metadata.annotations), me: me, now: taken) {
                throw CLIError(
                    "restore \(task) is driven by another wizard: \(holder.name), since \(KubeTime.format(holder.since)) (last heard \(Int(taken.timeIntervalSince(holder.renewed))) s ago)",
                    hint: "only one wizard drives a restore: go on in that terminal, or end it there; a wizard that is gone gives the restore up \(Int(expiresAfter)) s after it was last heard",
                    status: .busy)
            }
            object.metadata.annotations = (object.metadata.annotations ?? [:]).merging(annotations(holder: me, since: taken, now: taken)) { $1 }
        }
        return WizardLease(client: client, namespace: namespace, task: task, holder: me, since: taken)
    }

    /// Renews the lease until the calling task is cancelled. A renewal that finds someone else
    /// holding the lease (ours expired while the network was gone) ends the wizard.
    func renewWhileRunning() async throws {
        while true {
            try await Task.sleep(for: Self.renewEvery)
            _ = try await client.modify(QiniuMySQLData.self, name: task, namespace: namespace, retryOnConflict: Self.conflictRetries) { object in
                if let current = Self.holder(in: object.metadata.annotations), current.name != holder {
                    throw CLIError("restore \(task) was taken over by \(current.name) at \(KubeTime.format(current.since))",
                                   hint: "this wizard lost its lease (no renewal for \(Int(Self.expiresAfter)) s); go on in the other terminal",
                                   status: .busy)
                }
                object.metadata.annotations = (object.metadata.annotations ?? [:])
                    .merging(Self.annotations(holder: holder, since: since, now: Date())) { $1 }
            }
        }
    }

    /// Gives the lease up (when it is still ours). Best effort: an unreachable server leaves it
    /// to expire.
    func release() async {
        _ = try? await client.modify(QiniuMySQLData.self, name: task, namespace: namespace, retryOnConflict: Self.conflictRetries) { object in
            guard Self.holder(in: object.metadata.annotations)?.name == holder else { return }
            for key in [Self.holderKey, Self.sinceKey, Self.renewedKey] { object.metadata.annotations?[key] = nil }
        }
    }
}
