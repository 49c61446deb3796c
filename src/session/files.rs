//! The files a session lets its plugins see: one directory, nothing outside it.
//!
//! Paths from plugins are resolved against the link's working directory inside the root;
//! `/` names the root itself. `..` may not climb above the root, and a symbolic link may not
//! lead out of it (the deepest existing ancestor is canonicalised and checked). Only plugins
//! that declared the `local_files_access` permission may use it.

use std::path::{Component, Path, PathBuf};

use crate::api::link::{FileEntry, FileOp, FileReply};
use crate::api::{ErrorBody, ErrorCode};

/// Permission a plugin must declare to use the files API.
pub const PERMISSION: &str = "local_files_access";
/// Largest file moved in one `get` or `put`.
pub const MAX_FILE: u64 = 256 * 1024 * 1024;
/// Most entries one `ls` returns.
pub const MAX_ENTRIES: usize = 10_000;

fn err(code: ErrorCode, m: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, m)
}

/// Resolves `path` (absolute = from the root) against `cwd` (relative to the root),
/// lexically, refusing to leave the root. Returns the path relative to the root.
pub fn resolve(cwd: &Path, path: &str) -> Result<PathBuf, ErrorBody> {
    if path.len() > 4096 || path.contains('\0') {
        return Err(err(ErrorCode::BadRequest, "path too long or not text"));
    }
    let mut out = if path.starts_with('/') {
        PathBuf::new()
    } else {
        cwd.to_path_buf()
    };
    for c in Path::new(path).components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(p) => out.push(p),
            Component::ParentDir => {
                if !out.pop() {
                    return Err(err(
                        ErrorCode::Forbidden,
                        format!("{path:?} leaves the session's files directory"),
                    ));
                }
            }
            Component::Prefix(_) => {
                return Err(err(
                    ErrorCode::BadRequest,
                    "path prefixes are not supported",
                ));
            }
        }
    }
    Ok(out)
}

/// A link's view of the session's files directory.
#[derive(Debug, Clone)]
pub struct FilesView {
    root: PathBuf,
    cwd: PathBuf,
}

impl FilesView {
    /// A view rooted at `root` (which must exist), starting at the root.
    pub fn new(root: PathBuf) -> std::io::Result<Self> {
        Ok(FilesView {
            root: root.canonicalize()?,
            cwd: PathBuf::new(),
        })
    }

    /// The real path of `path`, checked to stay inside the root even through symlinks.
    fn real(&self, path: &str) -> Result<(PathBuf, PathBuf), ErrorBody> {
        let rel = resolve(&self.cwd, path)?;
        let full = self.root.join(&rel);
        let mut probe = full.as_path();
        while !probe.exists() {
            probe = probe.parent().unwrap_or(&self.root);
        }
        let canon = probe
            .canonicalize()
            .map_err(|e| err(ErrorCode::Internal, e.to_string()))?;
        if !canon.starts_with(&self.root) {
            return Err(err(
                ErrorCode::Forbidden,
                format!("{path:?} leads outside the session's files directory"),
            ));
        }
        Ok((rel, full))
    }

    /// Runs one operation (blocking file I/O: call from a blocking thread).
    pub fn apply(&mut self, op: &FileOp) -> Result<FileReply, ErrorBody> {
        let io = |what: &str, p: &str, e: std::io::Error| {
            let code = match e.kind() {
                std::io::ErrorKind::NotFound => ErrorCode::NotFound,
                std::io::ErrorKind::PermissionDenied => ErrorCode::Forbidden,
                std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::DirectoryNotEmpty => {
                    ErrorCode::BadRequest
                }
                _ => ErrorCode::Internal,
            };
            err(code, format!("{what} {p:?}: {e}"))
        };
        let ok = FileReply::default;
        match op {
            FileOp::Pwd => Ok(FileReply {
                path: Some(format!("/{}", self.cwd.display())),
                ..ok()
            }),
            FileOp::Cd { path } => {
                let (rel, full) = self.real(path)?;
                if !full.is_dir() {
                    return Err(err(
                        ErrorCode::NotFound,
                        format!("{path:?} is not a directory"),
                    ));
                }
                self.cwd = rel;
                Ok(FileReply {
                    path: Some(format!("/{}", self.cwd.display())),
                    ..ok()
                })
            }
            FileOp::Ls { path } => {
                let (_, full) = self.real(path)?;
                let mut entries = Vec::new();
                for entry in std::fs::read_dir(&full)
                    .map_err(|e| io("listing", path, e))?
                    .flatten()
                    .take(MAX_ENTRIES)
                {
                    let meta = entry.metadata().map_err(|e| io("reading", path, e))?;
                    let modified = meta
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_secs());
                    entries.push(FileEntry {
                        name: entry.file_name().to_string_lossy().into_owned(),
                        size: meta.len(),
                        is_directory: meta.is_dir(),
                        modified,
                    });
                }
                entries.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(FileReply {
                    entries: Some(entries),
                    ..ok()
                })
            }
            FileOp::Get { path } => {
                let (_, full) = self.real(path)?;
                let len = std::fs::metadata(&full)
                    .map_err(|e| io("reading", path, e))?
                    .len();
                if len > MAX_FILE {
                    return Err(err(
                        ErrorCode::BadRequest,
                        format!("{path:?} is {len} bytes, over the {MAX_FILE}-byte limit"),
                    ));
                }
                let data = std::fs::read(&full).map_err(|e| io("reading", path, e))?;
                Ok(FileReply {
                    data: Some(data),
                    ..ok()
                })
            }
            FileOp::Put { path, data } => {
                let (_, full) = self.real(path)?;
                if full.is_dir() {
                    return Err(err(
                        ErrorCode::BadRequest,
                        format!("{path:?} is a directory"),
                    ));
                }
                std::fs::write(&full, data).map_err(|e| io("writing", path, e))?;
                Ok(ok())
            }
            FileOp::Mv { src, dst } | FileOp::Cp { src, dst } => {
                let (_, from) = self.real(src)?;
                let (_, to) = self.real(dst)?;
                if matches!(op, FileOp::Mv { .. }) {
                    std::fs::rename(&from, &to).map_err(|e| io("moving", src, e))?;
                } else {
                    std::fs::copy(&from, &to).map_err(|e| io("copying", src, e))?;
                }
                Ok(ok())
            }
            FileOp::Rm { path } => {
                let (rel, full) = self.real(path)?;
                if rel.as_os_str().is_empty() || full.is_dir() {
                    return Err(err(
                        ErrorCode::BadRequest,
                        format!("{path:?} is a directory; use rmdir"),
                    ));
                }
                std::fs::remove_file(&full).map_err(|e| io("removing", path, e))?;
                Ok(ok())
            }
            FileOp::Mkdir { path } => {
                let (_, full) = self.real(path)?;
                std::fs::create_dir(&full).map_err(|e| io("creating", path, e))?;
                Ok(ok())
            }
            FileOp::Rmdir { path } => {
                let (rel, full) = self.real(path)?;
                if rel.as_os_str().is_empty() {
                    return Err(err(
                        ErrorCode::Forbidden,
                        "the root of the session's files cannot be removed",
                    ));
                }
                std::fs::remove_dir(&full).map_err(|e| io("removing", path, e))?;
                if self.cwd.starts_with(&rel) {
                    self.cwd = rel.parent().map(Path::to_path_buf).unwrap_or_default();
                }
                Ok(ok())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_stays_inside() {
        let cwd = Path::new("a/b");
        assert_eq!(resolve(cwd, "c").unwrap(), Path::new("a/b/c"));
        assert_eq!(resolve(cwd, "../c").unwrap(), Path::new("a/c"));
        assert_eq!(resolve(cwd, "/x/./y").unwrap(), Path::new("x/y"));
        assert_eq!(resolve(cwd, "../..").unwrap(), Path::new(""));
        assert_eq!(
            resolve(cwd, "../../..").unwrap_err().code,
            ErrorCode::Forbidden
        );
        assert_eq!(
            resolve(cwd, "/../etc/passwd").unwrap_err().code,
            ErrorCode::Forbidden
        );
        assert!(resolve(cwd, "a\0b").is_err());
    }

    #[test]
    fn operations_work_and_symlinks_cannot_escape() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("door")).unwrap();
        let mut v = FilesView::new(root.path().to_path_buf()).unwrap();
        v.apply(&FileOp::Mkdir {
            path: "notes".into(),
        })
        .unwrap();
        v.apply(&FileOp::Cd {
            path: "notes".into(),
        })
        .unwrap();
        v.apply(&FileOp::Put {
            path: "a.txt".into(),
            data: b"hi".to_vec(),
        })
        .unwrap();
        v.apply(&FileOp::Cp {
            src: "a.txt".into(),
            dst: "b.txt".into(),
        })
        .unwrap();
        let ls = v
            .apply(&FileOp::Ls { path: ".".into() })
            .unwrap()
            .entries
            .unwrap();
        assert_eq!(
            ls.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            ["a.txt", "b.txt"]
        );
        assert_eq!(
            v.apply(&FileOp::Get {
                path: "/notes/b.txt".into()
            })
            .unwrap()
            .data
            .unwrap(),
            b"hi"
        );
        assert_eq!(v.apply(&FileOp::Pwd).unwrap().path.unwrap(), "/notes");
        let e = v
            .apply(&FileOp::Get {
                path: "/door/secret".into(),
            })
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{e}");
        let e = v
            .apply(&FileOp::Put {
                path: "/door/planted".into(),
                data: vec![],
            })
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden);
        assert!(!outside.path().join("planted").exists());
        assert_eq!(
            v.apply(&FileOp::Rmdir { path: "/".into() })
                .unwrap_err()
                .code,
            ErrorCode::Forbidden
        );
        assert_eq!(
            v.apply(&FileOp::Get {
                path: "nope".into()
            })
            .unwrap_err()
            .code,
            ErrorCode::NotFound
        );
    }
}
