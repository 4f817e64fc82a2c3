//! Command-line arguments.

use std::path::PathBuf;

use clap::Parser;

use crate::core::Page;

/// piboard: a homelab wall dashboard for a Raspberry Pi and a 5" display.
///
/// Without arguments it looks for a config file in the usual places; `--demo`
/// runs a built-in demo homelab with no network and no config.
#[derive(Debug, Clone, Parser)]
#[command(version, about, long_about = None)]
pub struct Cli {
    /// The TOML config file (default: $PIBOARD_CONFIG, ./piboard.toml,
    /// ~/.config/piboard/piboard.toml, /etc/piboard/piboard.toml).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Run the built-in demo homelab (no network, no config).
    #[arg(long, conflicts_with = "config")]
    pub demo: bool,

    /// With --demo: the second of the demo timeline to show, frozen.
    #[arg(long, value_name = "SECONDS", requires = "demo")]
    pub at: Option<u32>,

    /// The page to show first (overview, services, proxmox, printer,
    /// alerts); with --screenshot, the page rendered. Like any page, it
    /// returns to the overview after `[display] home_after_secs` untouched.
    #[arg(long, value_name = "NAME", value_parser = parse_page)]
    pub page: Option<Page>,

    /// Render one frame to this PNG file without any display, then exit.
    #[arg(long, value_name = "FILE")]
    pub screenshot: Option<PathBuf>,

    /// Size of the window or screenshot, e.g. 800x480, 1024x600, 480x320.
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub size: Option<(u32, u32)>,

    /// Check the config file and exit: 0 if valid, 2 with the problem if not.
    #[arg(long)]
    pub check_config: bool,

    /// Run the live dashboard without a display, drawing into memory (for
    /// CI, tests and benchmarks; /screenshot.png shows the frames).
    #[arg(long, conflicts_with = "screenshot")]
    pub headless: bool,

    /// Serve the :8080 endpoints on this address instead of the config's
    /// (`127.0.0.1:0` picks a free port; the log says which).
    #[arg(long, value_name = "ADDR", conflicts_with = "no_server")]
    pub listen: Option<String>,

    /// Do not serve the :8080 endpoints.
    #[arg(long)]
    pub no_server: bool,

    /// The backlight's switch on this GPIO line: `[display.backlight] gpio`
    /// for this run (also with --demo).
    #[arg(long, value_name = "LINE")]
    pub backlight_gpio: Option<u8>,

    /// A PIR sensor on this GPIO line: `[display.motion] gpio` for this run
    /// (also with --demo).
    #[arg(long, value_name = "LINE")]
    pub motion_gpio: Option<u8>,
}

fn parse_page(s: &str) -> Result<Page, String> {
    s.parse()
        .map_err(|e: crate::core::nav::UnknownPage| e.to_string())
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("\"{s}\" is not WIDTHxHEIGHT"))?;
    let n = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| format!("\"{s}\" is not WIDTHxHEIGHT"))
    };
    let (w, h) = (n(w)?, n(h)?);
    if !(160..=4096).contains(&w) || !(160..=4096).contains(&h) {
        return Err(format!("{w}x{h} is out of range (160 to 4096 each way)"));
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("800x480"), Ok((800, 480)));
        assert_eq!(parse_size("1024X600"), Ok((1024, 600)));
        assert!(parse_size("800").is_err());
        assert!(parse_size("10x10").is_err());
    }

    #[test]
    fn server_flags_exclude_each_other() {
        assert!(Cli::try_parse_from(["piboard", "--listen", "x:1", "--no-server"]).is_err());
        assert!(Cli::try_parse_from(["piboard", "--headless", "--screenshot", "a.png"]).is_err());
        let cli =
            Cli::try_parse_from(["piboard", "--demo", "--headless", "--listen", "127.0.0.1:0"])
                .expect("valid arguments");
        assert!(cli.headless && cli.listen.as_deref() == Some("127.0.0.1:0"));
    }

    #[test]
    fn pages_parse_by_name() {
        let cli = Cli::try_parse_from(["piboard", "--demo", "--page", "proxmox"]);
        assert_eq!(cli.map(|c| c.page).ok(), Some(Some(Page::Proxmox)));
        let e = Cli::try_parse_from(["piboard", "--page", "nodes"]).map(|_| ());
        let e = e.map_err(|e| e.to_string());
        assert!(
            e.as_ref()
                .is_err_and(|e| e.contains("\"nodes\" is not a page (overview, services")),
            "{e:?}"
        );
    }

    #[test]
    fn at_requires_demo() {
        assert!(Cli::try_parse_from(["piboard", "--at", "5"]).is_err());
        assert!(Cli::try_parse_from(["piboard", "--demo", "--at", "5"]).is_ok());
    }

    #[test]
    fn the_gpio_lines_parse_with_the_demo() {
        let cli = Cli::try_parse_from([
            "piboard",
            "--demo",
            "--backlight-gpio",
            "4",
            "--motion-gpio",
            "3",
        ])
        .expect("valid arguments");
        assert_eq!((cli.backlight_gpio, cli.motion_gpio), (Some(4), Some(3)));
        assert!(Cli::try_parse_from(["piboard", "--motion-gpio", "x"]).is_err());
    }
}
