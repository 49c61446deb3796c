//! Which part of the session answers each kind of message from a plugin.

/// Which part of the session answers a kind of message from a plugin. One exhaustive
/// match: a kind added to [`ToSession`] does not compile until it is given a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    /// A reply to the session's own request, for its waiter.
    Reply,
    /// Presenter, controller and macro requests (`room_request`).
    Room,
    /// Menus (`session::ui`).
    Ui,
    /// The files API (`session::files`).
    File,
    /// Structures, streams, shapes, interactions, volumes (`session::workspace`).
    Workspace,
    /// Nothing to answer: the message is only shown to the link's reader.
    Show,
}

impl Route {
    pub(super) fn of(kind: crate::api::link::ToSessionKind) -> Route {
        use crate::api::link::ToSessionKind as K;
        match kind {
            K::Pong | K::IntegrationResult | K::Error => Route::Reply,
            K::PresenterInfoRequest
            | K::ControllerTransformsRequest
            | K::MacroSave
            | K::MacroRun
            | K::MacroStop
            | K::MacroDelete
            | K::MacroList => Route::Room,
            K::MenuUpdate
            | K::ContentUpdate
            | K::NodeUpdate
            | K::MenuTransformSet
            | K::MenuTransformRequest => Route::Ui,
            K::File => Route::File,
            K::WorkspaceRequest
            | K::ComplexListRequest
            | K::ComplexesRequest
            | K::WorkspaceUpdate
            | K::AddToWorkspace
            | K::RemoveFromWorkspace
            | K::StructuresUpdate
            | K::ZoomOn
            | K::CenterOn
            | K::StreamCreate
            | K::StreamFeed
            | K::StreamDestroy
            | K::ShapesUpload
            | K::ShapesDestroy
            | K::SubstructureRequest
            | K::ApplyColorScheme
            | K::ComplexHook
            | K::AddVolume
            | K::InteractionsCreate
            | K::InteractionsDestroy
            | K::InteractionsRequest
            | K::InteractionsCalcDone => Route::Workspace,
            // `ready` is the host's and `chunk` is reassembled before routing; the rest
            // are one-way messages for the user.
            K::Ready
            | K::Chunk
            | K::Closed
            | K::Notification
            | K::OpenUrl
            | K::SetSkybox
            | K::SetPluginListButton => Route::Show,
        }
    }
}
