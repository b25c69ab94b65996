import Foundation
import KubeAPI
import NIOCore
import NIOEmbedded
import Testing
@testable import KubeServer

/// What kubectl needs beyond objects, pure parts: the Table form of a get or list, the
/// WebSocket frames and the remote-command protocol of exec, and the tail of a pod's log. The
/// playground's end-to-end test drives all of them with the real kubectl.
@Suite("Tables, exec frames and logs")
struct NodeSubresourceTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func pod(_ name: String, ready: Bool, restarts: Int64, waiting: String? = nil) -> JSONValue {
        var state: JSONValue = ["running": ["startedAt": "2027-01-15T08:00:00Z"]]
        if let waiting { state = ["waiting": ["reason": .string(waiting)]] }
        var status: JSONValue = [
            "ready": .bool(ready), "restartCount": .int(restarts), "state": state, "name": "mysql",
        ]
        if restarts > 0 { status["lastState"] = ["terminated": ["finishedAt": .string(KubeTime.format(now.addingTimeInterval(-300)))]] }
        return [
            "metadata": ["name": .string(name), "namespace": "default", "creationTimestamp": .string(KubeTime.format(now.addingTimeInterval(-3 * 3600)))],
            "spec": ["containers": [["name": "mysql"]]],
            "status": ["phase": "Running", "podIP": "127.42.0.2", "containerStatuses": [status]],
        ]
    }

    @Test func kubectlsAcceptHeaderAsksForATable() {
        #expect(TableConvertor.wantsTable("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"))
        #expect(!TableConvertor.wantsTable("application/json"))
        #expect(!TableConvertor.wantsTable(nil))
    }

    @Test func podsHaveKubectlsColumns() throws {
        let definition = try #require(BuiltinResources.all.first { $0.plural == "pods" && $0.group.isEmpty })
        let table = TableConvertor.table(definition, version: "v1", objects: [
            Self.pod("demo-0", ready: true, restarts: 0),
            Self.pod("demo-1", ready: false, restarts: 2, waiting: "CrashLoopBackOff"),
        ], listMetadata: ["resourceVersion": "42"], include: .metadata, now: Self.now)
        #expect(table["kind"] == "Table" && table["apiVersion"] == "meta.k8s.io/v1")
        #expect(table[path: ["metadata", "resourceVersion"]] == "42")
        let names = table["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node"])
        let rows = table["rows"]?.arrayValue ?? []
        #expect(rows.first?["cells"] == ["demo-0", "1/1", "Running", "0", "3h", "127.42.0.2", "<none>"])
        #expect(rows.last?["cells"]?.arrayValue?[1...3] == ["0/1", "CrashLoopBackOff", "2 (5m ago)"])
        #expect(rows.first?[path: ["object", "kind"]] == "PartialObjectMetadata", "kubectl reads the namespace from it")
    }

    @Test func customResourcesHaveTheirPrinterColumns() throws {
        var definition = try #require(BuiltinResources.all.first { $0.plural == "configmaps" })
        definition.isCustom = true
        definition.printerColumns["v1"] = [
            try #require(PrinterColumn(json: ["name": "State", "type": "string", "jsonPath": ".status.state"])),
            try #require(PrinterColumn(json: ["name": "First", "type": "string", "jsonPath": ".status.nodes[0].name"])),
            try #require(PrinterColumn(json: ["name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"])),
        ]
        let object: JSONValue = [
            "metadata": ["name": "demo", "creationTimestamp": .string(KubeTime.format(Self.now.addingTimeInterval(-90)))],
            "status": ["state": "Green", "nodes": [["name": "demo-0"]]],
        ]
        let table = TableConvertor.table(definition, version: "v1", objects: [object], listMetadata: nil, include: .none, now: Self.now)
        #expect(table["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Name", "State", "First", "Age"])
        #expect(table["rows"]?.arrayValue?.first?["cells"] == ["demo", "Green", "demo-0", "90s"])
        #expect(table["rows"]?.arrayValue?.first?["object"] == nil)
    }

    @Test func agesReadAsKubectlPrintsThem() {
        let cases: [(TimeInterval, String)] = [(42, "42s"), (312, "5m12s"), (2700, "45m"), (5.5 * 3600, "5h30m"), (27 * 3600, "27h"),
                                               (76 * 3600, "3d4h"), (100 * 86400, "100d"), (730 * 86400, "2y"), (775 * 86400, "2y45d"),
                                               (3000 * 86400, "8y")]
        for (seconds, text) in cases {
            #expect(HumanDuration.since(Self.now.addingTimeInterval(-seconds), now: Self.now) == text)
        }
    }

    /// A client's masked frame is read back; a server's frame is unmasked and final.
    @Test func webSocketFrames() throws {
        #expect(WebSocketFrame.acceptKey("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "RFC 6455's example")
        let payload = Data([0, 0x73, 0x65, 0x6c])
        let mask: [UInt8] = [0x37, 0xfa, 0x21, 0x3d]
        var buffer = ByteBuffer(bytes: [0x82, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        buffer.writeBytes([0x82, 0x80])  // the start of a next frame: incomplete
        let frame = try #require(try WebSocketFrame.read(&buffer))
        #expect(frame.opcode == 2 && frame.fin && frame.payload == payload)
        #expect(try WebSocketFrame.read(&buffer) == nil)
        var encoded = WebSocketFrame.binary(Data(repeating: 7, count: 300)).encoded
        #expect(encoded.readBytes(length: 4) == [0x82, 126, 0x01, 0x2c])
        // A 64-bit length (127), unmasked, read back; a server's large frame uses it too.
        var large = WebSocketFrame.binary(Data(repeating: 9, count: 70_000)).encoded
        #expect(large.getBytes(at: 0, length: 2) == [0x82, 127] && large.getInteger(at: 2, as: UInt64.self) == 70_000)
        let read = try #require(try WebSocketFrame.read(&large))
        #expect(read.payload.count == 70_000 && large.readableBytes == 0)
    }

    @Test func aFragmentedMessageIsJoinedAndAViolationEndsTheConnection() async throws {
        // Two fragments of one message, then a continuation with nothing to continue.
        let channel = EmbeddedChannel(handler: WebSocketSwitch())
        defer { _ = try? channel.finish() }
        let switcher = try channel.pipeline.syncOperations.handler(type: WebSocketSwitch.self)
        let messages = switcher.upgradeOnEventLoop()
        func frame(_ first: UInt8, _ payload: [UInt8]) -> ByteBuffer {
            ByteBuffer(bytes: [first, 0x80 | UInt8(payload.count), 0, 0, 0, 0] + payload)  // masked with zeros
        }
        try channel.writeInbound(frame(0x02, [0, 1]))   // binary, not final
        try channel.writeInbound(frame(0x80, [2, 3]))   // continuation, final
        var iterator = messages.makeAsyncIterator()
        #expect(await iterator.next() == .binary(Data([0, 1, 2, 3])))
        try channel.writeInbound(frame(0x80, [4]))      // a continuation of nothing
        #expect(!channel.isActive, "a protocol violation closes the connection")
    }

    @Test func theRemoteCommandProtocol() throws {
        #expect(ExecStream.negotiate("v5.channel.k8s.io, v4.channel.k8s.io") == "v5.channel.k8s.io")
        #expect(ExecStream.negotiate("v4.channel.k8s.io,channel.k8s.io") == "v4.channel.k8s.io")
        #expect(ExecStream.negotiate("channel.k8s.io") == nil)
        #expect(ExecStream.status(exitCode: 0, command: ["id"])["status"] == "Success")
        let failed = ExecStream.status(exitCode: 3, command: ["sh", "-c", "exit 3"])
        #expect(failed[path: ["details", "causes"]]?.arrayValue?.first == ["reason": "ExitCode", "message": "3"])
    }

    @Test func theLastLinesOfALog() throws {
        let path = NSTemporaryDirectory() + "qmysql-log-\(UUID().uuidString.prefix(6))"
        try "one\ntwo\nthree\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (count, expected) in [(0, ""), (1, "three\n"), (2, "two\nthree\n"), (9, "one\ntwo\nthree\n")] {
            let handle = try #require(FileHandle(forReadingAtPath: path))
            try handle.seek(toOffset: PodLogs.startOfLastLines(count, handle: handle))
            #expect(String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self) == expected)
            try handle.close()
        }
    }
}
