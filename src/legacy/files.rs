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
    let n = r.count(8, "the files to load")?;
    if n > MAX_FILES {
        return Err(r.invalid(format!("{n} files in one load_file; at most {MAX_FILES}")));
    }
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
