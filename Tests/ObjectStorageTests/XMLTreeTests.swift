import Foundation
import ObjectStorage
import Testing

/// The XML parser on what S3 servers send, and on what they must never make us accept.
@Suite struct XMLTreeTests {
    @Test func aListingWithANamespaceEntitiesAndCDATA() throws {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment -->
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Name>backups</Name><IsTruncated>true</IsTruncated>
              <NextContinuationToken>1&amp;2&#x3D;&#61;</NextContinuationToken>
              <Contents><Key>ns/demo/a &lt;1&gt;/backup.json</Key><Size>120</Size><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag></Contents>
              <Contents><Key><![CDATA[ns/demo/b&c/data.xb.zst]]></Key><Size>5</Size></Contents>
              <s3:Owner xmlns:s3="x" id='7'/>
            </ListBucketResult>
            """
        let root = try XMLTree.parse(Data(text.utf8))
        #expect(root.name == "ListBucketResult")
        #expect(root.value("IsTruncated") == "true")
        #expect(root.value("NextContinuationToken") == "1&2==")
        let contents = root.children("Contents")
        #expect(contents.map { $0.value("Key") } == ["ns/demo/a <1>/backup.json", "ns/demo/b&c/data.xb.zst"])
        #expect(contents.first?.value("ETag") == "\"9b2cf535f27731c974343645a3985328\"")
        #expect(root.child("Owner")?.attributes["id"] == "7")
    }

    @Test func anErrorDocument() throws {
        let root = try XMLTree.parse(Data("<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>nope</BucketName></Error>".utf8))
        #expect(root.name == "Error" && root.value("Code") == "NoSuchBucket" && root.value("BucketName") == "nope")
    }

    @Test(arguments: [
        ("", "no root element"),
        ("<a><b></a>", "</a> closes <b>"),
        ("<a>", "never closed"),
        ("<a x=1/>", "must be quoted"),
        ("<a>&bogus;</a>", "unknown entity"),
        ("<a>x</a><b/>", "content after the root element"),
        ("<!DOCTYPE a [<!ENTITY e \"boom\">]><a>&e;</a>", "DOCTYPE"),
        ("<a><!-- open", "unterminated comment"),
    ])
    func malformedDocumentsAreRefusedWithWhere(text: String, reason: String) {
        #expect {
            try XMLTree.parse(Data(text.utf8))
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}
