import Foundation
import KubeAPI
import Logging

/// Keeping the store on disk (`Settings.storagePath`, a `StoreFile`), so a playground comes back
/// with every object: restored once before the server accepts requests, saved soon after every
/// change and once more at shutdown. A change is on disk within about `saveInterval`, not when
/// its request returns (etcd would fsync first): enough for a playground, and requests never
/// wait for the disk.
extension Registry {
    /// Changes within this interval go to disk in one write.
    static let saveInterval: Duration = .milliseconds(100)

    /// Replaces the store with a saved one and rebuilds what the server derives from its objects.
    func restore(_ file: StoreFile) {
        store = ObjectStore(historyLimit: settings.historyLimit, restoring: file)
        // Established CRDs are served from the first request, as kube-apiserver serves them on start.
        for entry in store.list(Self.crdResource, namespace: nil) where Self.condition("Established", of: entry.object) == "True" {
            if case .success(let definition) = CustomResourceDefinitionReader.read(entry.object) { catalog.serve(definition) }
        }
        allocatedClusterIPs = Set(store.list(GroupResource(group: "", resource: "services"), namespace: nil)
            .compactMap { $0.object[path: ["spec", "clusterIP"]]?.stringValue }.filter { $0 != "None" })
        // Work the controllers had not finished when the server stopped (a CRD not yet
        // established, a namespace being emptied, dependents of a deleted owner) resumes.
        scheduleControllers()
    }

    /// Writes the store now (at start, so a path that cannot be written fails there, not in the log).
    func save() async throws(StoreFile.Problem) {
        guard let path = settings.storagePath else { return }
        unsavedChanges = false
        // A copy of the value: the encoding and the disk happen off the actor.
        try await Self.write(store, to: path)
    }

    @concurrent
    private static func write(_ store: ObjectStore, to path: String) async throws(StoreFile.Problem) {
        let data: Data
        do {
            data = try StoreFile(store).encoded()
        } catch {
            throw StoreFile.Problem("cannot encode the objects (\(error))")
        }
        try StoreFile.writeAtomically(data, to: path)
    }

    /// Called after every committed change: makes sure a write follows.
    func scheduleSave() {
        guard settings.storagePath != nil else { return }
        unsavedChanges = true
        guard saveTask == nil else { return }
        saveTask = Task { await self.saveWhileChanged() }
    }

    /// The only writer, so writes never overlap and a newer state is never replaced by an older
    /// one. A failed write is not retried by itself: the next change (or shutdown) tries again.
    private func saveWhileChanged() async {
        while unsavedChanges {
            // Cancelled at shutdown: the sleep ends at once and the last changes are written.
            try? await Task.sleep(for: Self.saveInterval)
            let path = settings.storagePath ?? ""
            do {
                try await save()
                if lastSaveError != nil {
                    logger.notice("saving the API server's objects works again", metadata: ["path": .string(path)])
                    lastSaveError = nil
                }
            } catch {
                // Logged when it starts failing (or fails differently), not on every change.
                if lastSaveError != error.description {
                    logger.error("cannot save the API server's objects; still serving, will retry on the next change",
                                 metadata: ["path": .string(path), "error": .string(error.description)])
                }
                lastSaveError = error.description
            }
        }
        saveTask = nil
    }

    /// The final write at shutdown, after any write in progress, whether or not anything changed.
    func saveBeforeExit() async {
        guard settings.storagePath != nil else { return }
        unsavedChanges = true
        if saveTask == nil { saveTask = Task { await self.saveWhileChanged() } }
        let task = saveTask
        task?.cancel()
        await task?.value
    }
}
