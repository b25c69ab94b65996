import Foundation
import ObjectStorage
import Testing

/// Signature Version 4 against the examples AWS publishes for S3 ("Examples: Signature
/// Calculations in AWS Signature Version 4", and the chunked upload's), whose signatures were
/// also reproduced with botocore: a wrong byte anywhere in the canonical request, the string to
/// sign or the key derivation changes every one of them.
@Suite struct SigV4Tests {
    static let credentials = SigV4.Credentials(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    static let scope = SigV4.Scope(date: Date(timeIntervalSince1970: 1_369_353_600), region: "us-east-1")  // 2013-05-24T00:00:00Z

    static func signature(_ method: String, _ path: String, query: [(String, String)] = [], headers: [(String, String)], payload: String = SigV4.emptyPayloadHash) -> String {
        let headers = headers + [("x-amz-date", scope.amzDate), ("x-amz-content-sha256", payload)]
        return SigV4.authorization(SigV4.Request(method: method, path: path, query: query, headers: headers, payloadHash: payload),
                                   credentials: credentials, scope: scope).signature
    }

    @Test func theScopeAndDate() {
        #expect(Self.scope.amzDate == "20130524T000000Z")
        #expect(Self.scope.credentialScope == "20130524/us-east-1/s3/aws4_request")
    }

    @Test func getObjectWithARange() {
        let (header, signature) = SigV4.authorization(
            SigV4.Request(method: "GET", path: "/test.txt", headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
                ("x-amz-content-sha256", SigV4.emptyPayloadHash), ("x-amz-date", "20130524T000000Z"),
            ], payloadHash: SigV4.emptyPayloadHash),
            credentials: Self.credentials, scope: Self.scope)
        #expect(signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(header == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func putObjectWithAPayloadAndADateHeader() {
        let payload = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"  // "Welcome to Amazon S3."
        #expect(SigV4.payloadHash(Data("Welcome to Amazon S3.".utf8)) == payload)
        #expect(Self.signature("PUT", "/" + SigV4.encode("test$file.text", keepSlash: true), headers: [
            ("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ], payload: payload) == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func aSubresourceAndAListingsQuery() {
        #expect(Self.signature("GET", "/", query: [("lifecycle", "")], headers: [("Host", "examplebucket.s3.amazonaws.com")])
            == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
        // The query's order as given does not matter: it is sorted.
        #expect(Self.signature("GET", "/", query: [("prefix", "J"), ("max-keys", "2")], headers: [("Host", "examplebucket.s3.amazonaws.com")])
            == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func aChunkedUploadsSeedAndChunkSignatures() {
        let seed = Self.signature("PUT", "/examplebucket/chunkObject.txt", headers: [
            ("Host", "s3.amazonaws.com"), ("x-amz-storage-class", "REDUCED_REDUNDANCY"), ("Content-Encoding", "aws-chunked"),
            ("x-amz-decoded-content-length", "66560"), ("Content-Length", "66824"),
        ], payload: SigV4.streamingPayload)
        #expect(seed == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
        let first = SigV4.chunkSignature(Data(repeating: UInt8(ascii: "a"), count: 65536), previous: seed, credentials: Self.credentials, scope: Self.scope)
        #expect(first == "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648")
        let second = SigV4.chunkSignature(Data(repeating: UInt8(ascii: "a"), count: 1024), previous: first, credentials: Self.credentials, scope: Self.scope)
        #expect(second == "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497")
        let last = SigV4.chunkSignature(Data(), previous: second, credentials: Self.credentials, scope: Self.scope)
        #expect(last == "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")
        // The framing's length is what the example's Content-Length says.
        #expect(SigV4.chunkedLength(66560, chunkSize: 65536) == 66824)
        #expect(SigV4.frame(Data("ab".utf8), signature: last).starts(with: Data("2;chunk-signature=b6c6".utf8)))
    }

    @Test func percentEncoding() {
        #expect(SigV4.encode("a b+c/d~e_f.g-h") == "a%20b%2Bc%2Fd~e_f.g-h")
        #expect(SigV4.encode("ns/cluster/backup 1/data.xb.zst", keepSlash: true) == "ns/cluster/backup%201/data.xb.zst")
        #expect(SigV4.encode("é") == "%C3%A9")
    }
}

