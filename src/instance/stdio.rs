//! The instance's end of the frame pipes.
//!
//! The real stdout is moved to a private descriptor for frames, and descriptor 1 is
//! pointed at stderr, so a stray `println!` in plugin code lands in the host's log
//! instead of corrupting the frame stream.

use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};

/// The instance's frame input.
pub(crate) type FrameIn = Pin<Box<dyn AsyncRead + Send>>;
/// The instance's frame output.
pub(crate) type FrameOut = Pin<Box<dyn AsyncWrite + Send>>;

/// Frame reader and writer over the process's stdin and (moved) stdout.
pub(crate) fn take() -> std::io::Result<(FrameIn, FrameOut)> {
    let frames_out = nix::unistd::dup(std::io::stdout())?;
    nix::unistd::dup2_stdout(std::io::stderr())?;
    let frames_in = nix::unistd::dup(std::io::stdin())?;
    let reader: FrameIn =
        match tokio::net::unix::pipe::Receiver::from_owned_fd(frames_in.try_clone()?) {
            Ok(r) => Box::pin(r),
            Err(_) => Box::pin(tokio::fs::File::from_std(std::fs::File::from(frames_in))),
        };
    let writer: FrameOut =
        match tokio::net::unix::pipe::Sender::from_owned_fd(frames_out.try_clone()?) {
            Ok(w) => Box::pin(w),
            Err(_) => Box::pin(tokio::fs::File::from_std(std::fs::File::from(frames_out))),
        };
    Ok((reader, writer))
}
