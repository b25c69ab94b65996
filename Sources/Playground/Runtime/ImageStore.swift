import Foundation

/// The node's image store, as far as the playground has one: each image's user database (its
/// /etc/passwd and /etc/group, which containers see through nss_wrapper) and the qmysql image's
/// executable. Containers run as other users than the playground's, so what they read must be
/// somewhere they may read it: the build's own copy can sit under a directory only its owner
/// enters, so the executable is "pulled" into the store (a hard link when it can be, a copy
/// otherwise), as an image's layers are unpacked where the container runtime keeps them.
public enum ImageStore {
    /// Writes the user databases and, when containers run as other users, stages the executable;
    /// returns the catalog with the executable containers run.
    public static func prepare(_ layout: PlaygroundLayout, images: ImageCatalog, users: ContainerUsers) throws -> ImageCatalog {
        var catalog = images
        let fileManager = FileManager.default
        for (kind, database) in [(ImageKind.qmysql, images.qmysqlUsers), (.host, images.hostUsers)] {
            let directory = layout.imageDirectory(kind)
            try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o755])
            let files = layout.imageUsersFiles(kind)
            try write(database.passwd, to: files.passwd)
            try write(database.group, to: files.group)
        }
        guard users.switches else { return catalog }
        let staged = layout.imageDirectory(.qmysql) + "/kubectl-qmysql"
        if !sameFile(images.executable, staged) {
            try? fileManager.removeItem(atPath: staged)
            if link(images.executable, staged) != 0 {
                try fileManager.copyItem(atPath: images.executable, toPath: staged)
            }
            chmod(staged, 0o755)
        }
        catalog.executable = staged
        return catalog
    }

    private static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
    }

    /// The same bytes already: the same inode (a link), or a copy of equal size and age.
    static func sameFile(_ source: String, _ staged: String) -> Bool {
        var a = stat(), b = stat()
        guard stat(source, &a) == 0, stat(staged, &b) == 0 else { return false }
        if a.st_dev == b.st_dev && a.st_ino == b.st_ino { return true }
        return a.st_size == b.st_size && b.st_mtim.tv_sec >= a.st_mtim.tv_sec
    }
}
