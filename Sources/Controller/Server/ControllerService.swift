import ServiceLifecycle

/// Runs a `ClusterController` as a `Service`: it stops probing and running tasks on graceful
/// shutdown. The nodes keep running: a controller going away never takes a node down.
public struct ControllerService: Service {
    public let controller: ClusterController

    public init(controller: ClusterController) {
        self.controller = controller
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await controller.run()
        }
    }
}
