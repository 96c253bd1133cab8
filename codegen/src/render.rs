//! From the intermediate model to Rust source text (formatted afterwards by rustfmt).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::model::{Body, Def, Field, Kind, Loc, Model, Operation, Pagination, Response, Ty, Variant};

fn header(model: &Model) -> String {
    crate::SPEC_VERSION_LINE.replace("{VERSION}", &model.version) + "\n"
}

/// Clean a spec description into doc comment lines: HTML tags dropped, code fences marked
/// `text`, indentation removed (no accidental code blocks), bare URLs wrapped, stray brackets
/// escaped.
pub fn doc_lines(text: &str) -> Vec<String> {
    // Site-relative links (`[Management key](/docs/...)`) become absolute, so they work on docs.rs.
    let text = strip_html(text).replace("](/", "](https://openrouter.ai/");
    let mut out = Vec::new();
    let mut in_fence = false;
    for raw in text.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            if in_fence {
                out.push("```".to_string());
            } else {
                out.push("```text".to_string());
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_string());
        } else {
            out.push(escape_md(trimmed));
        }
    }
    if in_fence {
        out.push("```".to_string());
    }
    while out.last().map(|l| l.is_empty()).unwrap_or(false) {
        out.pop();
    }
    while out.first().map(|l| l.is_empty()).unwrap_or(false) {
        out.remove(0);
    }
    // collapse runs of blank lines
    let mut collapsed: Vec<String> = Vec::new();
    for l in out {
        if l.is_empty() && collapsed.last().map(|p| p.is_empty()).unwrap_or(false) {
            continue;
        }
        collapsed.push(l);
    }
    collapsed
}

fn strip_html(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '<' && i + 1 < chars.len() && (chars[i + 1].is_ascii_alphabetic() || chars[i + 1] == '/') {
            if let Some(end) = chars[i + 1..].iter().take(300).position(|&c| c == '>' || c == '<') {
                let end = i + 1 + end;
                if chars[end] == '>' {
                    let tag: String = chars[i + 1..end].iter().collect();
                    let name =
                        tag.trim_start_matches('/').split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("");
                    let known = [
                        "a", "b", "i", "p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "div", "span",
                        "table", "tr", "td", "th", "thead", "tbody", "h1", "h2", "h3", "h4", "sup", "sub", "img",
                        "details", "summary",
                    ];
                    if tag.starts_with("http") {
                        // autolink <https://...>: keep
                    } else if known.contains(&name.to_ascii_lowercase().as_str()) {
                        if matches!(name, "br" | "p" | "li" | "div" | "tr") {
                            out.push('\n');
                        }
                        if name == "code" {
                            out.push('`');
                        }
                        i = end + 1;
                        continue;
                    } else {
                        // something like `Vec<T>` or `<model>`: escape so rustdoc does not see HTML
                        out.push('\\');
                    }
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "\\<").replace("&gt;", ">").replace("&quot;", "\"")
}

fn escape_md(line: &str) -> String {
    // Wrap bare URLs and escape brackets that do not form a markdown link.
    let mut out = String::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let mut in_code = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            i += 1;
            continue;
        }
        if in_code {
            out.push(c);
            i += 1;
            continue;
        }
        let rest: String = chars[i..].iter().take(8).collect();
        if (rest.starts_with("https://") || rest.starts_with("http://"))
            && (i == 0
                || !matches!(chars[i - 1], '(' | '<' | '"' | '\'' | '[')
                || (chars[i - 1] == '(' && (i < 2 || chars[i - 2] != ']')))
        {
            let mut j = i;
            while j < chars.len()
                && !chars[j].is_whitespace()
                && !matches!(chars[j], ')' | '>' | '"' | '\'' | '`' | ']' | ',')
            {
                j += 1;
            }
            while j > i && matches!(chars[j - 1], '.' | ';' | ':' | '!' | '?') {
                j -= 1;
            }
            out.push('<');
            out.extend(&chars[i..j]);
            out.push('>');
            i = j;
            continue;
        }
        if c == '[' {
            // keep [text](url)
            if let Some(close) = chars[i..].iter().position(|&c| c == ']') {
                let close = i + close;
                if close + 1 < chars.len() && chars[close + 1] == '(' {
                    out.push(c);
                    i += 1;
                    continue;
                }
            }
            out.push_str("\\[");
            i += 1;
            continue;
        }
        if c == ']' {
            if i + 1 < chars.len() && chars[i + 1] == '(' {
                out.push(c);
            } else {
                out.push_str("\\]");
            }
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

pub(crate) fn doc(out: &mut String, text: &str) {
    for l in doc_lines(text) {
        if l.is_empty() {
            out.push_str("///\n");
        } else {
            let _ = writeln!(out, "/// {l}");
        }
    }
}

pub(crate) fn ty(t: &Ty) -> String {
    match t {
        Ty::Str => "String".into(),
        Ty::I64 => "i64".into(),
        Ty::F64 => "f64".into(),
        Ty::Bool => "bool".into(),
        Ty::Value => "serde_json::Value".into(),
        Ty::JsonMap => "serde_json::Map<String, serde_json::Value>".into(),
        Ty::Vec(t) => format!("Vec<{}>", ty(t)),
        Ty::Map(t) => format!("std::collections::BTreeMap<String, {}>", ty(t)),
        Ty::Named(n) => n.clone(),
        Ty::File => "crate::FileUpload".into(),
    }
}

fn ty_boxed(t: &Ty, boxed: bool) -> String {
    if boxed {
        format!("Box<{}>", ty(t))
    } else {
        ty(t)
    }
}

fn field_ty(f: &Field) -> String {
    let base = ty_boxed(&f.ty, f.boxed);
    match (f.required, f.nullable) {
        (true, false) => base,
        // optional, nullable, or both: absent and `null` read the same
        (true, true) | (false, false) | (false, true) => format!("Option<{base}>"),
    }
}

/// How a struct field is read and written (the kinds of `json_object!` in support.rs).
fn field_kind(f: &Field) -> &'static str {
    match (f.required, f.nullable) {
        // a required list or map the API leaves out reads as empty
        (true, false) if matches!(f.ty, Ty::Vec(_) | Ty::Map(_) | Ty::JsonMap) => "defaulted",
        (true, false) => "required",
        (true, true) => "defaulted",
        (false, _) => "optional",
    }
}

/// Whether a field of type `t` (as an `Option` or a `Box` too) decodes in place: an object that is
/// `Default`, or a list of them (`Fill` in support.rs).
fn fills(model: &Model, t: &Ty) -> bool {
    match t {
        Ty::Named(n) => {
            model.defaultable.contains(n) && model.defs.get(n).is_some_and(|d| matches!(d.kind, Kind::Struct { .. }))
        }
        Ty::Vec(item) => matches!(**item, Ty::Named(_)) && fills(model, item),
        _ => false,
    }
}

fn cfg_any(groups: &BTreeSet<String>) -> String {
    if groups.len() == 1 {
        format!("#[cfg(feature = \"{}\")]\n", groups.iter().next().unwrap())
    } else {
        let list: Vec<String> = groups.iter().map(|g| format!("feature = \"{g}\"")).collect();
        format!("#[cfg(any({}))]\n", list.join(", "))
    }
}

fn raw_ident(id: &str) -> &str {
    id.strip_prefix("r#").unwrap_or(id)
}

/// `#[deprecated]` with the spec's note, for a deprecated item or field.
pub(crate) fn deprecated_attr(note: &Option<String>) -> String {
    match note.as_deref() {
        None => String::new(),
        Some("") => "#[deprecated]\n".into(),
        Some(note) => format!("#[deprecated(note = {note:?})]\n"),
    }
}

fn render_def(model: &Model, d: &Def, out: &mut String) {
    let docs = d.doc.clone();
    let dep = deprecated_attr(&d.deprecated);
    let default = model.defaultable.contains(&d.name);
    match &d.kind {
        Kind::Struct { fields } => {
            // One declaration: `json_object!` writes the struct (with `extra`) and its Serialize
            // and Deserialize, a visitor over the object's entries (support.rs), not serde's
            // derive with `flatten`, which buffers every object before decoding it.
            // A `Default` object decodes in place (`Fill` in support.rs), and so do its fields that
            // hold such objects.
            out.push_str(if default { "json_object! {\nin_place;\n" } else { "json_object! {\n" });
            doc(out, &docs);
            out.push_str(&dep);
            let derives = if default { "Debug, Clone, Default, PartialEq" } else { "Debug, Clone, PartialEq" };
            let _ = writeln!(out, "#[derive({derives})]\npub struct {} {{", d.name);
            for f in fields {
                doc(out, &f.doc);
                out.push_str(&deprecated_attr(&f.deprecated));
                let how = if default && fills(model, &f.ty) { " in_place" } else { "" };
                let _ = writeln!(out, "pub {}: {} = {:?} {}{how},", f.ident, field_ty(f), f.wire, field_kind(f));
            }
            out.push_str("}\n}\n\n");
            render_builders(model, d, fields, true, out);
        }
        Kind::OpenEnum { variants } => {
            out.push_str("open_enum! {\n");
            doc(out, &docs);
            out.push_str(&dep);
            let _ = writeln!(out, "pub enum {} {{", d.name);
            for (ident, value) in variants {
                let _ = writeln!(out, "{ident} = {value:?},");
            }
            out.push_str("}\n}\n\n");
        }
        Kind::Tag { variant, value } => {
            out.push_str("tag_enum! {\n");
            doc(out, &docs);
            out.push_str(&dep);
            let _ = writeln!(out, "pub enum {} {{ {variant} = {value:?} }}\n}}\n", d.name);
        }
        Kind::Tagged { prop, variants } => {
            out.push_str("tagged_union! {\n");
            doc(out, &docs);
            out.push_str(&dep);
            let _ = writeln!(out, "pub enum {} ({prop:?}) {{", d.name);
            for v in variants {
                let tags: Vec<String> = v.tags.iter().map(|t| format!("{t:?}")).collect();
                let _ = writeln!(out, "{}({}) => {},", v.ident, tags.join(" | "), ty_boxed(&v.ty, v.boxed));
            }
            out.push_str("}\n}\n\n");
            render_union_froms(model, &d.name, variants, out);
        }
        Kind::Untagged { variants } => {
            out.push_str("untagged_union! {\n");
            doc(out, &docs);
            out.push_str(&dep);
            let _ = writeln!(out, "pub enum {} {{", d.name);
            for Variant { ident, ty: t, boxed, .. } in variants {
                let _ = writeln!(out, "{ident}({}) as {},", ty_boxed(t, *boxed), json_kind(model, t));
            }
            out.push_str("}\n}\n\n");
            render_union_froms(model, &d.name, variants, out);
        }
        Kind::Alias(t) => {
            doc(out, &docs);
            out.push_str(&dep);
            let _ = writeln!(out, "pub type {} = {};\n", d.name, ty(t));
        }
        Kind::Request { op, fields } => render_request(model, d, op, fields, default, out),
        Kind::Multipart { fields } => {
            doc(out, &docs);
            out.push_str(&dep);
            let _ = writeln!(out, "///\n/// Sent as a `multipart/form-data` form.");
            let derives = if default { "Debug, Clone, Default, PartialEq" } else { "Debug, Clone, PartialEq" };
            let _ = writeln!(out, "#[derive({derives})]\npub struct {} {{", d.name);
            for f in fields {
                doc(out, &f.doc);
                out.push_str(&deprecated_attr(&f.deprecated));
                let _ = writeln!(out, "pub {}: {},", f.ident, field_ty(f));
            }
            out.push_str("}\n\n");
            render_builders(model, d, fields, false, out);
        }
    }
}

fn render_request(model: &Model, d: &Def, op_id: &str, fields: &[Field], default: bool, out: &mut String) {
    let op = model.ops.iter().find(|o| o.request == d.name).expect("request op");
    let _ = op_id;
    let _ = writeln!(
        out,
        "/// Inputs of [`{f}`](crate::funcs::{f}) (`{} {}`): path, query and header parameters and the body.",
        op.method,
        op.path,
        f = op.function
    );
    let derives = if default { "Debug, Clone, Default, PartialEq" } else { "Debug, Clone, PartialEq" };
    let _ = writeln!(out, "#[derive({derives})]\npub struct {} {{", d.name);
    for f in fields {
        let mut text = f.doc.clone();
        let place = match f.loc {
            Loc::Path => Some("Path parameter"),
            Loc::Query => Some("Query parameter"),
            Loc::Header => Some("Header"),
            _ => None,
        };
        if let Some(p) = place {
            let note = format!("{p} `{}`.", f.wire);
            text = if text.is_empty() { note } else { format!("{text}\n\n{note}") };
        }
        doc(out, &text);
        let _ = writeln!(out, "pub {}: {},", f.ident, field_ty(f));
    }
    out.push_str("}\n\n");
    render_builders(model, d, fields, false, out);
    // A request whose only required input is its body is made from the body.
    let required: Vec<&Field> = fields.iter().filter(|f| f.required && !f.nullable).collect();
    if let [body] = required[..] {
        if body.loc == Loc::Body {
            let _ = writeln!(
                out,
                "impl From<{b}> for {r} {{\nfn from(body: {b}) -> Self {{\nSelf::new(body)\n}}\n}}\n",
                b = ty(&body.ty),
                r = d.name
            );
        }
    }
}

/// The kind of JSON a union variant of type `t` reads (`untagged_union!` in support.rs).
fn json_kind(model: &Model, t: &Ty) -> &'static str {
    match t {
        Ty::Str => "String",
        Ty::I64 => "Integer",
        Ty::F64 => "Number",
        Ty::Bool => "Bool",
        Ty::Vec(_) => "Array",
        Ty::Map(_) | Ty::JsonMap => "Object",
        Ty::Value | Ty::File => "Any",
        Ty::Named(n) => match model.defs.get(n).map(|d| &d.kind) {
            Some(Kind::Struct { .. } | Kind::Tagged { .. } | Kind::Request { .. } | Kind::Multipart { .. }) => "Object",
            Some(Kind::OpenEnum { .. } | Kind::Tag { .. }) => "String",
            Some(Kind::Alias(inner)) => json_kind(model, inner),
            Some(Kind::Untagged { .. }) | None => "Any",
        },
    }
}

/// A type with aliases followed (`pub type A = B;` makes `A` and `B` one type to the compiler).
fn canonical(model: &Model, t: &Ty) -> String {
    match t {
        Ty::Named(n) => match model.defs.get(n).map(|d| &d.kind) {
            Some(Kind::Alias(inner)) => canonical(model, inner),
            _ => n.clone(),
        },
        Ty::Vec(inner) => format!("Vec<{}>", canonical(model, inner)),
        Ty::Map(inner) => format!("std::collections::BTreeMap<String, {}>", canonical(model, inner)),
        other => ty(other),
    }
}

/// `From` each variant's type (when no other variant has the same type), so a value converts
/// into the union with `.into()`; a string variant also takes `&str`, a list of strings
/// `Vec<&str>`.
fn render_union_froms(model: &Model, name: &str, variants: &[Variant], out: &mut String) {
    let types: Vec<String> = variants.iter().map(|v| canonical(model, &v.ty)).collect();
    for (v, t) in variants.iter().zip(&types) {
        if types.iter().filter(|x| *x == t).count() > 1
            || model.hand_written.contains(&format!("{name}.From<{}>", ty(&v.ty)))
        {
            continue;
        }
        let value = if v.boxed { "Box::new(value)" } else { "value" };
        let _ = writeln!(
            out,
            "impl From<{}> for {name} {{\nfn from(value: {}) -> Self {{\nSelf::{}({value})\n}}\n}}\n",
            ty(&v.ty),
            ty(&v.ty),
            v.ident
        );
        let wrap = |inner: &str| if v.boxed { format!("Box::new({inner})") } else { inner.to_string() };
        if v.ty == Ty::Str {
            let _ = writeln!(
                out,
                "impl From<&str> for {name} {{\nfn from(value: &str) -> Self {{\nSelf::{}({})\n}}\n}}\n",
                v.ident,
                wrap("value.to_owned()")
            );
        }
        if v.ty == Ty::Vec(Box::new(Ty::Str)) {
            let _ = writeln!(
                out,
                "impl From<Vec<&str>> for {name} {{\nfn from(value: Vec<&str>) -> Self {{\nSelf::{}({})\n}}\n}}\n",
                v.ident,
                wrap("value.into_iter().map(String::from).collect()")
            );
        }
    }
}

/// `new(..)` with the required fields (in the order of the spec's `required` list; single-value
/// tags are filled in), a chainable setter taking `impl Into<T>` for every other field, and, for
/// an optional nullable field of an object, `clear_<field>()`, which sends an explicit `null`.
fn render_builders(model: &Model, d: &Def, fields: &[Field], has_extra: bool, out: &mut String) {
    let is_tag = |f: &Field| {
        f.ty.by_value().is_some_and(|n| matches!(model.defs.get(n).map(|d| &d.kind), Some(Kind::Tag { .. })))
    };
    let mut args: Vec<&Field> = fields.iter().filter(|f| f.required && !f.nullable && !is_tag(f)).collect();
    args.sort_by_key(|f| f.rank);
    let mut methods = BTreeSet::from(["new".to_string()]);
    let mut claim = |name: String| {
        assert!(methods.insert(name.clone()), "{}: two methods named {name}", d.name);
        name
    };
    let into = |f: &Field, v: &str| if f.boxed { format!("Box::new({v}.into())") } else { format!("{v}.into()") };
    let _ = writeln!(out, "impl {} {{", d.name);
    if args.is_empty() {
        out.push_str("/// A value with every field unset.\n");
    } else {
        out.push_str("/// A value with the required fields; set the others with the setters.\n");
    }
    if args.len() > 7 {
        out.push_str("#[allow(clippy::too_many_arguments)]\n");
    }
    let params: Vec<String> = args.iter().map(|f| format!("{}: impl Into<{}>", f.ident, ty(&f.ty))).collect();
    let _ = writeln!(out, "pub fn new({}) -> Self {{\nSelf {{", params.join(", "));
    for f in fields {
        if args.iter().any(|a| a.ident == f.ident) {
            let _ = writeln!(out, "{}: {},", f.ident, into(f, &f.ident));
        } else if f.required && !f.nullable {
            // a single-value tag
            let _ = writeln!(out, "{}: Default::default(),", f.ident);
        } else {
            let _ = writeln!(out, "{}: None,", f.ident);
        }
    }
    if has_extra {
        out.push_str("extra: serde_json::Map::new(),\n");
    }
    out.push_str("}\n}\n");
    for f in fields.iter().filter(|f| !f.required || f.nullable) {
        if model.hand_written.contains(&format!("{}.{}", d.name, f.wire)) {
            continue;
        }
        let first = doc_lines(&f.doc).into_iter().next().unwrap_or_default();
        let summary = if first.is_empty() || first.starts_with("```") {
            format!("Sets `{}`.", raw_ident(&f.ident))
        } else {
            first
        };
        let name = claim(f.ident.clone());
        let dep = deprecated_attr(&f.deprecated);
        let _ = writeln!(
            out,
            "\n/// {summary}\n{dep}pub fn {name}(mut self, value: impl Into<{}>) -> Self {{\nself.{} = Some({});\nself\n}}",
            ty(&f.ty),
            f.ident,
            into(f, "value")
        );
        if has_extra && !f.required && f.nullable {
            let name = claim(format!("clear_{}", raw_ident(&f.ident)));
            let _ = writeln!(
                out,
                "\n/// Sends `\"{w}\": null` (in an update: clears the value).\n{dep}pub fn {name}(mut self) -> Self {{\n\
                 self.{} = None;\nself.extra.insert({w:?}.into(), serde_json::Value::Null);\nself\n}}",
                f.ident,
                w = f.wire
            );
        }
    }
    out.push_str("}\n\n");
}

/// How a scalar is turned into a string (following aliases).
enum Scalar {
    Str,
    Num,
    Bool,
    AsStr,
    Json,
}

fn scalar(model: &Model, t: &Ty) -> Scalar {
    match t {
        Ty::Str => Scalar::Str,
        Ty::I64 | Ty::F64 => Scalar::Num,
        Ty::Bool => Scalar::Bool,
        Ty::Named(n) => match model.defs.get(n).map(|d| &d.kind) {
            Some(Kind::OpenEnum { .. }) | Some(Kind::Tag { .. }) => Scalar::AsStr,
            Some(Kind::Alias(t)) => scalar(model, t),
            _ => Scalar::Json,
        },
        _ => Scalar::Json,
    }
}

/// An expression of type `&str` for `v` (a reference to the value).
fn str_expr(model: &Model, t: &Ty, v: &str) -> String {
    match scalar(model, t) {
        Scalar::Str => v.to_string(),
        Scalar::Num => format!("&{v}.to_string()"),
        Scalar::Bool => format!("if *{v} {{ \"true\" }} else {{ \"false\" }}"),
        Scalar::AsStr => format!("{v}.as_str()"),
        Scalar::Json => format!("&serde_json::to_string({v}).unwrap_or_default()"),
    }
}

fn owned_expr(model: &Model, t: &Ty, v: &str) -> String {
    match scalar(model, t) {
        Scalar::Str => format!("{v}.clone()"),
        Scalar::Num => format!("{v}.to_string()"),
        Scalar::Bool => format!("{v}.to_string()"),
        Scalar::AsStr => format!("{v}.as_str().to_string()"),
        Scalar::Json => format!("serde_json::to_string({v}).unwrap_or_default()"),
    }
}

fn num_lit(x: f64, t: &Ty) -> String {
    if *t == Ty::I64 {
        format!("{}", x as i64)
    } else if x.fract() == 0.0 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn validations(f: &Field, v: &str, out: &mut String) {
    let c = &f.constraints;
    let name = &f.wire;
    let mut check = |cond: String, msg: String| {
        let _ = writeln!(out, "if {cond} {{\nreturn Err(Error::invalid_request({msg:?}));\n}}");
    };
    match &f.ty {
        Ty::Str => {
            if let Some(n) = c.min_length {
                let msg = if n == 1 {
                    format!("`{name}` must not be empty (minLength 1)")
                } else {
                    format!("`{name}` must have at least {n} characters (minLength {n})")
                };
                let cond = if n == 1 { format!("{v}.is_empty()") } else { format!("{v}.chars().count() < {n}") };
                check(cond, msg);
            }
            if let Some(n) = c.max_length {
                check(
                    format!("{v}.chars().count() > {n}"),
                    format!("`{name}` must have at most {n} characters (maxLength {n})"),
                );
            }
        }
        Ty::I64 | Ty::F64 => {
            if let Some(n) = c.minimum {
                check(
                    format!("*{v} < {}", num_lit(n, &f.ty)),
                    format!("`{name}` must be at least {} (minimum {})", fmt_num(n), fmt_num(n)),
                );
            }
            if let Some(n) = c.maximum {
                check(
                    format!("*{v} > {}", num_lit(n, &f.ty)),
                    format!("`{name}` must be at most {} (maximum {})", fmt_num(n), fmt_num(n)),
                );
            }
        }
        Ty::Vec(_) => {
            if let Some(n) = c.min_items {
                check(format!("{v}.len() < {n}"), format!("`{name}` must have at least {n} items (minItems {n})"));
            }
            if let Some(n) = c.max_items {
                check(format!("{v}.len() > {n}"), format!("`{name}` must have at most {n} items (maxItems {n})"));
            }
        }
        _ => {}
    }
}

fn has_validation(f: &Field) -> bool {
    let c = &f.constraints;
    match &f.ty {
        Ty::Str => c.min_length.is_some() || c.max_length.is_some(),
        Ty::I64 | Ty::F64 => c.minimum.is_some() || c.maximum.is_some(),
        Ty::Vec(_) => c.min_items.is_some() || c.max_items.is_some(),
        _ => false,
    }
}

struct Uses {
    path_segment: bool,
    multipart: bool,
}

fn render_op(model: &Model, op: &Operation, out: &mut String, uses: &mut Uses) {
    let req = &model.defs[&op.request];
    let Kind::Request { fields, .. } = &req.kind else { unreachable!() };
    let ret = match &op.response {
        Response::Json(t) => ty(t),
        Response::Empty => "()".into(),
        Response::Raw => "crate::RawResponse".into(),
    };
    let mut text = op.summary.clone();
    let _ = write!(text, "\n\n`{} {}`", op.method, op.path);
    if op.variant.as_deref() == Some("multipart") {
        text.push_str(" (as a `multipart/form-data` form)");
    }
    if op.on_origin {
        text.push_str(" on the base URL's origin (not under its path, e.g. `/api/v1`)");
    }
    if !op.description.is_empty() {
        let _ = write!(text, "\n\n{}", op.description);
    }
    if matches!(op.response, Response::Raw) {
        let _ = write!(text, "\n\nThe success body (`{}`) is returned unread, as a stream.", op.accept);
    }
    doc(out, &text);
    out.push_str(&deprecated_attr(&op.deprecated));
    if op.stream_event.is_some() {
        let _ = writeln!(
            out,
            "///\n/// This function returns the whole (non-streaming) response; [`{}_stream`] streams it.",
            op.function
        );
    }
    let enc = format!("encode_{}", op.function.trim_start_matches(&format!("{}_", op.row.group)));
    let enc = if enc == "encode_" { format!("encode_{}", op.function) } else { enc };
    let _ = writeln!(
        out,
        "pub async fn {}(core: &OpenRouterCore, request: impl Into<{}>) -> Result<{ret}, Error> {{\nlet http = {enc}(request.into())?;",
        op.function, op.request
    );
    match &op.response {
        Response::Json(_) => out.push_str("core.send(http).await?.json()\n}\n\n"),
        Response::Empty => out.push_str("core.send(http).await?.empty()\n}\n\n"),
        Response::Raw => out.push_str("core.send_raw(http).await\n}\n\n"),
    }
    if let Some(event) = &op.stream_event {
        render_stream_fn(model, op, fields, event, &enc, out);
    }
    if let Some(p) = &op.pagination {
        render_pages_fn(model, op, fields, p, &ret, out);
    }

    // The encoder.
    let mut body = String::new();
    let needs_mut = fields.iter().any(|f| matches!(f.loc, Loc::Query | Loc::Header | Loc::Body));
    for f in fields {
        if !has_validation(f) {
            continue;
        }
        let access = format!("request.{}", f.ident);
        if f.required {
            let mut inner = String::new();
            validations(f, "value", &mut inner);
            let _ = writeln!(body, "{{\nlet value = &{access};\n{inner}}}");
        } else {
            let mut inner = String::new();
            validations(f, "value", &mut inner);
            let _ = writeln!(body, "if let Some(value) = &{access} {{\n{inner}}}");
        }
    }
    // Path.
    let mut fmt = String::new();
    let mut args = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').map(|e| start + e).unwrap_or(rest.len());
        fmt.push_str(&rest[..start]);
        fmt.push_str("{}");
        let pname = &rest[start + 1..end];
        let f = fields
            .iter()
            .find(|f| f.loc == Loc::Path && f.wire == pname)
            .unwrap_or_else(|| panic!("{}: no path parameter {pname}", op.row.operation_id));
        let access = format!("request.{}", f.ident);
        let arg = match scalar(model, &f.ty) {
            Scalar::Str => format!("&{access}"),
            Scalar::AsStr => format!("{access}.as_str()"),
            Scalar::Num | Scalar::Bool => format!("&{access}.to_string()"),
            Scalar::Json => format!("&serde_json::to_string(&{access}).unwrap_or_default()"),
        };
        args.push(format!("encode_path_segment({arg})"));
        uses.path_segment = true;
        rest = &rest[(end + 1).min(rest.len())..];
    }
    fmt.push_str(rest);
    let path_expr = if args.is_empty() {
        format!("String::from({fmt:?})")
    } else {
        format!("format!({fmt:?}, {})", args.join(", "))
    };
    let method = format!("http::Method::{}", op.method.to_uppercase());
    let ctor = if op.on_origin { "on_origin" } else { "new" };
    let new = format!("HttpRequest::{ctor}({method}, {path_expr}, {:?})", op.accept);
    if !needs_mut {
        let _ = writeln!(body, "Ok({new})");
    } else {
        let _ = writeln!(body, "let mut http = {new};");
        for f in fields.iter().filter(|f| f.loc == Loc::Query) {
            let emit = |item_ty: &Ty, v: &str| -> String {
                format!("http.query({:?}, {});\n", f.wire, str_expr(model, item_ty, v))
            };
            let inner = match &f.ty {
                Ty::Vec(it) => format!("for item in value {{\n{}}}\n", emit(it, "item")),
                t => emit(t, "value"),
            };
            if f.required {
                let _ = writeln!(body, "{{\nlet value = &request.{};\n{inner}}}", f.ident);
            } else {
                let _ = writeln!(body, "if let Some(value) = &request.{} {{\n{inner}}}", f.ident);
            }
        }
        for f in fields.iter().filter(|f| f.loc == Loc::Header) {
            let inner = format!("http.header({:?}, {});\n", f.wire, owned_expr(model, &f.ty, "value"));
            if f.required {
                let _ = writeln!(body, "{{\nlet value = &request.{};\n{inner}}}", f.ident);
            } else {
                let _ = writeln!(body, "if let Some(value) = &request.{} {{\n{inner}}}", f.ident);
            }
        }
        match &op.body {
            Some(Body::Json) => body.push_str("http.json_body(&request.body)?;\n"),
            Some(Body::Form) => body.push_str("http.form_body(&request.body)?;\n"),
            Some(Body::Multipart(name)) => {
                uses.multipart = true;
                let Kind::Multipart { fields: parts } = &model.defs[name].kind else { unreachable!() };
                body.push_str("let mut form = Multipart::new();\nlet parts = request.body;\n");
                for p in parts {
                    let file = |v: &str| format!("form.file_upload({:?}, {v});\n", p.wire);
                    let text = |t: &Ty, v: &str| {
                        let e = match scalar(model, t) {
                            Scalar::Str => v.to_string(),
                            Scalar::Json => format!("serde_json::to_string(&{v}).unwrap_or_default()"),
                            _ => owned_expr(model, t, v),
                        };
                        format!("form.text({:?}, {e});\n", p.wire)
                    };
                    let inner = match &p.ty {
                        Ty::File => file("value"),
                        Ty::Vec(it) => format!("for item in value {{\n{}}}\n", text(it, "item")),
                        t => text(t, "value"),
                    };
                    if p.required {
                        let _ = writeln!(body, "{{\nlet value = parts.{};\n{inner}}}", p.ident);
                    } else {
                        let _ = writeln!(body, "if let Some(value) = parts.{} {{\n{inner}}}", p.ident);
                    }
                }
                body.push_str("http.multipart(form);\n");
            }
            None => {}
        }
        body.push_str("Ok(http)\n");
    }
    let arg = if fields.is_empty() { "_request" } else { "request" };
    let _ = writeln!(out, "fn {enc}({arg}: {}) -> Result<HttpRequest, Error> {{\n{body}}}\n", op.request);
}

/// The `_stream` form: the same request with `"stream": true`, answered with typed events.
fn render_stream_fn(model: &Model, op: &Operation, fields: &[Field], event: &Ty, enc: &str, out: &mut String) {
    let body = fields.iter().find(|f| f.loc == Loc::Body).expect("a streaming form has a body");
    let stream_field = body.ty.by_value().and_then(|n| match &model.defs.get(n).map(|d| &d.kind) {
        Some(Kind::Struct { fields }) => fields.iter().find(|f| f.wire == "stream"),
        _ => None,
    });
    let set = match stream_field {
        Some(f) if f.ty == Ty::Bool && !f.required && !f.nullable => "request.body.stream = Some(true);",
        Some(f) if f.ty == Ty::Bool && !f.required => "request.body.stream = Some(Some(true));",
        _ => panic!("{}: the body has no optional boolean `stream` field", op.row.operation_id),
    };
    let mut text = format!("{}, as a stream of events", op.summary.trim_end_matches('.'));
    let _ = write!(
        text,
        "\n\n`{} {}` with `\"stream\": true`\n\nSends the request with `\"stream\": true` and `Accept: text/event-stream` \
         (whatever the request says) and returns the events as they arrive. An error reported inside the \
         stream is an `Err` item, after which the stream ends.",
        op.method, op.path,
    );
    doc(out, &text);
    let _ = writeln!(out, "///\n/// Events: [`{}`]; see [`EventStream`](crate::EventStream).", ty(event));
    let _ = writeln!(
        out,
        "pub async fn {}_stream(core: &OpenRouterCore, request: impl Into<{}>) -> Result<crate::EventStream<{}>, Error> {{\n\
         let mut request = request.into();\n{set}\nlet mut http = {enc}(request)?;\nhttp.accept = \"text/event-stream\";\ncore.send_stream(http).await\n}}\n",
        op.function,
        op.request,
        ty(event)
    );
}

/// The `_pages` form of a list operation: a stream of its pages.
fn render_pages_fn(model: &Model, op: &Operation, fields: &[Field], p: &Pagination, ret: &str, out: &mut String) {
    let _ = model;
    let has = |w: &str| fields.iter().any(|f| f.wire == w && f.loc == Loc::Query && f.ty == Ty::I64 && !f.required);
    let text;
    let body = match p {
        Pagination::Offset { default_limit } => {
            assert!(has("offset") && has("limit"), "{}: offset/limit parameters expected", op.row.operation_id);
            let size = default_limit.unwrap_or(1);
            text = format!(
                "{}, page after page\n\nA stream of the pages of [`{}`], from the request's `offset` on. It stops after \
                 an empty page, a page shorter than `limit` (default {}), or the first error.",
                op.summary.trim_end_matches('.'),
                op.function,
                default_limit.map_or("none".to_string(), |d| d.to_string())
            );
            format!(
                "let page_size = request.limit.unwrap_or({size});\n\
                 crate::Pages::offset(request.offset.unwrap_or(0), page_size, move |offset| {{\n\
                 let core = core.clone();\nlet mut request = request.clone();\nrequest.offset = Some(offset);\n\
                 Box::pin(async move {{\nlet page = {}(&core, request).await?;\nlet items = page.data.len() as i64;\n\
                 Ok((page, items))\n}})\n}})",
                op.function
            )
        }
        Pagination::Cursor { param, next } => {
            let input = fields
                .iter()
                .find(|f| f.wire == *param && f.loc == Loc::Query && f.ty == Ty::Str && !f.required)
                .unwrap_or_else(|| panic!("{}: an optional string parameter `{param}` expected", op.row.operation_id));
            let Response::Json(Ty::Named(page_ty)) = &op.response else {
                panic!("{}: a cursor-paged list must answer with a named JSON type", op.row.operation_id)
            };
            let (cursor, more_doc) = page_cursor(model, &op.row.operation_id, page_ty, next);
            text = format!(
                "{}, page after page\n\nA stream of the pages of [`{}`], passing each page's `{next}` as the next \
                 `{param}`. It stops after a page without a next cursor{more_doc}, or the first error.",
                op.summary.trim_end_matches('.'),
                op.function
            );
            format!(
                "crate::Pages::cursor(request.{ident}.clone(), move |cursor| {{\n\
                 let core = core.clone();\nlet mut request = request.clone();\nrequest.{ident} = cursor;\n\
                 Box::pin(async move {{\nlet page = {}(&core, request).await?;\n\
                 let next = {cursor};\nOk((page, next))\n}})\n}})",
                op.function,
                ident = input.ident,
            )
        }
    };
    doc(out, &text);
    let _ = writeln!(
        out,
        "pub fn {}_pages(core: &OpenRouterCore, request: impl Into<{}>) -> crate::Pages<{ret}> {{\nlet core = core.clone();\nlet request = request.into();\n{body}\n}}\n",
        op.function, op.request
    );
}

/// The expression that reads the next cursor (`Option<String>`) from `page`, a `page_ty`, and
/// the doc text of the extra stop condition, if any. A page struct reads its field (and stops on
/// a required `has_more` that is false); a union of page shapes reads the field of whichever
/// shape came back: its own field, or the same key among the fields it keeps unnamed.
fn page_cursor(model: &Model, op_id: &str, page_ty: &str, next: &str) -> (String, &'static str) {
    let field_cursor = |fields: &[crate::model::Field], page: &str| {
        let f = fields.iter().find(|f| f.wire == next && f.ty == Ty::Str)?;
        // The next cursor as `Option<String>`, whatever the field's optionality.
        Some(match (f.required, f.nullable) {
            (true, false) => format!("Some({page}.{}.clone())", f.ident),
            (true, true) | (false, false) => format!("{page}.{}.clone()", f.ident),
            (false, true) => format!("{page}.{}.clone().flatten()", f.ident),
        })
    };
    match &model.defs[page_ty].kind {
        Kind::Struct { fields } => {
            let cursor = field_cursor(fields, "page")
                .unwrap_or_else(|| panic!("{op_id}: the page has no string field `{next}`"));
            // A page that says there is no more ends the stream even when it names a last id.
            match fields.iter().find(|f| f.wire == "has_more" && f.ty == Ty::Bool) {
                Some(f) if f.required && !f.nullable => (
                    format!("if page.{} {{ {cursor} }} else {{ None }}", f.ident),
                    ", a page whose `has_more` is false",
                ),
                _ => (cursor, ""),
            }
        }
        Kind::Tagged { variants, .. } | Kind::Untagged { variants } => {
            let unnamed =
                |map: &str| format!("{map}.get({next:?}).and_then(serde_json::Value::as_str).map(str::to_owned)");
            let mut arms = String::new();
            for v in variants {
                let Ty::Named(name) = &v.ty else { panic!("{op_id}: page shape `{}` is not a named type", v.ident) };
                let Kind::Struct { fields } = &model.defs[name].kind else {
                    panic!("{op_id}: page shape `{name}` is not an object")
                };
                let read = field_cursor(fields, "p").unwrap_or_else(|| unnamed("p.extra"));
                let _ = writeln!(arms, "{page_ty}::{}(p) => {read},", v.ident);
            }
            let _ = writeln!(arms, "{page_ty}::Unknown(value) => {},", unnamed("value"));
            (format!("match &page {{\n{arms}}}"), "")
        }
        _ => panic!("{op_id}: the page type `{page_ty}` is neither an object nor a union of them"),
    }
}

/// The groups whose features compile a tagged union (each of them must enable
/// `serde_json/raw_value`, which `models/tagged.rs` needs).
pub fn tagged_union_groups(model: &Model) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (name, d) in &model.defs {
        if matches!(d.kind, Kind::Tagged { .. }) {
            out.extend(model.groups[name].iter().cloned());
        }
    }
    out
}

/// `feature = "a"`, or `any(feature = "a", feature = "b", …)`.
fn any_feature(groups: &BTreeSet<String>) -> String {
    let features: Vec<String> = groups.iter().map(|g| format!("feature = \"{g}\"")).collect();
    match features.as_slice() {
        [one] => one.clone(),
        _ => format!("any({})", features.join(", ")),
    }
}

pub fn render(model: &Model) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let head = header(model);

    // Which module each definition goes to: its group's, or, for a type several groups use, a
    // module of `shared` for that set of groups (gated once), or `shared` itself (gated per
    // item) for sets with few types.
    let mut homes: BTreeMap<String, Vec<&Def>> = BTreeMap::new();
    let mut combos: BTreeMap<String, (BTreeSet<String>, Vec<&Def>)> = BTreeMap::new();
    for (name, d) in &model.defs {
        let groups = &model.groups[name];
        if groups.len() == 1 {
            homes.entry(groups.iter().next().unwrap().clone()).or_default().push(d);
        } else {
            let key = groups.iter().cloned().collect::<Vec<_>>().join("_");
            combos.entry(key).or_insert_with(|| (groups.clone(), Vec::new())).1.push(d);
        }
    }
    const OWN_MODULE: usize = 3;
    let mut shared_items: Vec<&Def> = Vec::new();
    combos.retain(|_, (_, defs)| {
        if defs.len() < OWN_MODULE {
            shared_items.extend(defs.iter());
            false
        } else {
            true
        }
    });

    // models/mod.rs
    let mut m = head.clone();
    m.push_str(
        "//! The API's request and response types, generated from the OpenRouter API spec.\n\
         //!\n\
         //! - Component schemas keep their spec names (made Rust type names); an inline schema is\n\
         //!   named `<Parent><Field>` (array items add `Item`, map values `Value`, union variants\n\
         //!   the variant name). When that name is taken, `Inline` is appended.\n\
         //! - `<OperationId>Request` holds an operation's path, query and header parameters and\n\
         //!   its body; every type has `new(..)` with its required inputs (in the spec's order)\n\
         //!   and a chainable setter taking `impl Into<T>` for each other field.\n\
         //! - One level of `Option`: an optional field is `Option<T>`; `null` and absent read the\n\
         //!   same (`None`), and `None` is not sent. Where sending `null` means something (clearing\n\
         //!   a value in an update), `clear_<field>()` sends it. A required nullable field is\n\
         //!   `Option<T>` too, sent as `null` when `None`. Date-times are the spec's RFC 3339\n\
         //!   strings.\n\
         //! - Enums with several values accept unknown values (`Unknown(String)`); unions keep an\n\
         //!   unknown shape, or a known tag whose body this version cannot read, as raw JSON\n\
         //!   (`Unknown(serde_json::Value)`); objects keep fields they do not know in `extra`. A\n\
         //!   decoded value re-encodes to the same JSON.\n",
    );
    if !model.renamed.is_empty() {
        m.push_str("//!\n//! Renamed to avoid a collision:\n");
        for (from, to) in &model.renamed {
            let _ = writeln!(m, "//! - `{from}` -> `{to}`");
        }
    }
    if !model.merged.is_empty() {
        m.push_str(
            "//!\n//! Generated once, as the spec repeats the same schema (the first name is the second type):\n",
        );
        for (from, to) in &model.merged {
            let _ = writeln!(m, "//! - `{from}` -> `{to}`");
        }
    }
    m.push_str("\n#[macro_use]\npub(crate) mod support;\n");
    let tagged = tagged_union_groups(model);
    if !tagged.is_empty() {
        let _ = writeln!(
            m,
            "// What tagged unions decode with; these groups enable serde_json's `raw_value`.\n#[cfg({})]\nmod tagged;",
            any_feature(&tagged)
        );
    }
    m.push_str("\npub use crate::json::from_str;\n\n");
    for module in homes.keys() {
        let cfg = format!("feature = \"{module}\"");
        let inception = if module == "models" { "#[allow(clippy::module_inception)]\n" } else { "" };
        let _ = writeln!(
            m,
            "#[cfg({cfg})]\n#[cfg_attr(docsrs, doc(cfg({cfg})))]\n{inception}pub mod {module};\n#[cfg({cfg})]\npub use {module}::*;"
        );
    }
    if !combos.is_empty() || !shared_items.is_empty() {
        m.push_str("pub mod shared;\n#[allow(unused_imports)]\npub use shared::*;\n");
    }
    files.insert("src/models/mod.rs".to_string(), m);
    files.insert("src/models/support.rs".to_string(), format!("{head}{}", include_str!("../templates/support.rs")));
    if !tagged.is_empty() {
        files.insert("src/models/tagged.rs".to_string(), format!("{head}{}", include_str!("../templates/tagged.rs")));
    }
    files.insert("src/client.rs".to_string(), crate::facade::render_client(model, &head));
    let prelude = "#[allow(unused_imports)]\nuse crate::models::*;\n#[allow(unused_imports)]\nuse serde::{Deserialize, Serialize};\n\n";
    for (module, defs) in &homes {
        let mut s = head.clone();
        let _ = writeln!(s, "//! Types of the `{module}` group (feature `{module}`).\n");
        s.push_str(prelude);
        for d in defs {
            render_def(model, d, &mut s);
        }
        files.insert(format!("src/models/{module}.rs"), s);
    }
    if !combos.is_empty() || !shared_items.is_empty() {
        let mut s = head.clone();
        s.push_str(
            "//! Types used by several API groups: each is compiled when one of its groups is enabled.\n\
             //! Those of a set of groups with several types are in a module named after the groups.\n\n",
        );
        for (key, (groups, defs)) in &combos {
            let list: Vec<String> = groups.iter().map(|g| format!("feature = \"{g}\"")).collect();
            let cfg = format!("any({})", list.join(", "));
            let _ = writeln!(
                s,
                "#[cfg({cfg})]\n#[cfg_attr(docsrs, doc(cfg({cfg})))]\npub mod {key};\n#[cfg({cfg})]\npub use {key}::*;"
            );
            let mut f = head.clone();
            let names: Vec<String> = groups.iter().map(|g| format!("`{g}`")).collect();
            let _ = writeln!(f, "//! Types used by the {} groups.\n", names.join(", "));
            f.push_str(prelude);
            for d in defs {
                render_def(model, d, &mut f);
            }
            files.insert(format!("src/models/shared/{key}.rs"), f);
        }
        s.push('\n');
        s.push_str(prelude);
        for d in &shared_items {
            let mut body = String::new();
            render_def(model, d, &mut body);
            // Attach the cfg to each item: inside macro invocations it goes on the invocation.
            s.push_str(&attach_cfg(&body, &cfg_any(&model.groups[&d.name])));
        }
        files.insert("src/models/shared.rs".to_string(), s);
    }

    // funcs
    let mut by_group: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for op in &model.ops {
        by_group.entry(op.row.group.as_str()).or_default().push(op);
    }
    let mut fm = head.clone();
    fm.push_str(
        "//! One async function per API operation: `group_operation(&core, request)`.\n\
         //!\n\
         //! Each validates what the spec constrains, encodes the request, sends it through the core\n\
         //! and decodes the success body. Every function's module is compiled only with its group's\n\
         //! Cargo feature.\n\n",
    );
    for group in by_group.keys() {
        let _ = writeln!(
            fm,
            "#[cfg(feature = \"{group}\")]\nmod {group};\n#[cfg(feature = \"{group}\")]\npub use {group}::*;"
        );
    }
    fm.push_str(
        "\n// The hand-written functions that belong beside these (the OAuth PKCE helpers).\npub use crate::ext::funcs::*;\n",
    );
    files.insert("src/funcs/mod.rs".to_string(), fm);
    for (group, ops) in &by_group {
        let mut body = String::new();
        let mut uses = Uses { path_segment: false, multipart: false };
        for op in ops {
            render_op(model, op, &mut body, &mut uses);
        }
        let mut s = head.clone();
        let _ = writeln!(s, "//! The `{group}` operations.\n");
        let mut core_uses = vec!["HttpRequest"];
        if uses.path_segment {
            core_uses.insert(0, "encode_path_segment");
        }
        if uses.multipart {
            core_uses.push("Multipart");
        }
        let _ = writeln!(s, "use crate::core::{{{}}};", core_uses.join(", "));
        s.push_str("#[allow(unused_imports)]\nuse crate::models::*;\nuse crate::{Error, OpenRouterCore};\n\n");
        s.push_str(&body);
        files.insert(format!("src/funcs/{group}.rs"), s);
    }

    files.insert("tests/conformance_dispatch/mod.rs".to_string(), render_dispatch(model));
    files
}

/// Put a `#[cfg(..)]` before the item in `body`: on a macro invocation or before the doc comment.
fn attach_cfg(body: &str, cfg: &str) -> String {
    let mut out = String::new();
    let mut first = true;
    for line in body.split_inclusive('\n') {
        // impl blocks (of request types, the builders) also need the cfg
        if first || line.starts_with("impl ") {
            out.push_str(cfg);
            first = false;
        }
        out.push_str(line);
    }
    out
}

fn render_dispatch(model: &Model) -> String {
    let mut s = header(model);
    s.push_str(
        "//! Calls an operation from a conformance case: builds the typed request from the case's\n\
         //! inputs and calls the public function. Each operation's call is boxed, so that the\n\
         //! stack frame of `call` does not hold the requests of all of them (a debug build's\n\
         //! frame would pass a tokio worker's 2 MiB stack).\n\n\
         #[allow(unused_imports)]\nuse openrouter::models::*;\n#[allow(unused_imports)]\nuse openrouter::{funcs, OpenRouterCore};\n\n\
         #[allow(unused_imports)]\nuse crate::{Case, Outcome};\n\n\
         /// `None` when this build has no function for the case.\n\
         #[allow(unused_variables, deprecated)]\n\
         pub async fn call(core: &OpenRouterCore, case: &Case) -> Option<Outcome> {\n\
         match (case.operation_id.as_str(), case.variant.as_deref()) {\n",
    );
    for op in &model.ops {
        let req = &model.defs[&op.request];
        let Kind::Request { fields, .. } = &req.kind else { unreachable!() };
        let mut build = format!("let request = {} {{\n", op.request);
        for f in fields {
            let loc = match f.loc {
                Loc::Path => "path",
                Loc::Query => "query",
                Loc::Header => "header",
                _ => "",
            };
            let value = match (&f.loc, &op.body) {
                (Loc::Body, Some(Body::Multipart(name))) => {
                    let Kind::Multipart { fields: parts } = &model.defs[name].kind else { unreachable!() };
                    let mut b = format!("{name} {{\n");
                    for p in parts {
                        let get = match (&p.ty, p.required) {
                            (Ty::File, true) => format!("case.file({:?})", p.wire),
                            (Ty::File, false) => format!("case.opt_file({:?})", p.wire),
                            (_, true) => format!("case.part({:?})", p.wire),
                            (_, false) => format!("case.opt_part({:?})", p.wire),
                        };
                        let _ = writeln!(b, "{}: {get},", p.ident);
                    }
                    b.push('}');
                    b
                }
                (Loc::Body, _) => "case.body()".to_string(),
                _ if f.required => format!("case.param({loc:?}, {:?})", f.wire),
                _ => format!("case.opt_param({loc:?}, {:?})", f.wire),
            };
            let _ = writeln!(build, "{}: {value},", f.ident);
        }
        build.push_str("};\n");
        let outcome = match op.response {
            Response::Json(_) => "json",
            Response::Empty => "empty",
            Response::Raw => "raw",
        };
        let variant = match &op.variant {
            Some(v) => format!("Some({v:?})"),
            None => "None".into(),
        };
        let _ = writeln!(
            s,
            "#[cfg(feature = \"{}\")]\n({:?}, {variant}) => Box::pin(async move {{\n{build}Some(Outcome::{outcome}(funcs::{}(core, request).await))\n}}).await,",
            op.row.group, op.row.operation_id, op.function
        );
        if op.stream_event.is_some() {
            let _ = writeln!(
                s,
                "#[cfg(feature = \"{}\")]\n({:?}, Some(\"stream\")) => Box::pin(async move {{\n{build}Some(Outcome::stream(funcs::{}_stream(core, request).await).await)\n}}).await,",
                op.row.group, op.row.operation_id, op.function
            );
        }
    }
    s.push_str("_ => None,\n}\n}\n");
    s
}
