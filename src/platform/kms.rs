//! The `[display]` settings on the Pi: which DRM connector, which mode, which
//! rotation. Slint's linuxkms backend reads these only from environment
//! variables (`SLINT_DRM_OUTPUT`, `SLINT_DRM_MODE` as an index into the
//! connector's mode list, `SLINT_KMS_ROTATION`), and it picks the connector's
//! preferred mode by default, which a mode forced with `video=` on the kernel
//! command line is not. So before Slint starts, [`apply`] resolves the
//! configured mode to its index on the real connector and, if the environment
//! differs, re-executes the binary with those variables set (same PID, so
//! systemd's watchdog and notify socket are unaffected). Editing this
//! process's own environment would need `unsafe` (`std::env::set_var`).
//!
//! Touch follows the rotation through libinput's calibration matrix, which a
//! udev rule sets (deploy/setup-pi.sh writes it; tests/pi.rs checks its table
//! against the renderer's rotation).

use std::fmt;

use crate::config::{DisplayConfig, DisplayMode};

/// The environment variable that marks a re-executed process, so a
/// mismatch can never loop.
pub const REEXEC_MARK: &str = "PIBOARD_KMS_REEXEC";

/// One entry of a connector's mode list, as the kernel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeInfo {
    pub width: u16,
    pub height: u16,
    pub refresh: u32,
    pub preferred: bool,
}

impl fmt::Display for ModeInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}@{}", self.width, self.height, self.refresh)?;
        if self.preferred {
            f.write_str(" (preferred)")?;
        }
        Ok(())
    }
}

/// The index (into the kernel's list, which is what `SLINT_DRM_MODE` takes)
/// of the mode matching `want`: a preferred match first, else the first match.
pub fn pick_mode(modes: &[ModeInfo], want: DisplayMode) -> Result<usize, String> {
    let matches = |m: &ModeInfo| {
        m.width == want.width
            && m.height == want.height
            && want.refresh.is_none_or(|hz| m.refresh == hz)
    };
    modes
        .iter()
        .position(|m| matches(m) && m.preferred)
        .or_else(|| modes.iter().position(matches))
        .ok_or_else(|| {
            let have: Vec<String> = modes.iter().map(ToString::to_string).collect();
            format!(
                "mode {want} is not offered by the display (it offers: {}); \
                 force it with video=<connector>:{}x{}M@{} in cmdline.txt",
                if have.is_empty() {
                    "nothing".to_owned()
                } else {
                    have.join(", ")
                },
                want.width,
                want.height,
                want.refresh.unwrap_or(60)
            )
        })
}

/// The Slint variables for a display config whose connector and mode are
/// resolved: only what the config sets, so a hand-set variable for anything
/// the config leaves out still works.
pub fn slint_env(
    connector: Option<&str>,
    mode_index: Option<usize>,
    rotation: u16,
) -> Vec<(&'static str, String)> {
    let mut env = Vec::new();
    if let Some(c) = connector {
        env.push(("SLINT_DRM_OUTPUT", c.to_owned()));
    }
    if let Some(i) = mode_index {
        env.push(("SLINT_DRM_MODE", i.to_string()));
    }
    if rotation != 0 {
        env.push(("SLINT_KMS_ROTATION", rotation.to_string()));
    }
    env
}

/// Makes Slint use the configured connector, mode and rotation: returns
/// when the environment already says so (or nothing is configured), else
/// re-executes this binary with it (and returns only on failure).
#[cfg(piboard_kms)]
pub fn apply(display: &DisplayConfig) -> anyhow::Result<()> {
    use anyhow::{Context, bail};
    use std::os::unix::process::CommandExt;

    // `SLINT_DRM_OUTPUT=list` / `SLINT_DRM_MODE=list`: let Slint print them.
    let listing = |k: &str| std::env::var(k).is_ok_and(|v| v.eq_ignore_ascii_case("list"));
    if listing("SLINT_DRM_OUTPUT") || listing("SLINT_DRM_MODE") {
        return Ok(());
    }
    let want_mode = display.mode;
    let (connector, mode_index) = if display.connector.is_some() || want_mode.is_some() {
        let out = dri::find_output(display.connector.as_deref())?;
        let index = match want_mode {
            Some(want) => Some(pick_mode(&out.modes, want).map_err(|e| {
                anyhow::anyhow!("display.mode on {} ({}): {e}", out.name, out.device)
            })?),
            None => None,
        };
        (Some(out.name), index)
    } else {
        (None, None)
    };
    let env = slint_env(connector.as_deref(), mode_index, display.rotation);
    let current = |k: &str| std::env::var(k).ok();
    if env.iter().all(|(k, v)| current(k).as_deref() == Some(v)) {
        if !env.is_empty() {
            tracing::info!(?env, "display");
        }
        return Ok(());
    }
    if std::env::var_os(REEXEC_MARK).is_some() {
        bail!("the display environment did not take effect after re-executing: {env:?}");
    }
    let exe = std::env::current_exe().context("cannot find this executable to re-execute")?;
    let mut args = std::env::args_os();
    let mut cmd = std::process::Command::new(&exe);
    if let Some(arg0) = args.next() {
        cmd.arg0(arg0);
    }
    let err = cmd.args(args).envs(env).env(REEXEC_MARK, "1").exec();
    Err(err).with_context(|| format!("cannot re-execute {}", exe.display()))
}

/// Without the KMS backend there is no display to configure.
#[cfg(not(piboard_kms))]
pub fn apply(_display: &DisplayConfig) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(piboard_kms)]
mod dri {
    //! Reads connectors and modes the way Slint's linuxkms backend does:
    //! devices in /dev/dri in directory order, no forced probe.

    use std::fs::File;
    use std::os::fd::{AsFd, BorrowedFd};

    use drm::control::{Device as _, ModeTypeFlags, connector};

    use super::ModeInfo;

    struct Card(File);

    impl AsFd for Card {
        fn as_fd(&self) -> BorrowedFd<'_> {
            self.0.as_fd()
        }
    }
    impl drm::Device for Card {}
    impl drm::control::Device for Card {}

    pub struct Output {
        pub device: String,
        pub name: String,
        pub modes: Vec<ModeInfo>,
    }

    /// The named connected connector, or the first connected one.
    pub fn find_output(wanted: Option<&str>) -> anyhow::Result<Output> {
        let mut seen = Vec::new();
        let dir = std::fs::read_dir("/dev/dri")
            .map_err(|e| anyhow::anyhow!("cannot list /dev/dri: {e}"))?;
        for entry in dir.flatten() {
            let path = entry.path();
            let Ok(file) = File::options().read(true).write(true).open(&path) else {
                continue;
            };
            let card = Card(file);
            let Ok(res) = card.resource_handles() else {
                continue; // a render-only node (v3d) has no connectors
            };
            for handle in res.connectors() {
                let Ok(info) = card.get_connector(*handle, false) else {
                    continue;
                };
                let name = format!("{}-{}", info.interface().as_str(), info.interface_id());
                let connected = info.state() == connector::State::Connected;
                seen.push(format!(
                    "{name} ({})",
                    if connected {
                        "connected"
                    } else {
                        "not connected"
                    }
                ));
                if connected && wanted.is_none_or(|w| w == name) {
                    let modes = info
                        .modes()
                        .iter()
                        .map(|m| ModeInfo {
                            width: m.size().0,
                            height: m.size().1,
                            refresh: m.vrefresh(),
                            preferred: m.mode_type().contains(ModeTypeFlags::PREFERRED),
                        })
                        .collect();
                    return Ok(Output {
                        device: path.display().to_string(),
                        name,
                        modes,
                    });
                }
            }
        }
        anyhow::bail!(
            "display.connector: {} (connectors: {})",
            match wanted {
                Some(w) => format!("no connected output named {w}"),
                None => "no connected output".to_owned(),
            },
            if seen.is_empty() {
                "none; is vc4-kms-v3d enabled and /dev/dri readable?".to_owned()
            } else {
                seen.join(", ")
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(width: u16, height: u16, refresh: u32, preferred: bool) -> ModeInfo {
        ModeInfo {
            width,
            height,
            refresh,
            preferred,
        }
    }

    #[test]
    fn forced_mode_is_found_by_index_not_preference() {
        // What the Waveshare 5" reports with video=HDMI-A-1:800x480M@60: its
        // EDID's preferred mode first, the forced one (not preferred) later.
        let modes = [
            mode(1920, 1080, 60, true),
            mode(1280, 720, 60, false),
            mode(800, 480, 60, false),
            mode(800, 480, 50, false),
        ];
        let want = |s| DisplayMode::parse(s).expect("valid spec");
        assert_eq!(pick_mode(&modes, want("800x480@60")), Ok(2));
        assert_eq!(pick_mode(&modes, want("800x480@50")), Ok(3));
        assert_eq!(pick_mode(&modes, want("800x480")), Ok(2));
        let err = pick_mode(&modes, want("1024x600")).expect_err("not offered");
        assert!(err.contains("1920x1080@60 (preferred)"), "{err}");
    }

    #[test]
    fn a_preferred_match_wins_over_an_earlier_one() {
        let modes = [mode(800, 480, 60, false), mode(800, 480, 60, true)];
        let want = DisplayMode::parse("800x480@60").expect("valid spec");
        assert_eq!(pick_mode(&modes, want), Ok(1));
    }

    #[test]
    fn env_names_only_what_is_configured() {
        assert!(slint_env(None, None, 0).is_empty());
        assert_eq!(
            slint_env(Some("HDMI-A-1"), Some(3), 90),
            vec![
                ("SLINT_DRM_OUTPUT", "HDMI-A-1".to_owned()),
                ("SLINT_DRM_MODE", "3".to_owned()),
                ("SLINT_KMS_ROTATION", "90".to_owned()),
            ]
        );
    }
}
