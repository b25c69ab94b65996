import AsyncHTTPClient
import Foundation
import KubeAPI
import Logging
import ServiceLifecycle
import Testing
@testable import KubeServer

@Suite("Server lifecycle and versions")
struct LifecycleTests {
    @Test("as a Service, the server stops when the group shuts down gracefully")
    func serviceLifecycle() async throws {
        var logger = Logger(label: "lifecycle-test")
        logger.logLevel = .warning
        let server = try await LocalKubeServer.start(logger: logger)
        let client = try TestClient(server: server, token: server.adminToken)
        let group = ServiceGroup(services: [server], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await client.get("/version").code == 200)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        // The client retries refused connections until its deadline, so keep the deadline short.
        await #expect(throws: (any Error).self) { try await client.send(.GET, "/version", timeout: .milliseconds(300)) }
        await client.shutdown()
    }

    @Test("a server started with a saved CA accepts certificates issued by an earlier one")
    func savedAuthority() async throws {
        let authority = try CertificateAuthority.generate()
        let saved = try CertificateAuthority(certificatePEM: authority.certificatePEM, keyPEM: authority.keyPEM)
        var configuration = KubeServerConfiguration()
        configuration.certificateAuthority = saved
        var logger = Logger(label: "ca-test")
        logger.logLevel = .warning
        let certificate = try authority.issueClientCertificate(user: "kept", groups: [], keyType: .ecSEC1, validity: 3600)
        let server = try await LocalKubeServer.start(configuration, logger: logger)
        let client = try TestClient(server: server, certificate: certificate, trustedCAPEM: authority.certificatePEM)
        let response = try await client.get("/api/v1/namespaces")
        await server.shutdown()
        await client.shutdown()
        #expect(response.code == 200)
    }

    @Test("only loopback addresses may be used")
    func loopbackOnly() async throws {
        var configuration = KubeServerConfiguration()
        configuration.host = "0.0.0.0"
        await #expect(throws: KubeServerError.self) { _ = try await LocalKubeServer.start(configuration) }
    }

    @Test("a CRD with two served versions serves the same objects under both")
    func multipleVersions() async throws {
        try await withServer { _, client in
            var crd = Fixtures.qiniuMySQLCRD
            var v1 = crd[path: ["spec", "versions"]]!.arrayValue![0]
            v1["storage"] = false
            v1["name"] = "v1"
            var versions = crd[path: ["spec", "versions"]]!.arrayValue!
            versions.append(v1)
            crd[path: ["spec", "versions"]] = .array(versions)
            #expect(try await client.post(Fixtures.crdPath, crd).code == 201)
            #expect(try await eventually { try await client.get("/apis/mysql.qiniu.com/v1/namespaces/default/qiniumysqls").code == 200 })
            _ = try await client.post(Fixtures.mysqlPath, Fixtures.mysql("demo"))
            let read = try await client.get("/apis/mysql.qiniu.com/v1/namespaces/default/qiniumysqls/demo")
            #expect(read.body["apiVersion"] == "mysql.qiniu.com/v1")
            let group = try await client.get("/apis/mysql.qiniu.com")
            #expect(group.body[path: ["preferredVersion", "version"]] == "v1", "GA versions are preferred")
        }
    }

    @Test("changing a CRD's schema changes validation and read defaults at once")
    func schemaUpdate() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            _ = try await client.post(Fixtures.mysqlPath, Fixtures.mysql("demo"))
            var crd = try await client.get("\(Fixtures.crdPath)/qiniumysqls.mysql.qiniu.com").body
            let specPath = ["spec", "versions"]
            var version = crd[path: specPath]!.arrayValue![0]
            version[path: ["schema", "openAPIV3Schema", "properties", "spec", "properties", "backupTime", "default"]] = "01:01"
            version[path: ["schema", "openAPIV3Schema", "properties", "spec", "properties", "reservedDays", "maximum"]] = 30
            crd[path: specPath] = [version]
            let updated = try await client.put("\(Fixtures.crdPath)/qiniumysqls.mysql.qiniu.com", crd)
            #expect(updated.code == 200, "\(updated.text)")
            #expect(updated.body[path: ["metadata", "generation"]] == 2)
            let read = try await client.get("\(Fixtures.mysqlPath)/demo")
            #expect(read.body[path: ["spec", "backupTime"]] == "01:01")
            let rejected = try await client.post(Fixtures.mysqlPath, Fixtures.mysql("other", spec: ["storage": "1Gi", "reservedDays": 60]))
            #expect(rejected.code == 422)
        }
    }

    @Test("clients that accept only other media types get 406")
    func notAcceptable() async throws {
        try await withServer { _, client in
            let response = try await client.send(.GET, "/api/v1/namespaces", headers: [("Accept", "application/vnd.kubernetes.protobuf")])
            #expect(response.code == 406)
            let json = try await client.send(.GET, "/api/v1/namespaces",
                                             headers: [("Accept", "application/vnd.kubernetes.protobuf, application/json")])
            #expect(json.code == 200)
        }
    }
}

@Suite("Start-up errors")
struct StartupTests {
    @Test("a port in use is a clear error naming the address")
    func portInUse() async throws {
        try await withServer { server, _ in
            var configuration = KubeServerConfiguration()
            configuration.port = server.port
            do {
                let second = try await LocalKubeServer.start(configuration)
                await second.shutdown()
                Issue.record("binding a used port must fail")
            } catch let error as KubeServerError {
                #expect(error.description.contains("127.0.0.1:\(server.port)"))
            }
        }
    }
}
