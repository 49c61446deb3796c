//! Every request a plugin sends its session, paired with the reply it gets: the table
//! that types the SDK's one generic call ([`crate::instance::Instance::call`]) and that
//! `docs/PROTOCOL.md` §3 describes in words. A reply of another kind is an error
//! (`error`), or a protocol mismatch the SDK reports as such.

use super::link::{ToPlugin, ToPluginKind, ToSession, ToSessionKind};
// Body types by module: the table's marker types reuse their message names.
use super::{
    Empty, PresenterInfo, analysis as an, interaction as ia, link as ln, room, shape, stream as st,
    structure as sr, ui, volume as vo,
};

/// A request of the link plane and its reply.
pub trait Request {
    /// What the request carries.
    type Body;
    /// What its reply carries.
    type Reply;
    /// The request's kind.
    const KIND: ToSessionKind;
    /// The kind of its reply.
    const REPLY: ToPluginKind;
    /// The request message.
    fn message(body: Self::Body) -> ToSession;
    /// The reply's body, or the kind of the message if it is another.
    fn reply(msg: ToPlugin) -> Result<Self::Reply, ToPluginKind>;
}

macro_rules! requests {
    ($( $(#[$meta:meta])* $name:ident: $req:ident($body:ty) => $rep:ident($reply:ty); )*) => {
        $(
            $(#[$meta])*
            #[derive(Debug)]
            pub enum $name {}

            impl Request for $name {
                type Body = $body;
                type Reply = $reply;
                const KIND: ToSessionKind = ToSessionKind::$req;
                const REPLY: ToPluginKind = ToPluginKind::$rep;

                fn message(body: $body) -> ToSession {
                    ToSession::$req(body)
                }

                fn reply(msg: ToPlugin) -> Result<$reply, ToPluginKind> {
                    match msg {
                        ToPlugin::$rep(reply) => Ok(reply),
                        other => Err($crate::wire::Message::kind(&other)),
                    }
                }
            }
        )*

        /// Every request kind with its reply kind, in table order.
        pub const PAIRS: &[(ToSessionKind, ToPluginKind)] = &[
            $((ToSessionKind::$req, ToPluginKind::$rep),)*
        ];
    };
}

requests! {
    /// Who presents the session.
    PresenterInfoRequest: PresenterInfoRequest(Empty) => PresenterInfo(PresenterInfo);
    /// The whole workspace, deep.
    WorkspaceRequest: WorkspaceRequest(Empty) => Workspace(sr::Workspace);
    /// The complexes, shallow.
    ComplexListRequest: ComplexListRequest(Empty) => Complexes(ln::ComplexList);
    /// Complexes by index, deep.
    ComplexesRequest: ComplexesRequest(ln::Indices) => ComplexesDeep(ln::ComplexesDeep);
    /// Replaces the workspace.
    WorkspaceUpdate: WorkspaceUpdate(sr::Workspace) => Done(Empty);
    /// Adds complexes; the reply has their new indices.
    AddToWorkspace: AddToWorkspace(ln::ComplexList) => Complexes(ln::ComplexList);
    /// Removes complexes by index.
    RemoveFromWorkspace: RemoveFromWorkspace(ln::Indices) => Done(Empty);
    /// Updates complexes, deep or shallow.
    StructuresUpdate: StructuresUpdate(ln::StructuresUpdate) => Done(Empty);
    /// Zooms on atoms.
    ZoomOn: ZoomOn(ln::Indices) => Done(Empty);
    /// Centres on atoms.
    CenterOn: CenterOn(ln::Indices) => Done(Empty);
    /// A files-API operation.
    File: File(ln::FileOp) => FileReply(ln::FileReply);
    /// Creates a stream.
    StreamCreate: StreamCreate(st::StreamCreate) => StreamCreated(st::StreamCreated);
    /// A frame of a writing stream, acknowledged (a request when it carries an id).
    StreamFeed: StreamFeed(st::StreamFeed) => Done(Empty);
    /// Ends a stream (a request when it carries an id).
    StreamDestroy: StreamDestroy(st::StreamRef) => Done(Empty);
    /// The presenter's head and controllers.
    ControllerTransformsRequest: ControllerTransformsRequest(Empty) => ControllerTransforms(room::ControllerTransforms);
    /// Saves a macro.
    MacroSave: MacroSave(room::Macro) => Done(Empty);
    /// Runs a macro.
    MacroRun: MacroRun(room::Macro) => Done(Empty);
    /// Stops the running macro.
    MacroStop: MacroStop(Empty) => Done(Empty);
    /// Deletes a macro.
    MacroDelete: MacroDelete(room::MacroRef) => Done(Empty);
    /// Lists the plugin's macros.
    MacroList: MacroList(Empty) => Macros(room::MacroList);
    /// Creates or replaces shapes.
    ShapesUpload: ShapesUpload(shape::ShapeList) => ShapesUploaded(shape::ShapeResults);
    /// Destroys shapes.
    ShapesDestroy: ShapesDestroy(shape::ShapeIndices) => ShapesDestroyed(shape::ShapesDestroyed);
    /// Shows or replaces a menu (a request when it carries an id).
    MenuUpdate: MenuUpdate(ui::MenuUpdate) => Done(Empty);
    /// Replaces menu content by id.
    ContentUpdate: ContentUpdate(ui::ContentUpdate) => Done(Empty);
    /// Replaces layout nodes by id.
    NodeUpdate: NodeUpdate(ui::NodeUpdate) => Done(Empty);
    /// Moves a menu.
    MenuTransformSet: MenuTransformSet(ui::MenuTransform) => Done(Empty);
    /// Where a menu is.
    MenuTransformRequest: MenuTransformRequest(ui::MenuRef) => MenuTransform(ui::MenuTransform);
    /// A molecule's substructures.
    SubstructureRequest: SubstructureRequest(an::SubstructureRequest) => Substructures(an::SubstructureList);
    /// Colours the selection.
    ApplyColorScheme: ApplyColorScheme(an::ApplyColorScheme) => Done(Empty);
    /// Hooks a complex's changes.
    ComplexHook: ComplexHook(an::ComplexHook) => Done(Empty);
    /// Adds a volume; the reply is the complex as added.
    AddVolume: AddVolume(Box<vo::AddVolume>) => Complexes(ln::ComplexList);
    /// Creates interactions; the reply has their indices.
    InteractionsCreate: InteractionsCreate(ia::InteractionList) => InteractionsCreated(ln::Indices);
    /// Destroys interactions.
    InteractionsDestroy: InteractionsDestroy(ln::Indices) => Done(Empty);
    /// Interactions touching the named structures.
    InteractionsRequest: InteractionsRequest(ia::InteractionQuery) => Interactions(ia::InteractionList);
    /// Interaction calculation finished (a request when it carries an id).
    InteractionsCalcDone: InteractionsCalcDone(Empty) => Done(Empty);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_request_kind_has_one_reply() {
        let mut seen = std::collections::HashSet::new();
        for (req, _) in PAIRS {
            assert!(seen.insert(*req), "{req} is paired twice");
        }
    }

    #[test]
    fn replies_are_typed_and_other_kinds_come_back() {
        let done = ToPlugin::Done(Empty {});
        assert!(ZoomOn::reply(done.clone()).is_ok());
        assert_eq!(
            (ZoomOn::KIND, ZoomOn::REPLY),
            (ToSessionKind::ZoomOn, ToPluginKind::Done)
        );
        assert_eq!(WorkspaceRequest::reply(done), Err(ToPluginKind::Done));
        assert_eq!(
            ZoomOn::message(ln::Indices { indices: vec![1] }),
            ToSession::ZoomOn(ln::Indices { indices: vec![1] })
        );
    }
}
