//! `cargo run -p codegen` regenerates src/models, src/funcs, src/client.rs, src/mock/routes.rs and
//! tests/conformance_dispatch from
//! spec/openrouter.openapi.json, codegen/operations.tsv and codegen/overrides.toml.
//! `cargo run -p codegen -- --check` writes nothing and exits 1 when the committed files differ.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Generated directories: every file in them is owned by the generator.
const OWNED_DIRS: &[&str] = &["src/models", "src/funcs", "tests/conformance_dispatch"];

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("cannot read {p}: {e}"));
    let (spec, operations, overrides) =
        (read("spec/openrouter.openapi.json"), read("codegen/operations.tsv"), read("codegen/overrides.toml"));
    // The models, functions and client, then the mock server's route table (src/mock/routes.rs).
    let generated = codegen::generate(&spec, &operations, &overrides).and_then(|mut files| {
        files.extend([codegen::mock::generate(&spec, &operations, &overrides)?]);
        Ok(files)
    });
    let files = match generated {
        Ok(f) => f,
        Err(e) => {
            eprintln!("codegen: {e}");
            return ExitCode::from(2);
        }
    };
    // Cargo.toml is written by hand; the features of the groups with tagged unions must agree
    // with the generated `#[cfg]` of models/tagged.rs.
    match codegen::check_manifest(&spec, &operations, &overrides, &read("Cargo.toml")) {
        Ok(problems) if problems.is_empty() => {}
        Ok(problems) => {
            for p in problems {
                eprintln!("codegen: Cargo.toml: {p}");
            }
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("codegen: {e}");
            return ExitCode::from(2);
        }
    }
    let mut existing = BTreeSet::new();
    for dir in OWNED_DIRS {
        collect(&root, &root.join(dir), &mut existing);
    }
    if check {
        let mut differ = 0;
        for (path, content) in &files {
            match std::fs::read_to_string(root.join(path)) {
                Ok(old) if old == *content => {}
                Ok(old) => {
                    differ += 1;
                    let line = old
                        .lines()
                        .zip(content.lines())
                        .position(|(a, b)| a != b)
                        .unwrap_or_else(|| old.lines().count().min(content.lines().count()));
                    eprintln!("differs: {path} (first difference at line {})", line + 1);
                    eprintln!("  committed: {}", old.lines().nth(line).unwrap_or("<end of file>"));
                    eprintln!("  generated: {}", content.lines().nth(line).unwrap_or("<end of file>"));
                }
                Err(_) => {
                    differ += 1;
                    eprintln!("missing: {path}");
                }
            }
        }
        for path in &existing {
            if !files.contains_key(path) {
                differ += 1;
                eprintln!("not generated (stale): {path}");
            }
        }
        if differ > 0 {
            eprintln!("codegen --check: {differ} file(s) differ; run `cargo run -p codegen` and commit");
            return ExitCode::FAILURE;
        }
        eprintln!("codegen --check: {} files up to date", files.len());
        return ExitCode::SUCCESS;
    }
    for path in &existing {
        if !files.contains_key(path) {
            let _ = std::fs::remove_file(root.join(path));
        }
    }
    for (path, content) in &files {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        if std::fs::read_to_string(&full).ok().as_deref() != Some(content) {
            std::fs::write(&full, content).unwrap();
        }
    }
    eprintln!("codegen: wrote {} files", files.len());
    ExitCode::SUCCESS
}

fn collect(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}
