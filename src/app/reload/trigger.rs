//! What starts a reload: SIGHUP (`systemctl reload piboard`), and the
//! config file changing on disk. The file's DIRECTORY is watched (inotify),
//! not the file: editors and `sed -i` write a new file and rename it over
//! the old one, which a watch on the old file's inode would never see.
//! Events for other names in the directory are ignored; a burst (an
//! editor's write, chmod and rename) is one reload after [`DEBOUNCE`] of
//! quiet.
//!
//! The `inotify` crate's event stream runs on tokio's reactor: no thread of
//! its own (the `notify` crate's would be a 2 MiB stack, against the
//! thread-stack gate of the emulated board), and nothing wakes while
//! nothing in the directory changes. Linux only; elsewhere only SIGHUP
//! reloads.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;

/// How long the triggers must be quiet before the file is read.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// Why a reload was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// SIGHUP.
    Hangup,
    /// The file was written, replaced or removed.
    File,
}

/// Watches the directory of `path` (from within the runtime); the future
/// sends [`Trigger::File`] on `tx` at each change to `path` itself, until
/// `tx` closes.
#[cfg(target_os = "linux")]
pub fn watch_file(
    path: &Path,
    tx: mpsc::Sender<Trigger>,
) -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use futures_util::StreamExt;
    use inotify::{Inotify, WatchMask};
    let name = path.file_name().map(ToOwned::to_owned);
    let inotify = Inotify::init()?;
    let changes = WatchMask::CLOSE_WRITE
        | WatchMask::MODIFY
        | WatchMask::CREATE
        | WatchMask::DELETE
        | WatchMask::MOVED_TO
        | WatchMask::MOVED_FROM;
    inotify.watches().add(directory(path), changes)?;
    let mut events = inotify.into_event_stream(vec![0; 4096])?;
    Ok(async move {
        while let Some(event) = events.next().await {
            match event {
                Ok(e) if e.name.as_deref() == name.as_deref() => {
                    // Full: a reload is already pending, which reads the file anew.
                    if tx.try_send(Trigger::File).is_err() && tx.is_closed() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(
                        "the config's directory watch failed: {e}; SIGHUP still reloads"
                    );
                    return;
                }
            }
        }
    })
}

/// Without inotify: no watch (SIGHUP still reloads).
#[cfg(not(target_os = "linux"))]
pub fn watch_file(
    _path: &Path,
    _tx: mpsc::Sender<Trigger>,
) -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    Err::<std::future::Ready<()>, _>(std::io::Error::other("no file watch on this system"))
}

/// The directory holding `path` (`.` for a bare file name).
fn directory(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Sends [`Trigger::Hangup`] on `tx` at each SIGHUP, until `tx` closes.
/// Installing the handler replaces SIGHUP's default (the process ending).
pub fn watch_hangup(
    tx: mpsc::Sender<Trigger>,
) -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup())?;
    Ok(async move {
        while hangups.recv().await.is_some() {
            if tx.try_send(Trigger::Hangup).is_err() && tx.is_closed() {
                return;
            }
        }
    })
}

/// The next trigger, once [`DEBOUNCE`] has passed without another; `None`
/// when every sender is gone.
pub async fn settled(rx: &mut mpsc::Receiver<Trigger>) -> Option<Trigger> {
    let first = rx.recv().await?;
    loop {
        match tokio::time::timeout(DEBOUNCE, rx.recv()).await {
            Ok(Some(_)) => continue,
            Ok(None) | Err(_) => return Some(first),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_is_one_trigger_after_the_quiet() {
        let (tx, mut rx) = mpsc::channel(8);
        let start = tokio::time::Instant::now();
        for _ in 0..3 {
            tx.send(Trigger::File).await.expect("open");
        }
        assert_eq!(settled(&mut rx).await, Some(Trigger::File));
        assert_eq!(start.elapsed(), DEBOUNCE);
        drop(tx);
        assert_eq!(settled(&mut rx).await, None);
    }

    #[test]
    fn a_bare_name_is_in_the_current_directory() {
        assert_eq!(directory(Path::new("piboard.toml")), PathBuf::from("."));
        assert_eq!(
            directory(Path::new("/etc/p/x.toml")),
            PathBuf::from("/etc/p")
        );
    }
}
