//! The files a session lets its plugins see: one directory, nothing outside it.
//!
//! Paths from plugins are resolved against the link's working directory inside the root;
//! `/` names the root itself. `..` may not climb above the root (checked on the text), and a
//! symbolic link may not lead out of it (checked by the kernel, through a handle on the
//! root: see [`FilesView`]). Only plugins that declared the `local_files_access` permission
//! may use it.

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
///
/// Every operation goes through an open handle on the root (`cap_std::fs::Dir`), which
/// resolves paths beneath it in the kernel (`openat2` with `RESOLVE_BENEATH` where Linux
/// has it): a symbolic link — dangling, looping, or swapped in after a check — cannot lead
/// out, because there is no separate check to race.
#[derive(Debug)]
pub struct FilesView {
    root: cap_std::fs::Dir,
    cwd: PathBuf,
}

/// A path relative to the root as the `Dir` API takes it (`.` for the root itself).
fn beneath(rel: &Path) -> &Path {
    if rel.as_os_str().is_empty() {
        Path::new(".")
    } else {
        rel
    }
}

/// An I/O error as a reply: what was done, on which path, and why in words.
fn io_error(what: &str, path: &str, e: std::io::Error) -> ErrorBody {
    use std::io::ErrorKind as K;
    let (code, why) = match (e.kind(), e.raw_os_error()) {
        (K::NotFound, _) => (ErrorCode::NotFound, "it does not exist".to_string()),
        (K::PermissionDenied, _) => (
            ErrorCode::Forbidden,
            "it leads outside the session's files directory, or is not accessible".into(),
        ),
        (_, Some(libc::ELOOP)) => (
            ErrorCode::BadRequest,
            "too many levels of symbolic links".into(),
        ),
        (K::IsADirectory, _) => (ErrorCode::BadRequest, "it is a directory".into()),
        (K::NotADirectory, _) => (
            ErrorCode::BadRequest,
            "a part of it is not a directory".into(),
        ),
        (K::AlreadyExists | K::DirectoryNotEmpty, _) => (ErrorCode::BadRequest, e.to_string()),
        _ => (ErrorCode::Internal, e.to_string()),
    };
    err(code, format!("{what} {path:?}: {why}"))
}

impl FilesView {
    /// A view rooted at `root` (which must exist), starting at the root.
    pub fn new(root: PathBuf) -> std::io::Result<Self> {
        Ok(FilesView {
            root: cap_std::fs::Dir::open_ambient_dir(&root, cap_std::ambient_authority())?,
            cwd: PathBuf::new(),
        })
    }

    /// Runs one operation (blocking file I/O: call from a blocking thread).
    pub fn apply(&mut self, op: &FileOp) -> Result<FileReply, ErrorBody> {
        use std::io::{Read, Write};
        let ok = FileReply::default;
        let dir = &self.root;
        match op {
            FileOp::Pwd => Ok(FileReply {
                path: Some(format!("/{}", self.cwd.display())),
                ..ok()
            }),
            FileOp::Cd { path } => {
                let rel = resolve(&self.cwd, path)?;
                dir.open_dir(beneath(&rel))
                    .map_err(|e| io_error("entering", path, e))?;
                self.cwd = rel;
                Ok(FileReply {
                    path: Some(format!("/{}", self.cwd.display())),
                    ..ok()
                })
            }
            FileOp::Ls { path } => {
                let rel = resolve(&self.cwd, path)?;
                let listing = dir
                    .read_dir(beneath(&rel))
                    .map_err(|e| io_error("listing", path, e))?;
                let mut entries = Vec::new();
                for entry in listing.flatten().take(MAX_ENTRIES) {
                    let meta = entry.metadata().map_err(|e| io_error("reading", path, e))?;
                    let modified = meta
                        .modified()
                        .ok()
                        .and_then(|t| t.into_std().duration_since(std::time::UNIX_EPOCH).ok())
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
                let rel = resolve(&self.cwd, path)?;
                // One open file: its size is checked and its bytes read through the same
                // handle, and never more than the limit is read.
                let file = dir
                    .open(beneath(&rel))
                    .map_err(|e| io_error("reading", path, e))?;
                let meta = file.metadata().map_err(|e| io_error("reading", path, e))?;
                if meta.is_dir() {
                    return Err(err(
                        ErrorCode::BadRequest,
                        format!("{path:?} is a directory"),
                    ));
                }
                let too_big = || {
                    err(
                        ErrorCode::BadRequest,
                        format!("{path:?} is over the {MAX_FILE}-byte limit"),
                    )
                };
                if meta.len() > MAX_FILE {
                    return Err(too_big());
                }
                let mut data = Vec::with_capacity(meta.len() as usize);
                file.take(MAX_FILE + 1)
                    .read_to_end(&mut data)
                    .map_err(|e| io_error("reading", path, e))?;
                if data.len() as u64 > MAX_FILE {
                    return Err(too_big());
                }
                Ok(FileReply {
                    data: Some(data),
                    ..ok()
                })
            }
            FileOp::Put { path, data } => {
                let rel = resolve(&self.cwd, path)?;
                if data.len() as u64 > MAX_FILE {
                    return Err(err(
                        ErrorCode::BadRequest,
                        format!("{path:?}: over the {MAX_FILE}-byte limit"),
                    ));
                }
                let mut file = dir
                    .create(beneath(&rel))
                    .map_err(|e| io_error("writing", path, e))?;
                file.write_all(data)
                    .map_err(|e| io_error("writing", path, e))?;
                Ok(ok())
            }
            FileOp::Mv { src, dst } | FileOp::Cp { src, dst } => {
                let (from, to) = (resolve(&self.cwd, src)?, resolve(&self.cwd, dst)?);
                if matches!(op, FileOp::Mv { .. }) {
                    dir.rename(beneath(&from), dir, beneath(&to))
                        .map_err(|e| io_error("moving", src, e))?;
                } else {
                    dir.copy(beneath(&from), dir, beneath(&to))
                        .map_err(|e| io_error("copying", src, e))?;
                }
                Ok(ok())
            }
            FileOp::Rm { path } => {
                let rel = resolve(&self.cwd, path)?;
                let is_dir = dir
                    .symlink_metadata(beneath(&rel))
                    .map(|m| m.is_dir())
                    .unwrap_or(false);
                if rel.as_os_str().is_empty() || is_dir {
                    return Err(err(
                        ErrorCode::BadRequest,
                        format!("{path:?} is a directory; use rmdir"),
                    ));
                }
                dir.remove_file(&rel)
                    .map_err(|e| io_error("removing", path, e))?;
                Ok(ok())
            }
            FileOp::Mkdir { path } => {
                let rel = resolve(&self.cwd, path)?;
                dir.create_dir(beneath(&rel))
                    .map_err(|e| io_error("creating", path, e))?;
                Ok(ok())
            }
            FileOp::Rmdir { path } => {
                let rel = resolve(&self.cwd, path)?;
                if rel.as_os_str().is_empty() {
                    return Err(err(
                        ErrorCode::Forbidden,
                        "the root of the session's files cannot be removed",
                    ));
                }
                dir.remove_dir(&rel)
                    .map_err(|e| io_error("removing", path, e))?;
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

#[cfg(test)]
mod symlink_tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn view() -> (tempfile::TempDir, tempfile::TempDir, FilesView) {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let v = FilesView::new(root.path().to_path_buf()).unwrap();
        (root, outside, v)
    }

    fn put(v: &mut FilesView, path: &str) -> Result<FileReply, ErrorBody> {
        v.apply(&FileOp::Put {
            path: path.into(),
            data: b"planted".to_vec(),
        })
    }

    #[test]
    fn a_dangling_symlink_cannot_write_outside() {
        let (root, outside, mut v) = view();
        let target = outside.path().join("planted");
        symlink(&target, root.path().join("dangling")).unwrap();
        let e = put(&mut v, "dangling").unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{e}");
        assert!(!target.exists(), "nothing was written outside");
        // A relative one climbing out is refused the same way.
        symlink("../../../../../../tmp/nts-planted", root.path().join("up")).unwrap();
        assert!(put(&mut v, "up").is_err());
        assert!(!Path::new("/tmp/nts-planted").exists());
    }

    #[test]
    fn looping_symlinks_are_an_error_not_a_hang() {
        let (root, _outside, mut v) = view();
        symlink("b", root.path().join("a")).unwrap();
        symlink("a", root.path().join("b")).unwrap();
        for op in [
            FileOp::Get { path: "a".into() },
            FileOp::Put {
                path: "a".into(),
                data: vec![],
            },
            FileOp::Cd { path: "a".into() },
            FileOp::Ls { path: "a".into() },
        ] {
            let e = v.apply(&op).unwrap_err();
            assert_ne!(e.code, ErrorCode::Internal, "{op:?}: {e}");
        }
    }

    #[test]
    fn a_directory_swapped_for_a_symlink_leads_nowhere_outside() {
        let (root, outside, mut v) = view();
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        std::fs::create_dir(root.path().join("work")).unwrap();
        v.apply(&FileOp::Cd {
            path: "work".into(),
        })
        .unwrap();
        // After the plugin entered it, the directory is replaced by a link to outside.
        std::fs::remove_dir(root.path().join("work")).unwrap();
        symlink(outside.path(), root.path().join("work")).unwrap();
        let e = v
            .apply(&FileOp::Get {
                path: "secret".into(),
            })
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{e}");
        assert!(put(&mut v, "planted").is_err());
        assert!(!outside.path().join("planted").exists());
        let e = v.apply(&FileOp::Ls { path: ".".into() }).unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{e}");
    }

    #[test]
    fn symlinks_within_the_root_work() {
        let (root, _outside, mut v) = view();
        std::fs::create_dir(root.path().join("real")).unwrap();
        std::fs::write(root.path().join("real/f"), "inside").unwrap();
        symlink("real", root.path().join("alias")).unwrap();
        let got = v
            .apply(&FileOp::Get {
                path: "alias/f".into(),
            })
            .unwrap();
        assert_eq!(got.data.unwrap(), b"inside");
    }

    #[test]
    fn get_reads_at_most_the_limit() {
        let (root, _outside, mut v) = view();
        let f = std::fs::File::create(root.path().join("huge")).unwrap();
        f.set_len(MAX_FILE + 1).unwrap(); // sparse: no disk used
        let e = v
            .apply(&FileOp::Get {
                path: "huge".into(),
            })
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest, "{e}");
    }
}
