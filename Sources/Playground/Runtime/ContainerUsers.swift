import Foundation

/// How the runtime gives containers their users, which depends on who runs the playground.
///
/// As root it does what a kubelet does: each container runs as the uid and groups its
/// `securityContext` names (`PodPlan`'s `ContainerIdentity`), volumes are owned as the kubelet
/// leaves them with `fsGroup` (root:fsGroup, setgid), and a container sees its image's own user
/// database, so uid 999 is `mysql` as in the MariaDB image (the host's /etc/passwd does not
/// know it): the image's passwd and group files are given through nss_wrapper, the library
/// OpenShift-style images use for uids that /etc/passwd lacks.
///
/// Anyone else cannot change uids: every container runs as the invoking user, and
/// `playground status` says so.
public enum ContainerUsers: Sendable, Equatable {
    case fromSecurityContext(nssWrapper: String)
    case invokingUser(uid: Int, gid: Int)

    /// What this process can do: switch to each container's user when it runs as root, with
    /// nss_wrapper installed (`missingWrapper` otherwise).
    public static func current() -> Result<ContainerUsers, MissingWrapper> {
        guard geteuid() == 0 else { return .success(.invokingUser(uid: Int(getuid()), gid: Int(getgid()))) }
        guard let library = nssWrapperLibrary() else { return .failure(MissingWrapper()) }
        return .success(.fromSecurityContext(nssWrapper: library))
    }

    public struct MissingWrapper: Error, CustomStringConvertible {
        public var description: String {
            "the playground runs as root, so it runs each container as its securityContext's user, and needs nss_wrapper to give containers their image's users; install it with: apt-get install -y libnss-wrapper (or scripts/setup)"
        }
    }

    /// libnss_wrapper.so from Debian's libnss-wrapper, wherever the architecture puts it.
    static func nssWrapperLibrary() -> String? {
        let directories = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"]
        return directories.map { "\($0)/libnss_wrapper.so" }.first { FileManager.default.fileExists(atPath: $0) }
    }

    public var switches: Bool {
        if case .fromSecurityContext = self { return true }
        return false
    }

    /// One line for `playground status`.
    public var summary: String {
        switch self {
        case .fromSecurityContext:
            "as their securityContext's users (runAsUser, runAsGroup, fsGroup), volumes root:fsGroup with setgid, as a kubelet runs them"
        case .invokingUser(let uid, _):
            "as the invoking user (uid \(uid)): the playground is not root, so runAsUser and fsGroup cannot be applied"
        }
    }

    /// The environment a container of `identity` gets on top of its own, for the image whose
    /// user database is in `passwd` and `group`: nss_wrapper, and HOME as the kubelet sets it
    /// (the user's home in the image, else /).
    public func environment(for identity: ContainerIdentity, passwd: String, group: String) -> [String: String] {
        guard case .fromSecurityContext(let library) = self else { return [:] }
        return ["LD_PRELOAD": library, "NSS_WRAPPER_PASSWD": passwd, "NSS_WRAPPER_GROUP": group,
                "HOME": identity.uid == 0 ? "/root" : "/"]
    }
}
