//! The plugin API: every message that crosses the system, as Rust types.
//!
//! [`link`] is the session ↔ instance plane (what a plugin author sees), [`control`] the
//! coordinator's control plane. Shared small types live here. Each type has a CDDL rule
//! in `schemas/`; `tests/schemas/` checks the two agree.

pub mod analysis;
pub mod control;
pub mod integration;
pub mod interaction;
pub mod link;
pub mod request;
pub mod room;
pub mod shape;
pub mod stream;
pub mod structure;
pub mod ui;
pub mod volume;

use serde::{Deserialize, Serialize};

/// A body with no fields (encoded as an empty map).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// Machine-readable error category carried by every error reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request was malformed or had invalid fields.
    BadRequest,
    /// The message kind is not known to the receiver.
    UnknownKind,
    /// The envelope version is not supported.
    UnsupportedVersion,
    /// A named plugin, session, link or user does not exist.
    NotFound,
    /// The operation is reserved to the session's presenter.
    NotPresenter,
    /// The caller may not do this (bad key, bad token).
    Forbidden,
    /// Nobody can serve the request right now (no host, broker down).
    Unavailable,
    /// Every host of the plugin is at capacity.
    AtCapacity,
    /// The request's deadline passed without an answer.
    Timeout,
    /// The link or session is closed.
    Closed,
    /// The receiver failed; its log says more.
    Internal,
    /// The caller sent too many requests; it may try again shortly.
    RateLimited,
}

impl ErrorCode {
    /// The code's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::UnknownKind => "unknown_kind",
            ErrorCode::UnsupportedVersion => "unsupported_version",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NotPresenter => "not_presenter",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::AtCapacity => "at_capacity",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Closed => "closed",
            ErrorCode::Internal => "internal",
            ErrorCode::RateLimited => "rate_limited",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        ALL_ERROR_CODES.iter().copied().find(|c| c.as_str() == s)
    }

    /// A numeric code for the NATS service error header (HTTP-like).
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::UnknownKind | ErrorCode::UnsupportedVersion => 400,
            ErrorCode::NotPresenter | ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Timeout => 408,
            ErrorCode::Closed => 410,
            ErrorCode::AtCapacity | ErrorCode::RateLimited => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }
}

/// Every error code, for parsing and exhaustive tests.
pub const ALL_ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::BadRequest,
    ErrorCode::UnknownKind,
    ErrorCode::UnsupportedVersion,
    ErrorCode::NotFound,
    ErrorCode::NotPresenter,
    ErrorCode::Forbidden,
    ErrorCode::Unavailable,
    ErrorCode::AtCapacity,
    ErrorCode::Timeout,
    ErrorCode::Closed,
    ErrorCode::Internal,
    ErrorCode::RateLimited,
];

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error reply: what went wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ErrorBody {
    /// Category.
    pub code: ErrorCode,
    /// Human-readable explanation, including what to do about it.
    pub message: String,
}

impl ErrorBody {
    /// Builds an error body.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            code,
            message: message.into(),
        }
    }
}

impl From<&crate::wire::DecodeError> for ErrorBody {
    fn from(e: &crate::wire::DecodeError) -> Self {
        use crate::wire::DecodeError as D;
        let code = match e {
            D::UnknownKind { .. } => ErrorCode::UnknownKind,
            D::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            D::TooLarge { .. } | D::Malformed(_) => ErrorCode::BadRequest,
        };
        ErrorBody::new(code, e.to_string())
    }
}

/// Who presents a session (nanome-lib's `PresenterInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenterInfo {
    /// The presenter's account id.
    pub account_id: String,
    /// The presenter's display name.
    pub account_name: String,
    /// The presenter's e-mail address (may be empty).
    pub account_email: String,
    /// The presenter's organisation, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<Org>,
}

/// An organisation a user belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    /// Organisation id.
    pub id: i64,
    /// Organisation name.
    pub name: String,
}

/// Plugin metadata shown in the plugin list (nanome-lib's `Plugin(...)` arguments).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginMetadata {
    /// Display name; also how sessions find the plugin.
    pub name: String,
    /// One-paragraph description.
    #[serde(default)]
    pub description: String,
    /// Category shown in the plugin list.
    #[serde(default)]
    pub category: String,
    /// Free-form tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Whether the plugin has an "advanced settings" action.
    #[serde(default)]
    pub has_advanced: bool,
    /// Permissions the plugin asks for (e.g. `local_files_access`).
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Integrations the plugin implements (e.g. `minimization`).
    #[serde(default)]
    pub integrations: Vec<String>,
    /// The plugin's own version string.
    #[serde(default)]
    pub version: String,
}

/// Why a body was refused after decoding: which field and what is wrong, in words. Its
/// wire code is [`ErrorCode::BadRequest`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    /// What is wrong.
    pub message: String,
}

impl Invalid {
    /// An invalid-body error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Invalid {
            message: message.into(),
        }
    }

    /// The wire code callers answer with.
    pub fn kind(&self) -> ErrorCode {
        ErrorCode::BadRequest
    }
}

impl From<Invalid> for ErrorBody {
    fn from(e: Invalid) -> Self {
        ErrorBody::new(ErrorCode::BadRequest, e.message)
    }
}

/// Longest plugin name accepted.
pub const MAX_NAME_LEN: usize = 128;
/// Longest free-text field (description, messages) accepted.
pub const MAX_TEXT_LEN: usize = 16 * 1024;
/// Most list entries (tags, permissions, integrations) accepted.
pub const MAX_LIST_LEN: usize = 64;

impl PluginMetadata {
    /// Checks the bounds a registry enforces; the error says which field is wrong.
    pub fn validate(&self) -> Result<(), Invalid> {
        let name = self.name.trim();
        if name.is_empty() || name.len() > MAX_NAME_LEN {
            return Err(Invalid::new(format!(
                "plugin name must be 1-{MAX_NAME_LEN} characters"
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(Invalid::new(
                "plugin name must not contain control characters",
            ));
        }
        for (field, text) in [
            ("description", &self.description),
            ("category", &self.category),
            ("version", &self.version),
        ] {
            if text.len() > MAX_TEXT_LEN {
                return Err(Invalid::new(format!(
                    "{field} exceeds {MAX_TEXT_LEN} bytes"
                )));
            }
        }
        for (field, list) in [
            ("tags", &self.tags),
            ("permissions", &self.permissions),
            ("integrations", &self.integrations),
        ] {
            if list.len() > MAX_LIST_LEN || list.iter().any(|t| t.len() > MAX_NAME_LEN) {
                return Err(Invalid::new(format!(
                    "{field} must have at most {MAX_LIST_LEN} entries of at most {MAX_NAME_LEN} bytes"
                )));
            }
        }
        Ok(())
    }
}
