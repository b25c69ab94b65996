import ArgumentParser
import ControllerAPI
import Foundation
import ObjectStorage
import QiniuAPI

/// Builds the S3 backup store that `--backup-s3` or `--restore-from-s3` names, reading its
/// secrets from their files (the Secret the operator mounts in the controller's pod only).
/// Every problem names the flag and the file, and what to do.
enum S3StoreLoading {
    /// The files the store needs, checked without reading them into the configuration: what
    /// `validate()` asks before the controller starts.
    static func check(_ options: S3StoreOptions, flag: String) throws {
        for file in files(options) where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("--\(flag): '\(file)' cannot be read; the store's Secret must be mounted there")
        }
        guard S3Location(endpoint: options.endpoint, bucket: options.bucket).isValid else {
            throw ValidationError("--\(flag): \(S3Error.invalidEndpoint(options.endpoint))")
        }
    }

    /// The store, with an HTTP client that trusts its private CA when it has one. Reading the
    /// files and building the client say what `check` would.
    static func store(_ options: S3StoreOptions, flag: String) throws -> S3BackupStore {
        let credentials = SigV4.Credentials(
            accessKey: try secret(options.credentialsDirectory + "/" + S3StoreSpec.accessKeyIDKey, flag: flag),
            secretKey: try secret(options.credentialsDirectory + "/" + S3StoreSpec.secretAccessKeyKey, flag: flag))
        var encryption: S3Encryption?
        switch options.encryption {
        case nil: break
        case .s3?: encryption = .s3
        case .customerKey?:
            let file = options.customerKeyFile ?? ""
            guard let key = S3Encryption.customerKey(from: try contents(file, flag: flag)) else {
                throw ValidationError("--\(flag): '\(file)' is not a 256-bit key; it must hold 32 bytes, or their base64 (openssl rand -base64 32)")
            }
            encryption = .customerKey(key)
        }
        do {
            let httpClient = try options.caFile.map { file in
                try S3Client.sharedHTTPClient(trusting: Array(try contents(file, flag: flag)))
            } ?? S3Client.defaultHTTPClient
            var client = try S3Client(location: S3Location(endpoint: options.endpoint, bucket: options.bucket, region: options.region,
                                                           pathStyle: !options.virtualHost),
                                      credentials: credentials, httpClient: httpClient)
            client.encryption = encryption
            return S3BackupStore(client: client, prefix: options.prefix)
        } catch let error as S3Error {
            throw ValidationError("--\(flag): \(error)")
        }
    }

    static func files(_ options: S3StoreOptions) -> [String] {
        [options.credentialsDirectory + "/" + S3StoreSpec.accessKeyIDKey,
         options.credentialsDirectory + "/" + S3StoreSpec.secretAccessKeyKey]
            + [options.caFile, options.customerKeyFile].compactMap { $0 }
    }

    private static func contents(_ path: String, flag: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("--\(flag): '\(path)' cannot be read; the store's Secret must be mounted there")
        }
        return data
    }

    private static func secret(_ path: String, flag: String) throws -> String {
        let text = String(decoding: try contents(path, flag: flag), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ValidationError("--\(flag): '\(path)' is empty; the credentials Secret's key must hold the value") }
        return text
    }
}
