//! The engine's layering, held by a test: which top-level module of `engine/src` may use which.
//! Data flows one way — plan → compile → workers (interpreter over the HTTP client over the
//! network) → snapshots → collector → result — and nothing downstream reaches back up. A `crate::`
//! path against this table fails the test, naming the file, the line and the `use`.

use std::collections::BTreeMap;
use std::path::Path;

/// Each top-level module and the modules it may depend on. Foundations first.
const ALLOWED: &[(&str, &[&str])] = &[
    ("clock", &[]),
    ("error", &[]),
    ("template", &[]),
    ("metrics", &[]),
    // Learning workloads from access logs: a tool beside the engine, using none of it.
    ("learn", &[]),
    ("http", &["metrics"]),
    ("thresholds", &["clock", "error", "metrics"]),
    // What to do: nothing here runs, opens a socket or resolves a name.
    (
        "plan",
        &[
            "clock",
            "error",
            "http",
            "metrics",
            "template",
            "thresholds",
        ],
    ),
    ("executor", &["clock", "plan"]),
    ("net", &["clock", "error", "metrics", "plan"]),
    (
        "client",
        &["clock", "error", "http", "metrics", "net", "plan"],
    ),
    ("vu", &["client", "http", "metrics", "plan", "template"]),
    (
        "worker",
        &[
            "client", "clock", "executor", "metrics", "net", "plan", "vu",
        ],
    ),
    ("result", &["executor", "metrics", "plan", "thresholds"]),
    ("health", &["executor", "metrics", "plan", "result"]),
    ("output", &["error", "metrics", "plan", "result"]),
    (
        "collector",
        &[
            "executor",
            "health",
            "metrics",
            "output",
            "plan",
            "result",
            "thresholds",
            "worker",
        ],
    ),
    (
        "assemble",
        &[
            "clock",
            "collector",
            "executor",
            "health",
            "metrics",
            "plan",
            "result",
            "thresholds",
        ],
    ),
    (
        "run",
        &[
            "assemble",
            "clock",
            "collector",
            "error",
            "metrics",
            "net",
            "output",
            "plan",
            "result",
            "worker",
        ],
    ),
    // The fuzz targets' entry points (feature `fuzzing`): they drive the codec, the client's
    // cookie jar and redirects, templates, thresholds and plans directly.
    (
        "fuzz",
        &[
            "client",
            "error",
            "http",
            "net",
            "plan",
            "template",
            "thresholds",
        ],
    ),
];

/// A `crate::` path that the table does not allow.
#[derive(Debug, PartialEq)]
struct Violation {
    file: String,
    line: usize,
    from: String,
    to: String,
    text: String,
}

/// The top-level module a file under `src` belongs to (`plan/compile/mod.rs` → `plan`); None for
/// `lib.rs`, which assembles the public surface.
fn module_of(relative: &str) -> Option<String> {
    let first = relative.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    match name {
        "lib" => None,
        // Unit tests kept beside their module with `#[path]`.
        n => Some(n.strip_suffix("_tests").unwrap_or(n).to_string()),
    }
}

/// Every `crate::x` in `source` (a file of module `from`) that the table does not allow.
fn check_file(
    file: &str,
    from: &str,
    source: &str,
    allowed: &BTreeMap<&str, &[&str]>,
) -> Vec<Violation> {
    let Some(may) = allowed.get(from) else {
        return vec![Violation {
            file: file.into(),
            line: 0,
            from: from.into(),
            to: "?".into(),
            text: format!("module {from:?} is not in the layering table: add it to ALLOWED"),
        }];
    };
    let mut out = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let to: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if to != from && !may.contains(&to.as_str()) {
                out.push(Violation {
                    file: file.into(),
                    line: i + 1,
                    from: from.into(),
                    to: to.clone(),
                    text: line.trim().into(),
                });
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("engine/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_depends_against_the_layering() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() > 50,
        "found only {} files under {src:?}",
        files.len()
    );
    let mut violations = Vec::new();
    for path in files {
        let relative = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let Some(from) = module_of(&relative) else {
            continue;
        };
        let source = std::fs::read_to_string(&path).unwrap();
        violations.extend(check_file(&relative, &from, &source, &allowed));
    }
    let report: Vec<String> = violations
        .iter()
        .map(|v| {
            format!(
                "  {}:{}: {} -> {}: {}",
                v.file, v.line, v.from, v.to, v.text
            )
        })
        .collect();
    assert!(
        report.is_empty(),
        "uses against the layering (engine/tests/it/layering.rs holds the table):\n{}",
        report.join("\n")
    );
}

#[test]
fn a_back_edge_is_caught_and_named() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    // The plan reaching into a worker, and the interpreter into the collector: both back edges.
    let source = "//! A doc comment naming crate::worker is fine.\n\
                  use crate::template::Template;\n\
                  use crate::worker::StopSignal; // a back edge\n\
                  fn f() { let _ = crate::metrics::Hist::new(); }\n";
    let found = check_file("plan/x.rs", "plan", source, &allowed);
    assert_eq!(
        found,
        vec![Violation {
            file: "plan/x.rs".into(),
            line: 3,
            from: "plan".into(),
            to: "worker".into(),
            text: "use crate::worker::StopSignal; // a back edge".into(),
        }]
    );
    let found = check_file("vu/x.rs", "vu", "use crate::collector::Progress;", &allowed);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].to, "collector");
    // A module missing from the table is a failure too, not a silent pass.
    assert_eq!(check_file("new.rs", "new", "", &allowed).len(), 1);
    assert_eq!(module_of("plan/compile/mod.rs").as_deref(), Some("plan"));
    assert_eq!(module_of("template_tests.rs").as_deref(), Some("template"));
    assert_eq!(module_of("lib.rs"), None);
}

#[test]
fn the_table_itself_has_no_cycle() {
    // Every module may only use modules listed before it: the order is a topological one.
    let mut seen: Vec<&str> = Vec::new();
    for (module, deps) in ALLOWED {
        for d in *deps {
            assert!(
                seen.contains(d),
                "{module} may use {d}, which is listed after it"
            );
        }
        seen.push(module);
    }
}
