//! nanome-lib's command and message kinds, as enums: what a name hash means in each
//! direction (a request and its reply often share a hash, so a hash alone names nothing).
//!
//! Both tables are nanome-lib 0.42.1's (`nanome/_internal/enums.py`), checked against its
//! hash table in `tests/legacy.rs`.

use super::hash::name_hash;

macro_rules! kinds {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $wire:literal / $serializer:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = concat!("`", $wire, "` (serializer `", $serializer, "`).")]
                $variant,
            )*
        }

        impl $name {
            /// Every kind, in nanome-lib's order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// Its name in nanome-lib (what its hash is computed from).
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }

            /// The name of nanome-lib's serializer for its body.
            pub const fn serializer(self) -> &'static str {
                match self {
                    $($name::$variant => $serializer,)*
                }
            }

            /// Its name hash on the wire.
            pub const fn hash(self) -> u32 {
                name_hash(self.name())
            }

            /// The kind a hash names in this direction, if any.
            pub fn from_hash(hash: u32) -> Option<$name> {
                Self::ALL.iter().copied().find(|k| k.hash() == hash)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}
kinds! {
    /// A command: Nanome (here, the gateway) → plugin.
    Command {
        Connect = "connect" / "Connect",
        Run = "run" / "Run",
        AdvancedSettings = "advanced_settings" / "AdvancedSettings",
        MenuToggle = "menu_toggle" / "MenuCallback",
        ButtonPress = "button_press" / "ButtonCallback",
        ButtonHover = "button_hover" / "ButtonCallback",
        SliderRelease = "slider_release" / "SliderCallback",
        TextSubmit = "text_submit" / "TextInputCallback",
        TextChange = "text_change" / "TextInputCallback",
        SliderChange = "slider_change" / "SliderCallback",
        ImagePress = "image_press" / "ImageCallback",
        ImageHold = "image_hold" / "ImageCallback",
        ImageRelease = "image_release" / "ImageCallback",
        DropdownItemClick = "dropdown_item_click" / "DropdownCallback",
        MenuTransformResponse = "menu_transform_response" / "GetMenuTransformResponse",
        WorkspaceResponse = "workspace_response" / "ReceiveWorkspace",
        ComplexListResponse = "complex_list_response" / "ReceiveComplexList",
        ComplexesResponse = "complexes_response" / "ReceiveComplexes",
        SubstructureResponse = "substructure_response" / "RequestSubstructure",
        StructuresDeepUpdateDone = "structures_deep_update_done" / "UpdateStructuresDeepDone",
        AddToWorkspaceDone = "add_to_workspace_done" / "AddToWorkspace",
        PositionStructuresDone = "position_structures_done" / "PositionStructuresDone",
        ComplexAdd = "complex_add" / "ComplexAddedRemoved",
        ComplexRemove = "complex_remove" / "ComplexAddedRemoved",
        BondsAddDone = "bonds_add_done" / "AddBonds",
        DsspAddDone = "dssp_add_done" / "AddDSSP",
        ComplexUpdated = "complex_updated" / "ComplexUpdated",
        WorkspaceUpdated = "workspace_updated" / "WorkspaceUpdated",
        SelectionChanged = "selection_changed" / "SelectionChanged",
        ComputeHbondsDone = "compute_hbonds_done" / "ComputeHBonds",
        StreamCreateDone = "stream_create_done" / "CreateStreamResult",
        StreamFeed = "stream_feed" / "FeedStream",
        StreamFeedDone = "stream_feed_done" / "FeedStreamDone",
        StreamInterrupt = "stream_interrupt" / "InterruptStream",
        DirectoryResponse = "directory_response" / "DirectoryRequest",
        FileResponse = "file_response" / "FileRequest",
        FileSaveDone = "file_save_done" / "FileSave",
        ExportFilesResult = "export_files_result" / "ExportFiles",
        PrintWorkingDirectoryResponse = "print_working_directory_response" / "PWD",
        CdResponse = "cd_response" / "CD",
        LsResponse = "ls_response" / "LS",
        MvResponse = "mv_response" / "MV",
        CpResponse = "cp_response" / "CP",
        GetResponse = "get_response" / "Get",
        PutResponse = "put_response" / "Put",
        RmResponse = "rm_response" / "RM",
        RmdirResponse = "rmdir_response" / "RMDir",
        MkdirResponse = "mkdir_response" / "MKDir",
        GetMacrosResponse = "get_macros_response" / "GetMacrosResponse",
        RunMacroResult = "run_macro_result" / "RunMacro",
        PresenterInfoResponse = "presenter_info_response" / "GetPresenterInfoResponse",
        PresenterChange = "presenter_change" / "PresenterChange",
        ControllerTransformsResponse = "controller_transforms_response" / "GetControllerTransformsResponse",
        SetShapeResult = "set_shape_result" / "SetShape",
        DeleteShapeResult = "delete_shape_result" / "DeleteShape",
        CreateInteractionsResult = "create_interactions_result" / "CreateInteractions",
        GetInteractionsResponse = "get_interactions_response" / "GetInteractions",
        AddVolumeDone = "add_volume_done" / "AddVolumeDone",
        LoadFileDone = "load_file_done" / "LoadFileDone",
        Integration = "integration" / "IntegrationSerializer",
    }
}

kinds! {
    /// A message: plugin → Nanome (here, the gateway).
    Message {
        Connect = "connect" / "Connect",
        PluginListButtonSet = "plugin_list_button_set" / "SetPluginListButton",
        MenuUpdate = "menu_update" / "UpdateMenu",
        ContentUpdate = "content_update" / "UpdateContent",
        NodeUpdate = "node_update" / "UpdateNode",
        MenuTransformSet = "menu_transform_set" / "SetMenuTransform",
        MenuTransformRequest = "menu_transform_request" / "GetMenuTransform",
        NotificationSend = "notification_send" / "SendNotification",
        HookUiCallback = "hook_ui_callback" / "UIHook",
        StructuresDeepUpdate = "structures_deep_update" / "UpdateStructures",
        StructuresShallowUpdate = "structures_shallow_update" / "UpdateStructures",
        StructuresZoom = "structures_zoom" / "PositionStructures",
        StructuresCenter = "structures_center" / "PositionStructures",
        WorkspaceUpdate = "workspace_update" / "UpdateWorkspace",
        WorkspaceRequest = "workspace_request" / "RequestWorkspace",
        AddToWorkspace = "add_to_workspace" / "AddToWorkspace",
        ComplexesRequest = "complexes_request" / "RequestComplexes",
        ComplexListRequest = "complex_list_request" / "RequestComplexList",
        SubstructureRequest = "substructure_request" / "RequestSubstructure",
        BondsAdd = "bonds_add" / "AddBonds",
        DsspAdd = "dssp_add" / "AddDSSP",
        HookComplexUpdated = "hook_complex_updated" / "ComplexUpdatedHook",
        HookSelectionChanged = "hook_selection_changed" / "SelectionChangedHook",
        ComputeHbonds = "compute_hbonds" / "ComputeHBonds",
        StreamCreate = "stream_create" / "CreateStream",
        StreamFeed = "stream_feed" / "FeedStream",
        StreamDestroy = "stream_destroy" / "DestroyStream",
        DirectoryRequest = "directory_request" / "DirectoryRequest",
        FileRequest = "file_request" / "FileRequest",
        FileSave = "file_save" / "FileSave",
        ExportFiles = "export_files" / "ExportFiles",
        PrintWorkingDirectory = "print_working_directory" / "PWD",
        Cd = "cd" / "CD",
        Ls = "ls" / "LS",
        Mv = "mv" / "MV",
        Get = "get" / "Get",
        Put = "put" / "Put",
        Rm = "rm" / "RM",
        Rmdir = "rmdir" / "RMDir",
        Mkdir = "mkdir" / "MKDir",
        Cp = "cp" / "CP",
        SaveMacro = "save_macro" / "SaveMacro",
        DeleteMacro = "delete_macro" / "DeleteMacro",
        RunMacro = "run_macro" / "RunMacro",
        StopMacro = "stop_macro" / "StopMacro",
        GetMacros = "get_macros" / "GetMacros",
        PresenterInfoRequest = "presenter_info_request" / "GetPresenterInfo",
        ControllerTransformsRequest = "controller_transforms_request" / "GetControllerTransforms",
        SetShape = "set_shape" / "SetShape",
        DeleteShape = "delete_shape" / "DeleteShape",
        CreateInteractions = "create_interactions" / "CreateInteractions",
        GetInteractions = "get_interactions" / "GetInteractions",
        DeleteInteractions = "delete_interactions" / "DeleteInteractions",
        InteractionsCalcDone = "interactions_calc_done" / "InteractionsCalcDone",
        AddVolume = "add_volume" / "AddVolume",
        OpenUrl = "open_url" / "OpenURL",
        LoadFile = "load_file" / "LoadFile",
        Integration = "integration" / "IntegrationSerializer",
        SetSkybox = "set_skybox" / "SetSkybox",
        ApplyColorScheme = "apply_color_scheme" / "ApplyColorScheme",
    }
}
