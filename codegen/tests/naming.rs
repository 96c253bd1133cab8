//! The naming rules, checked on the whole pinned spec: no generated type or variant name says a
//! word twice in a row (`ChatContentImageImageUrl`) or carries a number the generator added to
//! tell two apart (`Array2`, `WebSearch2`, `ThingInline2`); numbers that are the spec's own
//! (`Base64`, `Bm25`, a dated tool version `Compact20260112`) are kept.

use std::path::Path;

fn generated() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let files = codegen::generate(
        &read("spec/openrouter.openapi.json"),
        &read("codegen/operations.tsv"),
        &read("codegen/overrides.toml"),
    )
    .expect("the pinned spec generates");
    files.into_iter().filter(|(p, _)| p.starts_with("src/models/")).collect()
}

/// Type names and `Enum::Variant` names declared in generated source.
fn names(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_enum: Option<String> = None;
    for line in source.lines() {
        let t = line.trim();
        for kw in ["pub struct ", "pub enum ", "pub type "] {
            if let Some(rest) = t.strip_prefix(kw) {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                out.push(name.clone());
                in_enum = (kw == "pub enum ").then_some(name);
            }
        }
        if let Some(e) = &in_enum {
            if t == "}" {
                in_enum = None;
            } else if let Some((v, _)) = t.split_once('(') {
                if v.chars().all(|c| c.is_alphanumeric()) && !v.is_empty() {
                    out.push(format!("{e}::{v}"));
                }
            }
        }
    }
    out
}

fn numbered(name: &str) -> bool {
    let b = name.as_bytes();
    let inline = name.trim_end_matches(|c: char| c.is_ascii_digit()).ends_with("Inline");
    inline || (b.len() > 1 && matches!(b[b.len() - 1], b'2'..=b'9') && b[b.len() - 2].is_ascii_lowercase())
}

#[test]
fn no_stuttering_or_numbered_names() {
    let mut bad = Vec::new();
    let mut count = 0;
    for (path, source) in generated() {
        for name in names(&source) {
            count += 1;
            let last = name.rsplit("::").next().unwrap();
            let words = codegen::name_words(last);
            if words.windows(2).any(|w| w[0] == w[1]) || numbered(last) {
                bad.push(format!("{path}: {name}"));
            }
        }
    }
    assert!(count > 2000, "only {count} names found: the scan is broken");
    assert!(bad.is_empty(), "{} bad names:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn the_rules() {
    assert_eq!(codegen::name_words("STTRequestProvider"), ["STT", "Request", "Provider"]);
    assert_eq!(codegen::name_words("AnthropicBase64Source"), ["Anthropic", "Base", "64", "Source"]);
    assert_eq!(codegen::destutter("ChatContentImageImageUrl"), "ChatContentImageUrl");
    assert_eq!(codegen::destutter("ChatFunctionToolFunctionFunction"), "ChatFunctionToolFunction");
    assert_eq!(codegen::destutter("AABenchmarkEntry"), "AABenchmarkEntry");
    assert!(numbered("Array2") && numbered("ThingInline") && !numbered("AnthropicToolSearchToolBm25"));
    assert!(!numbered("Compact20260112") && !numbered("Base64") && !numbered("S3"));
    assert!(!numbered("STTInlineInputAudio"));
}
