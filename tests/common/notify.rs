//! A stand-in for systemd's notify socket: what piboard sends with
//! `sd_notify` (`READY=1`, `WATCHDOG=1`) arrives here.

#![allow(dead_code)]

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::Duration;

pub struct NotifySocket {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
    socket: UnixDatagram,
}

impl NotifySocket {
    /// Binds a datagram socket in a fresh directory; `recv` waits up to
    /// `timeout` for each message.
    pub fn bind(timeout: Duration) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("notify.sock");
        let socket = UnixDatagram::bind(&path).expect("bind the notify socket");
        socket.set_read_timeout(Some(timeout)).expect("timeout");
        Self {
            _dir: dir,
            path,
            socket,
        }
    }

    /// The next message, trimmed.
    pub fn recv(&self) -> std::io::Result<String> {
        let mut buf = [0u8; 256];
        let n = self.socket.recv(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf[..n]).trim().to_owned())
    }
}
