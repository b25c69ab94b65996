import AsyncHTTPClient
import Backup
import Foundation
import Galera
import ObjectStorage
import Processes
import S3TestServers
import Testing

/// The backup store on a bucket of a real S3 server: a backup of several parts and one of less
/// than a part go up, are listed only once whole, read back byte for byte, verify, and go; a
/// damaged object is refused on read; a missing bucket says so.
@Suite("the S3 backup store against moto", .serialized)
struct S3StoreTests {
    static let address = "127.0.46.2"

    static func record(_ id: String) -> BackupMetadata {
        BackupMetadata(id: id, cluster: "demo", node: "demo-0", flavor: .mariadb, serverVersion: "10.11.19-MariaDB",
                       startedAt: Date(timeIntervalSince1970: 1_800_000_000), finishedAt: Date(timeIntervalSince1970: 1_800_000_060),
                       size: 0, sha256: "", position: try! GaleraPosition(parsing: "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002:42"))
    }

    /// `count` bytes that do not repeat within a part: one random MiB (made once), each copy of
    /// it stamped with its offset and a random number. Cheap even in a debug build (the tests
    /// run beside every other suite; a byte-at-a-time generator starved them).
    static func random(_ count: Int) -> Data {
        var out = Data(capacity: count)
        var generator = SystemRandomNumberGenerator()
        while out.count < count {
            var block = block
            withUnsafeBytes(of: (UInt64(out.count), generator.next())) { stamp in block.replaceSubrange(0..<stamp.count, with: stamp) }
            out.append(block.prefix(count - out.count))
        }
        return out
    }

    static let block: Data = {
        var generator = SystemRandomNumberGenerator()
        var words = [UInt64](repeating: 0, count: (1 << 20) / 8)
        for index in words.indices { words[index] = generator.next() }
        return words.withUnsafeBytes { Data($0) }
    }()

    static func write(_ data: Data, id: String, to store: S3BackupStore, chunk: Int = 1 << 20) async throws -> BackupMetadata {
        let writer = try await store.beginWrite(cluster: "demo", id: id)
        var offset = 0
        while offset < data.count {
            try await writer.append(data[offset..<min(offset + chunk, data.count)])
            offset += chunk
        }
        return try await writer.finish(record(id))
    }

    @Test func backupsGoUpInPartsAreListedWholeReadBackAndGo() async throws {
        let server = try await MotoServer(address: Self.address, port: 7480)
        defer { Task { await server.stop() } }
        let client = try S3Client(location: S3Location(endpoint: server.endpoint, bucket: "qmysql-backups"),
                                  credentials: .init(accessKey: "test", secretKey: "test-secret"))
        try await client.createBucket()
        try await client.checkBucket()
        let store = S3BackupStore(client: client, prefix: "tests", partSize: 5 << 20)
        #expect(try await store.list(cluster: "demo").isEmpty)

        // 12 MiB: three parts (5, 5, 2); and 100 KiB: one put.
        let big = Self.random(12 << 20)
        let small = Self.random(100 << 10)
        let bigRecord = try await Self.write(big, id: "demo-20270115-000000", to: store)
        #expect(bigRecord.size == Int64(big.count) && bigRecord.sha256 == FileBackupStore.sha256Hex(big))
        _ = try await Self.write(small, id: "demo-20270116-000000", to: store)
        #expect(try await store.list(cluster: "demo").map(\.id) == ["demo-20270115-000000", "demo-20270116-000000"])
        let keys = try await client.listObjects(prefix: "tests/").map(\.key)
        #expect(keys == ["tests/demo/demo-20270115-000000/backup.json", "tests/demo/demo-20270115-000000/data.xb.zst",
                         "tests/demo/demo-20270116-000000/backup.json", "tests/demo/demo-20270116-000000/data.xb.zst"])

        let received = Received()
        try await store.read(cluster: "demo", id: "demo-20270115-000000") { received.append($0) }
        #expect(received.data == big, "read back byte for byte")
        let verified = try await store.verify(cluster: "demo", id: "demo-20270116-000000", at: Date(timeIntervalSince1970: 1_800_000_100)) { _ in }
        #expect(verified.verifiedAt == Date(timeIntervalSince1970: 1_800_000_100))
        #expect(try await store.metadata(cluster: "demo", id: "demo-20270116-000000").verifiedAt == verified.verifiedAt, "the verification is recorded")

        // A write that is aborted leaves nothing; the same id cannot be written twice.
        let aborted = try await store.beginWrite(cluster: "demo", id: "demo-20270117-000000")
        try await aborted.append(Self.random(6 << 20))
        await aborted.abort()
        #expect(try await client.listObjects(prefix: "tests/demo/demo-20270117-000000/").isEmpty)
        await #expect(throws: BackupStoreError.alreadyExists(id: "demo-20270116-000000")) {
            _ = try await store.beginWrite(cluster: "demo", id: "demo-20270116-000000")
        }

        // An upload a dead writer left unfinished is removed (moto dates every upload 2010-11-10,
        // so "not sooner" is the gateway's test).
        let left = try await client.createMultipartUpload("tests/demo/demo-20270118-000000/data.xb.zst")
        let removed = try await store.removeAbandoned(cluster: "demo", startedBefore: Date().addingTimeInterval(60))
        #expect(removed == ["s3://qmysql-backups/tests/demo/demo-20270118-000000/data.xb.zst (upload \(left))"])
        #expect(try await client.listMultipartUploads(prefix: "tests/").isEmpty)

        // A flipped byte in the stored stream is refused when read.
        var damaged = small
        damaged[500] ^= 0xFF
        try await client.putObject("tests/demo/demo-20270116-000000/data.xb.zst", damaged)
        await #expect {
            try await store.read(cluster: "demo", id: "demo-20270116-000000") { _ in }
        } throws: { error in
            "\(error)".contains("damaged") && "\(error)".contains("sha256")
        }

        try await store.delete(cluster: "demo", id: "demo-20270116-000000")
        try await store.delete(cluster: "demo", id: "demo-20270115-000000")
        #expect(try await store.list(cluster: "demo").isEmpty)
        #expect(try await client.listObjects(prefix: "tests/").isEmpty)
        await #expect(throws: BackupStoreError.notFound(id: "demo-20270115-000000")) {
            try await store.delete(cluster: "demo", id: "demo-20270115-000000")
        }
    }

    @Test func aMissingBucketIsSaidByName() async throws {
        let server = try await MotoServer(address: Self.address, port: 7481)
        defer { Task { await server.stop() } }
        let client = try S3Client(location: S3Location(endpoint: server.endpoint, bucket: "no-such-bucket"),
                                  credentials: .init(accessKey: "test", secretKey: "test-secret"))
        let store = S3BackupStore(client: client, prefix: "tests")
        await #expect {
            _ = try await store.list(cluster: "demo")
        } throws: { error in
            "\(error)".contains("bucket 'no-such-bucket' does not exist")
        }
        #expect(throws: S3Error.invalidEndpoint("s3.example.com")) {
            _ = try S3Client(location: S3Location(endpoint: "s3.example.com", bucket: "b"), credentials: .init(accessKey: "a", secretKey: "b"))
        }

        // SSE-S3 on the same server: both the multipart stream and the record are stored
        // encrypted with the server's keys, as it says of each.
        let bucket = try S3Client(location: S3Location(endpoint: server.endpoint, bucket: "qmysql-sse"),
                                  credentials: .init(accessKey: "test", secretKey: "test-secret"))
        try await bucket.createBucket()
        var encrypting = bucket
        encrypting.encryption = .s3
        let sealed = S3BackupStore(client: encrypting, prefix: "tests/", partSize: 5 << 20)
        _ = try await Self.write(Self.random(6 << 20), id: "demo-20270120-000000", to: sealed)
        for object in ["data.xb.zst", "backup.json"] {
            let head = try await bucket.headObject("tests/demo/demo-20270120-000000/\(object)")
            #expect(head?.encryption == "AES256", "\(object): \(String(describing: head))")
        }
        #expect(try await sealed.list(cluster: "demo").map(\.id) == ["demo-20270120-000000"])
        #expect("\(bucket)".contains("test-secret") == false && "\(SigV4.Credentials(accessKey: "AKIDEXAMPLE", secretKey: "test-secret"))"
            == "credentials(access key AKID…, secret key redacted)")
    }
}

final class Received: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = Data()
    func append(_ chunk: Data) { lock.withLock { stored.append(chunk) } }
    var data: Data { lock.withLock { stored } }
}
