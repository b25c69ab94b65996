import ClusterCertificates
import Foundation
import Galera
import Testing
@testable import StateTransfer

/// The joiner against a donor that fails it, on real sockets and the real unpacker: every failure
/// ends with the status mysqld reads as failure and a line that says what happened, and the
/// datadir keeps its data, marked incomplete once the copy began.
@Suite(.serialized) struct JoinerFailureTests {
    static let uuid = "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002"

    /// A datadir with data in it, a joiner listening on `address` for it, and a way to play the donor.
    struct Bed {
        let datadir: String
        let address: String

        init(_ name: String, port: Int) throws {
            datadir = NSTemporaryDirectory() + "qmysql-joiner-\(name)-\(getpid())"
            try? FileManager.default.removeItem(atPath: datadir)
            try FileManager.default.createDirectory(atPath: datadir + "/mysql", withIntermediateDirectories: true)
            try "old data".write(toFile: datadir + "/ibdata1", atomically: true, encoding: .utf8)
            address = "127.0.43.2:\(port)"
        }

        func joiner(parent: Int32? = nil, connectTimeout: Duration = .seconds(20)) throws -> Joiner {
            var arguments = ["--role", "joiner", "--address", address, "--datadir", datadir]
            if let parent { arguments += ["--parent", String(parent)] }
            var joiner = Joiner(arguments: try TransferArguments(parsing: arguments), flavor: .mariadb, log: TransferLog(role: .joiner))
            joiner.connectTimeout = connectTimeout
            joiner.idleTimeout = .seconds(2)
            return joiner
        }

        /// Connects as a donor would and sends `bytes`, then closes (on a thread of its own:
        /// the joiner holds a thread of the cooperative pool meanwhile).
        func donorSends(_ bytes: [UInt8]) async throws {
            let address = address
            try await JoinerFailureTests.onThread {
                let (host, port) = try TransferArguments.endpoint(address)
                let connection = try TransferSocket.connect(host: host, port: port, until: .now + .seconds(20))
                try connection.write(bytes)
                connection.finishWriting()
            }
        }

        var files: Set<String> { Set((try? FileManager.default.contentsOfDirectory(atPath: datadir)) ?? []) }

        func remove() { try? FileManager.default.removeItem(atPath: datadir) }
    }

    /// Runs blocking socket work on a thread of its own, off the cooperative pool.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    static func failure(of joiner: Joiner) async -> TransferFailure? {
        do {
            _ = try await joiner.run()
            return nil
        } catch {
            return error
        }
    }

    @Test func aStreamCutMidwayFailsAndLeavesTheOldDataMarkedIncomplete() async throws {
        let bed = try Bed("cut", port: 14444)
        defer { bed.remove() }
        let joiner = try bed.joiner()
        let running = Task { await Self.failure(of: joiner) }
        // The header, then the start of a zstd frame that never ends.
        try await bed.donorSends(Array("qmysql-sst 1 sst \(Self.uuid):42 0\n".utf8) + [0x28, 0xB5, 0x2F, 0xFD, 0x04, 0x58, 0x45, 0x00])
        let failure = try #require(await running.value)
        #expect(failure.status == 32)
        #expect(failure.description.contains("the stream from the donor broke after"), "\(failure)")
        #expect(bed.files.isSuperset(of: ["ibdata1", "mysql", Joiner.marker]), "the old data stays, marked: \(bed.files)")
        #expect(try String(contentsOfFile: bed.datadir + "/ibdata1", encoding: .utf8) == "old data")
    }

    @Test func aPeerThatDoesNotSpeakTheProtocolIsRefusedBeforeAnythingIsTouched() async throws {
        let bed = try Bed("foreign", port: 14445)
        defer { bed.remove() }
        let joiner = try bed.joiner()
        let running = Task { await Self.failure(of: joiner) }
        try await bed.donorSends(Array("xbstream?\n".utf8))
        let failure = try #require(await running.value)
        #expect(failure.status == 32)
        #expect(failure.description.contains("did not speak the qmysql transfer protocol"), "\(failure)")
        #expect(bed.files == ["ibdata1", "mysql"], "nothing touched: \(bed.files)")
    }

    @Test func noDonorWithinTheTimeoutIsAClearFailure() async throws {
        let bed = try Bed("lonely", port: 14446)
        defer { bed.remove() }
        let failure = try #require(await Self.failure(of: try bed.joiner(connectTimeout: .seconds(1))))
        #expect(failure.status == 32)
        #expect(failure.description.hasPrefix("no donor connected within ") && failure.description.hasSuffix(" of 'ready'"), "\(failure)")
    }

    @Test func aJoinerWhoseMysqldIsGoneGivesUp() async throws {
        let bed = try Bed("orphan", port: 14447)
        defer { bed.remove() }
        // A pid that no process has: the parent is gone.
        let failure = try #require(await Self.failure(of: try bed.joiner(parent: 999_999_999)))
        #expect(failure.description.contains("is gone: the transfer is abandoned"), "\(failure)")
    }

    @Test func aDonorThatStopsSendingIsGivenUpAfterTheIdleTimeout() async throws {
        let bed = try Bed("stalled", port: 14448)
        defer { bed.remove() }
        let joiner = try bed.joiner()
        let running = Task { await Self.failure(of: joiner) }
        let address = bed.address
        let connection = try await Self.onThread {
            let (host, port) = try TransferArguments.endpoint(address)
            let connection = try TransferSocket.connect(host: host, port: port, until: .now + .seconds(20))
            try connection.write(Array("qmysql-sst 1 sst \(Self.uuid):42 0\n".utf8))
            return connection
        }
        // ... and nothing more, the connection left open.
        let failure = try #require(await running.value)
        #expect(failure.description.contains("nothing arrived for"), "\(failure)")
        #expect(bed.files.contains(Joiner.marker))
        _ = connection
    }
}

/// The transfer over TLS with the cluster's CA: a donor of the cluster gets through, one of
/// another cluster and one speaking plain TCP are refused before the joiner reads a byte of theirs.
/// (Nested in the joiner's suite: a joiner blocks a thread of the cooperative pool while it
/// waits, as its process may, so no two run at once.)
extension JoinerFailureTests {
@Suite(.serialized) struct TransferTLSTests {
    static let uuid = JoinerFailureTests.uuid

    /// A cluster's certificate, key and CA as files.
    static func files(_ cluster: String, in directory: String) throws -> TLSFiles {
        let tls = try ClusterTLS.generate(cluster: cluster, namespace: "rds")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let files = TLSFiles(certificate: directory + "/tls.crt", key: directory + "/tls.key", certificateAuthority: directory + "/ca.crt")
        try tls.certificatePEM.write(toFile: files.certificate, atomically: true, encoding: .utf8)
        try tls.keyPEM.write(toFile: files.key, atomically: true, encoding: .utf8)
        try tls.caCertificatePEM.write(toFile: files.certificateAuthority, atomically: true, encoding: .utf8)
        return files
    }

    /// Runs a TLS joiner and plays a donor that presents `donorFiles` (nil: plain TCP) and asks for IST.
    static func transfer(port: Int, joinerFiles: TLSFiles, donorFiles: TLSFiles?) async throws -> Result<String, TransferFailure> {
        let bed = try JoinerFailureTests.Bed("tls-\(port)", port: port)
        defer { bed.remove() }
        var joiner = try bed.joiner()
        joiner.arguments.tls = joinerFiles
        let prepared = joiner
        let running = Task { () -> Result<String, TransferFailure> in
            do throws(TransferFailure) { return .success(try await prepared.run()) } catch { return .failure(error) }
        }
        let address = bed.address
        let connection = try await JoinerFailureTests.onThread {
            let (host, port) = try TransferArguments.endpoint(address)
            let connection = try TransferSocket.connect(host: host, port: port, until: .now + .seconds(20))
            if let donorFiles {
                try? connection.secure(donorFiles, as: .donor, idle: .seconds(5))
            }
            try? connection.write(Array("qmysql-sst 1 ist \(uuid):42 0\n".utf8))
            connection.finishWriting()
            return connection
        }
        let result = await running.value
        _ = connection
        return result
    }

    @Test func aDonorOfTheClusterGetsThrough() async throws {
        let directory = NSTemporaryDirectory() + "qmysql-transfer-tls-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ours = try Self.files("demo", in: directory + "/demo")
        let result = try await Self.transfer(port: 14450, joinerFiles: ours, donorFiles: ours)
        #expect(try result.get() == "\(Self.uuid):42 0")
    }

    @Test func aDonorOfAnotherClusterIsRefused() async throws {
        let directory = NSTemporaryDirectory() + "qmysql-transfer-tls-other-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ours = try Self.files("demo", in: directory + "/demo")
        let theirs = try Self.files("demo", in: directory + "/imposter")
        guard case .failure(let failure) = try await Self.transfer(port: 14451, joinerFiles: ours, donorFiles: theirs) else {
            Issue.record("a donor with another CA's certificate was let in")
            return
        }
        #expect(failure.status == 32)
        #expect(failure.description.contains("the TLS handshake with the donor failed"), "\(failure)")
    }

    @Test func aDonorSpeakingPlainTCPIsRefused() async throws {
        let directory = NSTemporaryDirectory() + "qmysql-transfer-tls-plain-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ours = try Self.files("demo", in: directory + "/demo")
        guard case .failure(let failure) = try await Self.transfer(port: 14452, joinerFiles: ours, donorFiles: nil) else {
            Issue.record("a plain-TCP donor was let in")
            return
        }
        #expect(failure.description.contains("the TLS handshake with the donor failed"), "\(failure)")
    }

    @Test func theDefaultsFileNamesTheFilesOrNone() throws {
        #expect(try DefaultsFile.tls(in: "[mysqld]\ndatadir=/d\n") == nil)
        let text = "[mysqld]\ntls-cert=/not/ours\n[qmysql-sst]\ntls-cert=/s/tls.crt\ntls-key = /s/tls.key\ntls-ca=/s/ca.crt\n[mariabackup]\nuser=mysql\n"
        #expect(try DefaultsFile.tls(in: text) == TLSFiles(certificate: "/s/tls.crt", key: "/s/tls.key", certificateAuthority: "/s/ca.crt"))
        #expect(throws: TransferArguments.Problem.self) { try DefaultsFile.tls(in: "[qmysql-sst]\ntls-cert=/s/tls.crt\n") }
    }
}
}
