//! nanome-lib's files API (`pwd`, `cd`, `ls`, `get`, `put`, `mv`, `cp`, `rm`, `rmdir`,
//! `mkdir`) as nts file operations, their answers written back with nanome-lib's
//! `FileError` codes; and `load_file`, whose files nts's own readers parse in the gateway
//! before they are added to the workspace.

use super::kinds::{Command, Message};
use super::serial::{Reader, SerialError, Writer};
use crate::api::link::{FileEntry, FileOp, FileReply};
use crate::api::{ErrorBody, ErrorCode};
use std::path::Path;

/// nanome-lib's `FileError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
enum FileError {
    NoError = 0,
    InvalidPath = 1,
    IoError = 2,
    UnauthorizedAccess = 4,
}

impl FileError {
    fn of(e: &ErrorBody) -> FileError {
        match e.code {
            ErrorCode::NotFound | ErrorCode::BadRequest => FileError::InvalidPath,
            ErrorCode::Forbidden => FileError::UnauthorizedAccess,
            _ => FileError::IoError,
        }
    }
}

/// The file operation a files-API message asks for; `None` for other kinds.
pub fn read_op(kind: Message, r: &mut Reader<'_>) -> Option<Result<FileOp, SerialError>> {
    let path = |r: &mut Reader<'_>| r.string("the path");
    let two = |r: &mut Reader<'_>| -> Result<(String, String), SerialError> {
        Ok((r.string("the source path")?, r.string("the target path")?))
    };
    Some(match kind {
        Message::PrintWorkingDirectory => Ok(FileOp::Pwd),
        Message::Cd => path(r).map(|path| FileOp::Cd { path }),
        Message::Ls => path(r).map(|path| FileOp::Ls { path }),
        Message::Get => path(r).map(|path| FileOp::Get { path }),
        Message::Rm => path(r).map(|path| FileOp::Rm { path }),
        Message::Rmdir => path(r).map(|path| FileOp::Rmdir { path }),
        Message::Mkdir => path(r).map(|path| FileOp::Mkdir { path }),
        Message::Mv => two(r).map(|(src, dst)| FileOp::Mv { src, dst }),
        Message::Cp => two(r).map(|(src, dst)| FileOp::Cp { src, dst }),
        Message::Put => (|| {
            let path = r.string("the path")?;
            let data = r.byte_array("the file's content")?.to_vec();
            Ok(FileOp::Put { path, data })
        })(),
        _ => return None,
    })
}

/// The answer nanome-lib waits for after the files-API message `kind`: the session's
/// reply, or (`Err`) its refusal as a `FileError`. `None` for other kinds.
pub fn write_reply(
    kind: Message,
    answer: Result<&FileReply, &ErrorBody>,
) -> Option<(Command, Vec<u8>)> {
    let none = FileReply::default();
    let (code, reply) = match answer {
        Ok(r) => (FileError::NoError, r),
        Err(e) => (FileError::of(e), &none),
    };
    let mut w = Writer::default();
    w.i32(code as i32);
    let command = match kind {
        Message::PrintWorkingDirectory => {
            w.string(reply.path.as_deref().unwrap_or(""));
            Command::PrintWorkingDirectoryResponse
        }
        Message::Ls => {
            let entries = reply.entries.as_deref().unwrap_or(&[]);
            w.u32(entries.len() as u32);
            for e in entries {
                write_meta(&mut w, e);
            }
            Command::LsResponse
        }
        Message::Get => {
            w.byte_array(reply.data.as_deref().unwrap_or(&[]));
            Command::GetResponse
        }
        Message::Cd => Command::CdResponse,
        Message::Put => Command::PutResponse,
        Message::Mv => Command::MvResponse,
        Message::Cp => Command::CpResponse,
        Message::Rm => Command::RmResponse,
        Message::Rmdir => Command::RmdirResponse,
        Message::Mkdir => Command::MkdirResponse,
        _ => return None,
    };
    Some((command, w.bytes))
}

/// `FileMeta`: name, size, modification time as text, whether a directory.
fn write_meta(w: &mut Writer, e: &FileEntry) {
    w.string(&e.name)
        .i64(i64::try_from(e.size).unwrap_or(i64::MAX))
        .string(&utc(e.modified))
        .bool(e.is_directory);
}

/// Seconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS` (UTC).
fn utc(secs: u64) -> String {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil-from-days, on the proleptic Gregorian calendar.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Most bytes the files of one `load_file` may hold together once decompressed (as one
/// file of the session's own loads).
pub const MAX_LOADED: u64 = crate::files::MAX_FILE;

/// Most files one `load_file` may send (as many as one message may add complexes).
const MAX_FILES: usize = crate::api::structure::MAX_COMPLEXES;

/// `load_file`: each file's name and content (and two flags nts has no use for).
pub fn read_load<'a>(r: &mut Reader<'a>) -> Result<Vec<(String, &'a [u8])>, SerialError> {
    let n = r.count_at_most(8, MAX_FILES, "the files to load")?;
    let files = (0..n)
        .map(|_| {
            Ok((
                r.string("the file's name")?,
                r.byte_array("the file's content")?,
            ))
        })
        .collect::<Result<Vec<_>, SerialError>>()?;
    Ok(files)
}

/// Parses one file sent to `load_file`, by its name (or content) as the session's own
/// loads do, within `budget` bytes once decompressed; the complex and the bytes it took.
/// The error says which file and why.
pub fn parse_loaded(
    name: &str,
    data: &[u8],
    budget: u64,
) -> Result<(crate::api::structure::Complex, u64), String> {
    let bytes =
        crate::files::decompress(data.to_vec(), budget).map_err(|e| format!("{name}: {e}"))?;
    let size = bytes.len() as u64;
    if size > budget {
        return Err(format!(
            "{name}: {size} bytes, beyond the {budget} left of the {MAX_LOADED} one load_file may hold"
        ));
    }
    let (complex, diag) =
        crate::files::parse_named(Path::new(name), &bytes).map_err(|e| e.to_string())?;
    diag.log(name);
    Ok((complex, size))
}

/// `load_file_done`: for each file, 0 when it loaded and 1 when it did not.
pub fn write_load_done(loaded: &[bool]) -> Vec<u8> {
    let mut w = Writer::default();
    w.u32(loaded.len() as u32);
    for ok in loaded {
        w.u8(u8::from(!ok));
    }
    w.bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc(1_796_342_400 + 3_661), "2026-12-04 01:01:01");
    }

    #[test]
    fn ops_read_and_replies_carry_nanome_lib_codes() {
        let mut w = Writer::default();
        w.string("a/b.pdb").byte_array(b"ATOM");
        let op = read_op(Message::Put, &mut Reader::new(&w.bytes))
            .unwrap()
            .unwrap();
        assert_eq!(
            op,
            FileOp::Put {
                path: "a/b.pdb".into(),
                data: b"ATOM".to_vec()
            }
        );
        assert!(read_op(Message::Connect, &mut Reader::new(&[])).is_none());
        // A put whose content claims more than is there.
        let mut w = Writer::default();
        w.string("x").u32(1000);
        assert!(
            read_op(Message::Put, &mut Reader::new(&w.bytes))
                .unwrap()
                .is_err()
        );

        let refused = ErrorBody::new(ErrorCode::Forbidden, "no permission");
        let (c, body) = write_reply(Message::Ls, Err(&refused)).unwrap();
        assert_eq!(
            (c, body),
            (Command::LsResponse, vec![4, 0, 0, 0, 0, 0, 0, 0])
        );
        let got = FileReply {
            data: Some(b"xyz".to_vec()),
            ..FileReply::default()
        };
        let (c, body) = write_reply(Message::Get, Ok(&got)).unwrap();
        assert_eq!(c, Command::GetResponse);
        assert_eq!(body, [0, 0, 0, 0, 3, 0, 0, 0, b'x', b'y', b'z']);
    }

    #[test]
    fn loaded_files_are_parsed_by_name_or_content() {
        let pdb = b"ATOM      1  CA  GLY A   1       1.000   2.000   3.000  1.00  0.00           C\nEND\n";
        let (c, size) = parse_loaded("gly.pdb", pdb, MAX_LOADED).unwrap();
        assert_eq!((c.name.as_str(), c.atoms().count()), ("gly", 1));
        assert_eq!(size, pdb.len() as u64);
        assert!(parse_loaded("noextension", pdb, MAX_LOADED).is_ok());
        let e = parse_loaded("notes.txt", b"hello", MAX_LOADED).unwrap_err();
        assert!(e.contains("notes.txt"), "{e}");
        // Beyond what is left of the message's budget.
        let e = parse_loaded("gly.pdb", pdb, 10).unwrap_err();
        assert!(e.contains("gly.pdb"), "{e}");
        assert_eq!(write_load_done(&[true, false]), [2, 0, 0, 0, 0, 1]);
    }
}

/// Most files one deprecated `request_files` or `save_files` names.
const MAX_BATCH: usize = 1024;

/// One of the deprecated files requests (`request_directory`, `request_files`,
/// `save_files`): nts file operations done one after the other, and what each returned.
#[derive(Debug)]
pub struct Batch {
    kind: Message,
    /// `request_directory`'s name pattern (`*` and `?`).
    pattern: String,
    /// The operations still to do, in order.
    ops: std::collections::VecDeque<FileOp>,
    /// Each done operation's path and answer.
    done: Vec<(String, Result<FileReply, ErrorBody>)>,
}

impl Batch {
    /// The deprecated request `kind` read into its operations; `None` for other kinds.
    pub fn read(kind: Message, r: &mut Reader<'_>) -> Option<Result<Batch, SerialError>> {
        let batch = |pattern: String, ops: Vec<FileOp>| Batch {
            kind,
            pattern,
            ops: ops.into(),
            done: vec![],
        };
        Some(match kind {
            Message::DirectoryRequest => (|| {
                let path = r.string("the directory")?;
                let pattern = r.string("the name pattern")?;
                Ok(batch(pattern, vec![FileOp::Ls { path }]))
            })(),
            Message::FileRequest => (|| {
                let n = r.count_at_most(4, MAX_BATCH, "the files asked")?;
                let ops = (0..n)
                    .map(|_| {
                        Ok(FileOp::Get {
                            path: r.string("a file's path")?,
                        })
                    })
                    .collect::<Result<_, SerialError>>()?;
                Ok(batch(String::new(), ops))
            })(),
            Message::FileSave => (|| {
                let n = r.count_at_most(8, MAX_BATCH, "the files to save")?;
                let ops = (0..n)
                    .map(|_| {
                        let path = r.string("a file's path")?;
                        let data = r.byte_array("a file's content")?.to_vec();
                        Ok(FileOp::Put { path, data })
                    })
                    .collect::<Result<_, SerialError>>()?;
                Ok(batch(String::new(), ops))
            })(),
            _ => return None,
        })
    }

    /// The next operation to ask the session for, if any.
    pub fn next_op(&self) -> Option<FileOp> {
        self.ops.front().cloned()
    }

    /// The session answered the operation [`Batch::next_op`] gave.
    pub fn answered(&mut self, answer: Result<FileReply, ErrorBody>) {
        if let Some(op) = self.ops.pop_front() {
            let path = match op {
                FileOp::Get { path } | FileOp::Put { path, .. } | FileOp::Ls { path } => path,
                _ => String::new(),
            };
            self.done.push((path, answer));
        }
    }

    /// The command answering the request, and its body, once every operation is done
    /// (those never done count as failed).
    pub fn reply(self) -> (Command, Vec<u8>) {
        let mut w = Writer::default();
        let failed = |e: &ErrorBody| -> i32 {
            match e.code {
                ErrorCode::Forbidden => 3,
                _ => 1,
            }
        };
        match self.kind {
            Message::DirectoryRequest => {
                let entries = match self.done.first() {
                    Some((_, Ok(r))) => r.entries.clone().unwrap_or_default(),
                    _ => vec![],
                };
                let shown: Vec<_> = entries
                    .iter()
                    .filter(|e| glob(&self.pattern, &e.name))
                    .collect();
                w.u32(shown.len() as u32);
                for e in shown {
                    w.string(&e.name).bool(e.is_directory);
                }
                let reachable = matches!(self.done.first(), Some((_, Ok(_))));
                w.i32(if reachable { 0 } else { 1 });
                (Command::DirectoryResponse, w.bytes)
            }
            Message::FileRequest => {
                let n = self.done.len() + self.ops.len();
                w.u32(n as u32);
                for (_, answer) in &self.done {
                    match answer {
                        Ok(r) => {
                            w.byte_array(r.data.as_deref().unwrap_or(&[])).i32(0);
                        }
                        Err(e) => {
                            w.u32(0).i32(failed(e));
                        }
                    }
                }
                for _ in &self.ops {
                    w.u32(0).i32(1);
                }
                (Command::FileResponse, w.bytes)
            }
            _ => {
                w.u32((self.done.len() + self.ops.len()) as u32);
                for (path, answer) in &self.done {
                    w.string(path).i32(answer.as_ref().err().map_or(0, failed));
                }
                for op in &self.ops {
                    if let FileOp::Put { path, .. } = op {
                        w.string(path).i32(1);
                    }
                }
                (Command::FileSaveDone, w.bytes)
            }
        }
    }
}

/// Whether `name` matches `pattern` (`*` any run, `?` one character; empty matches all).
fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().take(256).collect();
    let n: Vec<char> = name.chars().collect();
    if p.is_empty() {
        return true;
    }
    // Two cursors, backing up to the last `*` on a mismatch: O(pattern × name).
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod batch_tests {
    use super::*;

    #[test]
    fn globs_match_as_nanome_lib_means() {
        assert!(glob("*", "a.pdb") && glob("*.pdb", "a.pdb") && glob("a?.cif", "ab.cif"));
        assert!(!glob("*.pdb", "a.cif") && !glob("a?", "a"));
        assert!(glob("", "anything"));
    }

    #[test]
    fn a_deprecated_request_files_is_one_get_per_file() {
        let mut w = Writer::default();
        w.u32(2).string("a.pdb").string("b.pdb");
        let mut b = Batch::read(Message::FileRequest, &mut Reader::new(&w.bytes))
            .unwrap()
            .unwrap();
        assert_eq!(
            b.next_op(),
            Some(FileOp::Get {
                path: "a.pdb".into()
            })
        );
        b.answered(Ok(FileReply {
            data: Some(b"AT".to_vec()),
            ..FileReply::default()
        }));
        assert_eq!(
            b.next_op(),
            Some(FileOp::Get {
                path: "b.pdb".into()
            })
        );
        b.answered(Err(ErrorBody::new(ErrorCode::NotFound, "no")));
        assert_eq!(b.next_op(), None);
        let (c, body) = b.reply();
        assert_eq!(c, Command::FileResponse);
        let mut expect = Writer::default();
        expect.u32(2).byte_array(b"AT").i32(0).u32(0).i32(1);
        assert_eq!(body, expect.bytes);
    }

    #[test]
    fn a_deprecated_directory_listing_filters_by_its_pattern() {
        let mut w = Writer::default();
        w.string("/").string("*.pdb");
        let mut b = Batch::read(Message::DirectoryRequest, &mut Reader::new(&w.bytes))
            .unwrap()
            .unwrap();
        let entry = |name: &str| FileEntry {
            name: name.into(),
            size: 1,
            is_directory: false,
            modified: 0,
        };
        b.answered(Ok(FileReply {
            entries: Some(vec![entry("a.pdb"), entry("b.txt")]),
            ..FileReply::default()
        }));
        let (_, body) = b.reply();
        let mut expect = Writer::default();
        expect.u32(1).string("a.pdb").bool(false).i32(0);
        assert_eq!(body, expect.bytes);
    }
}
