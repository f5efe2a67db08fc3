import Hummingbird
import NIOCore

/// Hummingbird's per-request context, plus the connection's channel so the reset fault can close it.
struct SandboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client connection this request arrived on.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }
}
