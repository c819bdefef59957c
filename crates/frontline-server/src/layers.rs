//! The server's layers, checked: every `crate::…` path a module names must be in its own
//! layer or one below, and a transport never names another transport. The table is the
//! one in `lib.rs`'s documentation; a new top-level module must be placed in it here, or
//! this test fails and says where it is missing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Lowest first. Within a layer modules may use each other, except transports.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "connections",
            "dates",
            "error",
            "extract",
            "metrics",
            "paging",
            "passwords",
            "proxies",
            "ratelimit",
            "views",
            "hub",
            "presence",
            "delivery",
            "escalator",
            "rules",
        ],
    ),
    ("state", &["state"]),
    ("look-ups", &["auth", "authz", "lookup", "middleware"]),
    (
        "use cases",
        &[
            "account",
            "asks",
            "attachments",
            "cases",
            "customers",
            "decisions",
            "feelings",
            "guidelines",
            "leaders",
            "mail",
            "notifications",
            "org_history",
            "proposals",
            "scoreboard",
            "target_alarms",
            "signup",
            "targets",
            "voice",
            "webhooks",
        ],
    ),
    ("transports", &["api", "pages", "stream", "ops", "openapi"]),
    ("assembly", &["app", "lib"]),
];

const TRANSPORTS: usize = 4;

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module names after each `crate::` in `text` (comments included: a doc link
/// to a higher layer is a dependency a reader follows too).
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if rest.starts_with('{') {
            let group = &rest[1..rest.find('}').unwrap_or(rest.len())];
            for item in group.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

#[test]
fn no_module_names_a_layer_above_it_or_another_transport() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let first = relative.components().next().expect("a path");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "layers" {
            continue;
        }
        let Some(own) = layer_of(&module) else {
            problems.push(format!("{module}: not in the layer table (src/layers.rs)"));
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("read a source file");
        for named in named_modules(&text) {
            if named == module {
                continue;
            }
            let Some(theirs) = layer_of(&named) else {
                continue;
            };
            if theirs > own {
                problems.push(format!(
                    "{}: {module} ({}) names crate::{named} ({})",
                    relative.display(),
                    LAYERS[own].0,
                    LAYERS[theirs].0
                ));
            } else if own == TRANSPORTS && theirs == TRANSPORTS {
                problems.push(format!(
                    "{}: transport {module} names transport crate::{named}",
                    relative.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
