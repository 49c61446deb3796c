//! The session's files directory, as seen from an instance (`pwd`, `ls`, `get`, `put`, …).

use super::{DEFAULT_REQUEST_TIMEOUT, Instance, RequestError};
use crate::api::link::{FileEntry, FileOp, FileReply};
use crate::api::request as req;

impl Instance {
    /// The session's files directory (the plugin must declare `local_files_access`).
    pub fn files(&self) -> Files<'_> {
        Files { nts: self }
    }
}

/// The session's files (nanome-lib's `self.files`): confined to the session's directory.
pub struct Files<'a> {
    nts: &'a Instance,
}

impl Files<'_> {
    async fn op(&self, op: FileOp) -> Result<FileReply, RequestError> {
        self.nts
            .call::<req::File>(op, DEFAULT_REQUEST_TIMEOUT)
            .await
    }

    /// The working directory (from the root, `/`).
    pub async fn pwd(&self) -> Result<String, RequestError> {
        Ok(self.op(FileOp::Pwd).await?.path.unwrap_or_default())
    }

    /// Changes the working directory; returns the new one.
    pub async fn cd(&self, path: &str) -> Result<String, RequestError> {
        Ok(self
            .op(FileOp::Cd { path: path.into() })
            .await?
            .path
            .unwrap_or_default())
    }

    /// Lists a directory.
    pub async fn ls(&self, path: &str) -> Result<Vec<FileEntry>, RequestError> {
        Ok(self
            .op(FileOp::Ls { path: path.into() })
            .await?
            .entries
            .unwrap_or_default())
    }

    /// Reads a file.
    pub async fn get(&self, path: &str) -> Result<Vec<u8>, RequestError> {
        Ok(self
            .op(FileOp::Get { path: path.into() })
            .await?
            .data
            .unwrap_or_default())
    }

    /// Writes a file.
    pub async fn put(&self, path: &str, data: Vec<u8>) -> Result<(), RequestError> {
        self.op(FileOp::Put {
            path: path.into(),
            data,
        })
        .await
        .map(|_| ())
    }

    /// Moves or renames.
    pub async fn mv(&self, src: &str, dst: &str) -> Result<(), RequestError> {
        self.op(FileOp::Mv {
            src: src.into(),
            dst: dst.into(),
        })
        .await
        .map(|_| ())
    }

    /// Copies a file.
    pub async fn cp(&self, src: &str, dst: &str) -> Result<(), RequestError> {
        self.op(FileOp::Cp {
            src: src.into(),
            dst: dst.into(),
        })
        .await
        .map(|_| ())
    }

    /// Removes a file.
    pub async fn rm(&self, path: &str) -> Result<(), RequestError> {
        self.op(FileOp::Rm { path: path.into() }).await.map(|_| ())
    }

    /// Creates a directory.
    pub async fn mkdir(&self, path: &str) -> Result<(), RequestError> {
        self.op(FileOp::Mkdir { path: path.into() })
            .await
            .map(|_| ())
    }

    /// Removes an empty directory.
    pub async fn rmdir(&self, path: &str) -> Result<(), RequestError> {
        self.op(FileOp::Rmdir { path: path.into() })
            .await
            .map(|_| ())
    }
}
