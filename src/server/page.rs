//! `GET /`: the live screenshot and the sources table, for looking at the
//! screen from a laptop. The table is rendered on the server, so the page
//! shows it without scripts; `/page.js` then follows `/api/events` and
//! refreshes both. No inline script or style, so the CSP stays strict.
//!
//! In setup mode (no config that loads, `view::SetupVm`) the page opens
//! with the setup screen's words, what `--check-config` says, and the
//! example config (`deploy/piboard.toml`, built in); the script reloads
//! the page once the dashboard has started.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use crate::view::{SetupVm, SourceVm, ViewModel};

/// The commented example config, as the repository ships it.
const EXAMPLE: &str = include_str!("../../deploy/piboard.toml");

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn json_word<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn row(s: &SourceVm) -> String {
    let state = json_word(&s.state);
    let last = s
        .last_success
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| "never".to_owned());
    let age = s
        .data_age_s
        .map(|a| format!("{a} s"))
        .unwrap_or_else(|| "–".to_owned());
    format!(
        "<tr class=\"{state}\"><td>{}</td><td>{}</td><td>{state}</td><td>{}</td><td>{last}</td><td>{age}</td><td>{}</td></tr>",
        esc(&s.name),
        esc(&json_word(&s.kind)),
        esc(&s.url),
        esc(s.error.as_deref().unwrap_or("")),
    )
}

/// The setup section: the screen's words, the check's, the example.
fn setup_section(s: &SetupVm) -> String {
    let url = match &s.qr {
        Some(u) => format!("<a href=\"{0}\">{0}</a>", esc(u)),
        None => esc(&s.url),
    };
    format!(
        r#"<section id="setup" class="{tone}">
<h2>{title}</h2>
<p class="problem">{problem}</p>
<p>{host_title}: <b>{hostname}</b> · {addresses}<br>{url_title}: {url}</p>
<h3>{command_title}</h3>
<p>{hint}</p>
<pre>{command}</pre>
<p>{alternative}</p>
<p>{watching}</p>
<h3>What <code>piboard --check-config</code> says</h3>
<pre>{check}</pre>
<h3>The example config (<code>deploy/piboard.toml</code>)</h3>
<pre id="example">{example}</pre>
</section>
"#,
        tone = esc(&json_word(&s.tone)),
        title = esc(&s.title),
        problem = esc(&s.problem),
        host_title = esc(&s.host_title),
        hostname = esc(&s.hostname),
        addresses = esc(&s.addresses_line),
        url_title = esc(&s.url_title),
        command_title = esc(&s.command_title),
        hint = esc(&s.command_hint),
        command = esc(&s.command),
        alternative = esc(&s.alternative),
        watching = esc(&s.watching),
        check = esc(&s.check),
        example = esc(EXAMPLE),
    )
}

fn render(vm: &ViewModel) -> String {
    let setup = vm.setup.as_ref().map(setup_section).unwrap_or_default();
    let rows: String = vm.sources.iter().map(row).collect();
    let overall = format!(
        "{} · {}",
        json_word(&vm.overall.status),
        esc(&vm.overall.reason)
    );
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>piboard</title>
<link rel="stylesheet" href="/page.css">
<script src="/page.js" defer></script>
</head>
<body>
<h1>piboard</h1>
{setup}<p id="overall">{overall}</p>
<img id="screen" src="/screenshot.png" alt="What the display shows now">
<table id="sources">
<thead><tr><th>Source</th><th>Kind</th><th>State</th><th>URL</th><th>Last success</th><th>Data age</th><th>Error</th></tr></thead>
<tbody>{rows}</tbody>
</table>
<p><a href="/api/status">/api/status</a> · <a href="/metrics">/metrics</a> · <a href="/api/health">/api/health</a></p>
</body>
</html>
"#
    )
}

pub async fn index(axum::extract::State(s): State<AppState>) -> Html<String> {
    let vm = s.views.borrow().clone();
    Html(render(&vm))
}

const SCRIPT: &str = r##"// Follows /api/events: refreshes the sources table and the screenshot.
"use strict";
(function () {
  const cell = (text) => { const td = document.createElement("td"); td.textContent = text; return td; };
  const img = document.getElementById("screen");
  const body = document.querySelector("#sources tbody");
  const overall = document.getElementById("overall");
  // Marks the page once the screenshot has loaded (the tests read it).
  const mark = () => {
    if (img.complete && img.naturalWidth > 0) {
      document.body.dataset.screen = img.naturalWidth + "x" + img.naturalHeight;
    }
  };
  img.addEventListener("load", mark);
  mark();
  const events = new EventSource("/api/events");
  events.addEventListener("status", (e) => {
    const s = JSON.parse(e.data);
    // Setup mode ended (piboard restarted with a config): show the dashboard's page.
    if (!s.setup && document.getElementById("setup")) { location.reload(); return; }
    overall.textContent = s.overall.status + " · " + s.overall.reason;
    body.replaceChildren(...s.sources.map((src) => {
      const tr = document.createElement("tr");
      tr.className = src.state;
      tr.append(cell(src.name), cell(src.kind), cell(src.state), cell(src.url),
        cell((src.last_success || "never").replace(/\.\d+Z$/, "Z")),
        cell(src.data_age_s === null ? "–" : src.data_age_s + " s"), cell(src.error || ""));
      return tr;
    }));
    img.src = "/screenshot.png?t=" + Date.now();
  });
})();
"##;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem;background:#111;color:#eee}\
img{max-width:100%;border:1px solid #444}\
table{border-collapse:collapse;margin-top:1rem}\
td,th{padding:.3rem .6rem;border-bottom:1px solid #333;text-align:left}\
tr.ok td:nth-child(3){color:#5c5}tr.stale td:nth-child(3){color:#db3}\
tr.lost td:nth-child(3),tr.error td:nth-child(3){color:#e55}a{color:#8bf}\
#setup{border:1px solid #58a6ff;border-radius:6px;padding:0 1rem;margin-bottom:1rem}\
#setup.bad{border-color:#ff5a4f}#setup.bad h2{color:#ff5a4f}#setup.info h2{color:#58a6ff}\
pre{background:#1f2630;padding:.5rem;overflow-x:auto}#example{max-height:24rem}";

pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

pub async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}
