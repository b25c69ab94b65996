import Backup
import Foundation
import ObjectStorage
import S3TestServers
import Testing

/// The backup store against Ceph's RADOS Gateway, a production S3 server: the same round trip
/// as against moto, plus what only a server that keeps state and checks keys can show: wrong
/// keys are refused by name, and a gateway killed in the middle of an upload fails the backup
/// clearly, lists nothing, and the next backup succeeds once it is back.
@Suite("the S3 backup store against Ceph's RADOS Gateway", .serialized)
struct RadosGatewayTests {
    @Test func wrongKeysAKilledGatewayMidUploadAndTheNextBackup() async throws {
        try #require(RadosGateway.available, "Ceph's ceph-mon, ceph-osd and radosgw are missing: run scripts/setup")
        let gateway = try await RadosGateway(address: "127.0.46.3", tlsPort: 17463)
        do {
            try await scenario(gateway)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    func scenario(_ gateway: RadosGateway) async throws {
        let location = S3Location(endpoint: gateway.endpoint, bucket: "qmysql-backups")
        let client = try S3Client(location: location, credentials: .init(accessKey: RadosGateway.accessKey, secretKey: RadosGateway.secretKey))
        try await client.createBucket()
        let store = S3BackupStore(client: client, prefix: "rgw/", partSize: 5 << 20)

        // Wrong keys: a secret that is not the key's, and a key the server does not know.
        for credentials in [SigV4.Credentials(accessKey: RadosGateway.accessKey, secretKey: "not-the-secret"),
                            SigV4.Credentials(accessKey: "nobody", secretKey: RadosGateway.secretKey)] {
            let wrong = try S3Client(location: location, credentials: credentials)
            await #expect {
                _ = try await S3BackupStore(client: wrong, prefix: "rgw/").list(cluster: "demo")
            } throws: { error in
                "\(error)".contains("refused the access key or secret key")
            }
        }

        // A round trip of three parts.
        let data = S3StoreTests.random(11 << 20)
        let first = try await S3StoreTests.write(data, id: "demo-20270115-000000", to: store)
        #expect(first.size == Int64(data.count))
        let received = Received()
        try await store.read(cluster: "demo", id: "demo-20270115-000000") { received.append($0) }
        #expect(received.data == data)

        // The gateway is SIGKILLed between two parts: the backup fails and says where.
        let writer = try await store.beginWrite(cluster: "demo", id: "demo-20270116-000000")
        try await writer.append(S3StoreTests.random(6 << 20))
        await gateway.killGateway()
        await #expect {
            try await writer.append(S3StoreTests.random(6 << 20))
            _ = try await writer.finish(S3StoreTests.record("demo-20270116-000000"))
        } throws: { error in
            "\(error)".contains("cannot write the backup at s3://qmysql-backups/rgw/demo/demo-20270116-000000/data.xb.zst")
                && "\(error)".contains("no answer from the S3 server")
        }
        try await gateway.startGateway()
        // Nothing of it is listed, and the next backup goes through.
        #expect(try await store.list(cluster: "demo").map(\.id) == ["demo-20270115-000000"])
        #expect(try await client.listObjects(prefix: "rgw/demo/demo-20270116-000000/").isEmpty)
        // The failed backup's upload could not be aborted while the gateway was down: the
        // retention's sweep removes it (a day on, in the controller; at once here).
        #expect(try await client.listMultipartUploads(prefix: "rgw/").map(\.key) == ["rgw/demo/demo-20270116-000000/data.xb.zst"])
        #expect(try await store.removeAbandoned(cluster: "demo", startedBefore: Date().addingTimeInterval(-3600)).isEmpty, "not sooner")
        #expect(try await store.removeAbandoned(cluster: "demo", startedBefore: Date().addingTimeInterval(60)).count == 1)
        #expect(try await client.listMultipartUploads(prefix: "rgw/").isEmpty)
        _ = try await S3StoreTests.write(S3StoreTests.random(7 << 20), id: "demo-20270117-000000", to: store)
        #expect(try await store.list(cluster: "demo").map(\.id) == ["demo-20270115-000000", "demo-20270117-000000"])

        // A private endpoint over HTTPS: its CA bundle makes it trusted; without it the
        // certificate is refused, and said so.
        let tlsLocation = S3Location(endpoint: try #require(gateway.tlsEndpoint), bucket: "qmysql-backups")
        let trusting = try S3Client(location: tlsLocation, credentials: .init(accessKey: RadosGateway.accessKey, secretKey: RadosGateway.secretKey),
                                    httpClient: try S3Client.sharedHTTPClient(trusting: Array(try #require(gateway.authorityPEM).utf8)))
        #expect(try await S3BackupStore(client: trusting, prefix: "rgw/").list(cluster: "demo").map(\.id) == ["demo-20270115-000000", "demo-20270117-000000"])
        let untrusting = try S3Client(location: tlsLocation, credentials: .init(accessKey: RadosGateway.accessKey, secretKey: RadosGateway.secretKey))
        await #expect {
            _ = try await S3BackupStore(client: untrusting, prefix: "rgw/").list(cluster: "demo")
        } throws: { error in
            "\(error)".contains("TLS certificate is not trusted")
        }

        // SSE-C: the gateway encrypts with a key sent with every request and kept nowhere. The
        // key reads the backup back; no key, or another key, reads nothing.
        let key = Data((0..<32).map { UInt8($0 * 7 % 256) })
        var encrypting = client
        encrypting.encryption = .customerKey(key)
        let sealed = S3BackupStore(client: encrypting, prefix: "rgw-sse/", partSize: 5 << 20)
        let secret = S3StoreTests.random(6 << 20)
        _ = try await S3StoreTests.write(secret, id: "demo-20270118-000000", to: sealed)
        let unsealed = Received()
        try await sealed.read(cluster: "demo", id: "demo-20270118-000000") { unsealed.append($0) }
        #expect(unsealed.data == secret)
        _ = try await sealed.verify(cluster: "demo", id: "demo-20270118-000000", at: Date()) { _ in }
        var otherKey = client
        otherKey.encryption = .customerKey(Data(repeating: 1, count: 32))
        for (what, reader) in [("no key", client), ("another key", otherKey)] {
            await #expect("\(what) reads nothing") {
                _ = try await reader.getObject("rgw-sse/demo/demo-20270118-000000/backup.json")
            } throws: { error in
                "\(error)".contains("encrypted with a customer key (SSE-C) that this request does not hold")
            }
        }

        // Retention's deletes remove exactly the backups named.
        try await store.delete(cluster: "demo", id: "demo-20270115-000000")
        #expect(try await client.listObjects(prefix: "rgw/").map(\.key)
            == ["rgw/demo/demo-20270117-000000/backup.json", "rgw/demo/demo-20270117-000000/data.xb.zst"])
    }
}
