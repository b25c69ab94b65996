import ClusterCertificates
import Foundation
import Galera

extension ClusterTLS {
    /// Writes the certificate, its key and the CA as `tls.crt`, `tls.key` and `ca.crt` under
    /// `directory` (created if needed), as a cluster's Secret is mounted in its pods: the files
    /// a local cluster's agents, tests and benches hand to the roles.
    public func writeFiles(to directory: String) throws -> TLSFiles {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let files = TLSFiles(certificate: directory + "/tls.crt", key: directory + "/tls.key", certificateAuthority: directory + "/ca.crt")
        try certificatePEM.write(toFile: files.certificate, atomically: true, encoding: .utf8)
        try keyPEM.write(toFile: files.key, atomically: true, encoding: .utf8)
        try caCertificatePEM.write(toFile: files.certificateAuthority, atomically: true, encoding: .utf8)
        return files
    }
}
