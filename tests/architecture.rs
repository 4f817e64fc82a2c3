//! The module map in ARCHITECTURE.md is the truth: this test reads every
//! `crate::` path in `src/`, and fails when the map lists an edge the code
//! does not have, misses one it has, or when any two modules import each
//! other (directly or through others), tests included.
//!
//! An edge is "module A names `crate::B`" for the top-level modules of the
//! library (`src/NAME.rs` or `src/NAME/`). An edge used only by unit tests
//! (a `#[cfg(test)]` module or a `tests.rs` file) is listed in its own column.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Edges = BTreeMap<String, BTreeSet<String>>;

/// Each module's dependencies, split into those of its code and those only
/// its unit tests add.
#[derive(Debug, Default, PartialEq)]
struct Map {
    code: Edges,
    tests: Edges,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`None` for lib.rs and main.rs).
fn module_of(path: &Path) -> Option<String> {
    let rel = path.strip_prefix(src()).expect("a file under src/");
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// Source text with comments and string literals blanked out (lengths kept).
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        let skip = if rest.starts_with("//") {
            rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            rest.find("*/").map_or(rest.len(), |e| e + 2)
        } else if rest.starts_with('"') {
            string_len(rest)
        } else {
            raw_string_len(rest).unwrap_or_default()
        };
        if skip > 0 {
            out.extend(
                rest[..skip]
                    .chars()
                    .map(|c| if c == '\n' { '\n' } else { ' ' }),
            );
            i += skip;
        } else {
            let c = rest.chars().next().expect("not at the end");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The length of a `"..."` literal at the start of `s`.
fn string_len(s: &str) -> usize {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return i + 1,
            _ => escaped = false,
        }
    }
    s.len()
}

/// The length of a `r#"..."#` literal at the start of `s`, if it is one.
fn raw_string_len(s: &str) -> Option<usize> {
    let hashes = s
        .strip_prefix('r')?
        .chars()
        .take_while(|c| *c == '#')
        .count();
    let open = format!("r{}\"", "#".repeat(hashes));
    if !s.starts_with(&open) {
        return None;
    }
    let close = format!("\"{}", "#".repeat(hashes));
    s[open.len()..]
        .find(&close)
        .map(|e| open.len() + e + close.len())
}

/// Byte ranges of `#[cfg(test)]` items (the braces after the attribute).
fn test_ranges(code: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("#[cfg(test)]") {
        let start = from + at;
        let Some(open) = code[start..].find(['{', ';']).map(|o| start + o) else {
            break;
        };
        let end = if code.as_bytes()[open] == b';' {
            open
        } else {
            matching_brace(code, open)
        };
        ranges.push((start, end));
        from = end.max(start + 1);
    }
    ranges
}

fn matching_brace(code: &str, open: usize) -> usize {
    let mut depth = 0;
    for (i, c) in code[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return open + i;
                }
            }
            _ => {}
        }
    }
    code.len()
}

/// Every top-level module named by a `crate::` path, with its byte offset.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("crate::") {
        let start = from + at;
        let after = start + "crate::".len();
        let preceded_by_ident = code[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if !preceded_by_ident {
            if code[after..].starts_with('{') {
                let close = matching_brace(code, after);
                for name in group_heads(&code[after + 1..close]) {
                    found.push((start, name));
                }
            } else {
                found.push((start, ident(&code[after..])));
            }
        }
        from = after;
    }
    found
}

/// The first identifier of each comma-separated item of a `use` group.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut item_start = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                heads.push(ident(group[item_start..i].trim_start()));
                item_start = i + 1;
            }
            _ => {}
        }
    }
    heads.push(ident(group[item_start..].trim_start()));
    heads.retain(|h| !h.is_empty());
    heads
}

fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The module map as the code has it.
fn map_from_code() -> Map {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut map = Map::default();
    for file in files {
        let Some(module) = module_of(&file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        let code = code_only(&text);
        let tests = test_ranges(&code);
        let whole_file_is_tests = file.file_name().is_some_and(|n| n == "tests.rs");
        for (at, target) in crate_paths(&code) {
            if target == module {
                continue;
            }
            let in_tests =
                whole_file_is_tests || tests.iter().any(|(s, e)| (*s..=*e).contains(&at));
            let edges = if in_tests {
                &mut map.tests
            } else {
                &mut map.code
            };
            edges.entry(module.clone()).or_default().insert(target);
        }
    }
    // A test-only edge that the code has anyway is just a code edge.
    for (module, deps) in &mut map.tests {
        if let Some(code) = map.code.get(module) {
            deps.retain(|d| !code.contains(d));
        }
    }
    map.tests.retain(|_, deps| !deps.is_empty());
    map
}

/// The module map as ARCHITECTURE.md states it: the table between
/// `<!-- module-map -->` and `<!-- /module-map -->`, whose rows are
/// `| \`module\` | role | \`dep\`, ... | \`test dep\`, ... |`.
fn map_from_doc() -> Map {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .expect("ARCHITECTURE.md");
    let start = doc
        .find("<!-- module-map -->")
        .expect("the module-map marker");
    let end = doc.find("<!-- /module-map -->").expect("the end marker");
    let mut map = Map::default();
    for row in doc[start..end].lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let [_, module, _role, deps, test_deps, ..] = cells[..] else {
            panic!("a module-map row has four cells: {row}");
        };
        let module = names(module).into_iter().next().expect("a module name");
        for (cell, edges) in [(deps, &mut map.code), (test_deps, &mut map.tests)] {
            let names = names(cell);
            if !names.is_empty() {
                edges.insert(module.clone(), names);
            }
        }
    }
    map
}

/// The `backticked` names in a table cell.
fn names(cell: &str) -> BTreeSet<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// A cycle through `edges`, if there is one, as the path that closes it.
fn find_cycle(edges: &Edges) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &Edges,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|start| visit(start, edges, &mut Vec::new(), &mut done))
}

fn union(a: &Edges, b: &Edges) -> Edges {
    let mut all = a.clone();
    for (module, deps) in b {
        all.entry(module.clone())
            .or_default()
            .extend(deps.iter().cloned());
    }
    all
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let map = map_from_code();
    let all = union(&map.code, &map.tests);
    assert_eq!(
        find_cycle(&all),
        None,
        "a cycle in the module graph (tests included)"
    );
}

#[test]
fn the_module_map_in_architecture_md_is_the_one_the_code_has() {
    let code = map_from_code();
    let doc = map_from_doc();
    let render = |edges: &Edges| {
        edges
            .iter()
            .map(|(m, d)| {
                format!(
                    "{m} -> {}",
                    d.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        render(&doc.code),
        render(&code.code),
        "ARCHITECTURE.md's module map (left) differs from the imports (right)"
    );
    assert_eq!(
        render(&doc.tests),
        render(&code.tests),
        "the test-only edges in ARCHITECTURE.md (left) differ from the imports (right)"
    );
}

#[test]
fn the_reader_finds_paths_in_groups_and_skips_comments_strings_and_tests() {
    let code = code_only(
        "use crate::{core::{A, B}, view, telemetry::T};\n\
         // crate::server in a comment\n\
         let s = \"crate::app\"; let r = r#\"crate::hub\"#;\n\
         fn f() { crate::sources::run(); }\n\
         #[cfg(test)]\nmod tests { use crate::demo; }\n",
    );
    let found: Vec<String> = crate_paths(&code).into_iter().map(|(_, m)| m).collect();
    assert_eq!(found, ["core", "view", "telemetry", "sources", "demo"]);
    let tests = test_ranges(&code);
    let demo_at = code.find("crate::demo").expect("present");
    let sources_at = code.find("crate::sources").expect("present");
    assert!(tests.iter().any(|(s, e)| (*s..=*e).contains(&demo_at)));
    assert!(!tests.iter().any(|(s, e)| (*s..=*e).contains(&sources_at)));
}

#[test]
fn a_cycle_is_found_and_named() {
    let mut edges = Edges::new();
    let mut add = |a: &str, b: &str| {
        edges.entry(a.to_owned()).or_default().insert(b.to_owned());
    };
    add("config", "core");
    add("config", "platform");
    add("platform", "bridge");
    add("platform", "config");
    assert_eq!(
        find_cycle(&edges),
        Some(vec!["config".into(), "platform".into(), "config".into()])
    );
}
