//! Golden tests: each tiny spec in tests/golden/<name>.yaml is generated and compared, file by
//! file, with tests/golden/<name>/ (support.rs, a fixed template, is left out).
//! `UPDATE_GOLDEN=1 cargo test -p codegen` rewrites the expected files.

use std::collections::BTreeMap;
use std::path::Path;

const EMPTY_TABLE: &str = "operation_id\tts_function\trust_function\tgroup\tmethod\tpath\n";

fn expected(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

fn golden(name: &str) {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let spec = std::fs::read_to_string(base.join(format!("{name}.yaml"))).unwrap();
    let overrides = std::fs::read_to_string(base.join(format!("{name}.toml"))).unwrap_or_default();
    let mut files = codegen::generate(&spec, EMPTY_TABLE, &overrides).unwrap();
    files.remove("src/models/support.rs");
    // Only whether it is there: its cfg line in models/mod.rs is compared.
    assert_eq!(files.remove("src/models/tagged.rs").is_some(), files["src/models/mod.rs"].contains("mod tagged;"));
    let dir = base.join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        for (path, content) in &files {
            let full = dir.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, content).unwrap();
        }
        return;
    }
    let want = expected(&dir);
    let got_names: Vec<&String> = files.keys().collect();
    let want_names: Vec<&String> = want.keys().collect();
    assert_eq!(got_names, want_names, "{name}: generated file list differs");
    for (path, content) in &files {
        let expected = &want[path];
        if content != expected {
            let line = content.lines().zip(expected.lines()).position(|(a, b)| a != b).unwrap_or(0);
            panic!(
                "{name}: {path} differs at line {}:\n  generated: {}\n  expected:  {}\n(UPDATE_GOLDEN=1 rewrites)",
                line + 1,
                content.lines().nth(line).unwrap_or("<end>"),
                expected.lines().nth(line).unwrap_or("<end>")
            );
        }
    }
}

#[test]
fn objects_params_allof_nullable_maps_arrays() {
    golden("objects");
}

#[test]
fn enums_and_unions_json_body() {
    golden("unions");
}

#[test]
fn multipart_binary_and_empty_bodies() {
    golden("bodies");
}

/// An added field must name a schema that exists and a property it does not declare yet.
#[test]
fn added_fields_must_add_something() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let spec = std::fs::read_to_string(base.join("objects.yaml")).unwrap();
    let generate = |entry: &str| codegen::generate(&spec, EMPTY_TABLE, &format!("[added_fields]\n{entry}\n"));
    let declared = generate(r#""Base.id" = { type = "string" }"#).unwrap_err();
    assert!(declared.contains("the spec declares `Base.id` now"), "{declared}");
    let missing = generate(r#""Nothing.id" = { type = "string" }"#).unwrap_err();
    assert!(missing.contains("no component schema `Nothing`"), "{missing}");
    let malformed = generate(r#""Base" = { type = "string" }"#).unwrap_err();
    assert!(malformed.contains("is not Schema.property"), "{malformed}");
}

/// The generator refuses a Cargo.toml whose group with tagged unions does not enable serde_json's
/// `raw_value` (directly or through another feature), or where a group without any enables it.
#[test]
fn manifest_features_agree_with_tagged_unions() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let spec = std::fs::read_to_string(base.join("unions.yaml")).unwrap();
    let check =
        |features: &str| codegen::check_manifest(&spec, EMPTY_TABLE, "", &format!("[features]\n{features}")).unwrap();
    let raw = r#""serde_json/raw_value""#;
    assert_eq!(check(&format!("palettes = [{raw}]\nshapes = [{raw}]\n")), Vec::<String>::new());
    // through another feature
    assert_eq!(check(&format!("palettes = [{raw}]\nshapes = [\"palettes\"]\n")), Vec::<String>::new());
    let problems = check(&format!("palettes = [{raw}]\nshapes = []\nother = [{raw}]\n"));
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("`shapes` has tagged unions"), "{problems:?}");
    assert!(problems[1].contains("`other` has no tagged union"), "{problems:?}");
    assert!(check(&format!("palettes = [{raw}]\n"))[0].contains("group `shapes` has no feature"));
}
