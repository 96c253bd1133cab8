//! From the spec to an intermediate model: type definitions and operations.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde::Deserialize;
use serde_json::Value;

use crate::OpRow;

/// The overrides file (codegen/overrides.toml). Keys name a generated type and a field
/// (`Type.field`, wire name) or an operation and a parameter (`operationId.param`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Fields the API sends as `null` although the spec does not say so.
    #[serde(default)]
    pub nullable: Vec<String>,
    /// Required fields that responses may omit: generated as optional.
    #[serde(default)]
    pub optional: Vec<String>,
    /// Field type replacements: `json` (any JSON value), `string`, `integer`, `number`, `boolean`.
    #[serde(default)]
    pub field_types: BTreeMap<String, String>,
    /// Parameter type replacements (same values as field_types).
    #[serde(default)]
    pub param_types: BTreeMap<String, String>,
    /// Parameters left out of the SDK (`operationId.param`).
    #[serde(default)]
    pub skip_params: Vec<String>,
    /// Header parameters that are client settings, not per-operation inputs (by wire name).
    #[serde(default)]
    pub client_headers: Vec<String>,
    /// Success content types left out of the SDK.
    #[serde(default)]
    pub skip_content_types: Vec<String>,
    /// Explicit names for inline schemas: `<default name>` -> `<name>`.
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    /// Names of untagged union variants: `Union.Variant` (the name the rules give) -> name.
    #[serde(default)]
    pub variant_names: BTreeMap<String, String>,
    /// Streaming forms the spec does not declare: `operationId` -> event schema name.
    #[serde(default)]
    pub stream_events: BTreeMap<String, String>,
    /// Groups whose operations reuse other groups' types (`presets` takes chat, messages and
    /// responses bodies): their Cargo feature enables those groups, and a type is homed in the
    /// group it belongs to, not in `shared` because an alias group reaches it too.
    #[serde(default)]
    pub implies: BTreeMap<String, Vec<String>>,
    /// Properties the API sends that a component schema leaves out: `Schema.property` -> the
    /// property's JSON schema, added to the spec before anything is generated from it.
    #[serde(default)]
    pub added_fields: BTreeMap<String, serde_json::Value>,
    /// Items written by hand in `src/ext/` in place of generated ones: a setter (`Type.field`)
    /// or a union's `From` impl for one variant (`Union.From<Type>`).
    #[serde(default)]
    pub hand_written: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ty {
    Str,
    I64,
    F64,
    Bool,
    Value,
    JsonMap,
    Vec(Box<Ty>),
    Map(Box<Ty>),
    Named(String),
    File,
}

impl Ty {
    pub fn named(&self, out: &mut Vec<String>) {
        match self {
            Ty::Vec(t) | Ty::Map(t) => t.named(out),
            Ty::Named(n) => out.push(n.clone()),
            _ => {}
        }
    }
    /// The name reached without indirection (not inside Vec/Map).
    pub fn by_value(&self) -> Option<&str> {
        match self {
            Ty::Named(n) => Some(n),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraints {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    Field,
    Path,
    Query,
    Header,
    Body,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub wire: String,
    pub ident: String,
    pub ty: Ty,
    pub required: bool,
    pub nullable: bool,
    pub doc: String,
    pub constraints: Constraints,
    pub loc: Loc,
    pub boxed: bool,
    /// `deprecated: true` in the spec: the note for `#[deprecated]` (may be empty).
    pub deprecated: Option<String>,
    /// Where a constructor takes it: the position in the spec's `required` list.
    pub rank: usize,
}

#[derive(Clone, Debug)]
pub struct Variant {
    pub ident: String,
    pub tags: Vec<String>,
    pub ty: Ty,
    pub boxed: bool,
}

#[derive(Clone, Debug)]
pub enum Kind {
    Struct { fields: Vec<Field> },
    OpenEnum { variants: Vec<(String, String)> },
    Tag { variant: String, value: String },
    Tagged { prop: String, variants: Vec<Variant> },
    Untagged { variants: Vec<Variant> },
    Alias(Ty),
    Request { op: String, fields: Vec<Field> },
    Multipart { fields: Vec<Field> },
}

#[derive(Clone, Debug)]
pub struct Def {
    pub name: String,
    pub doc: String,
    pub kind: Kind,
    pub deprecated: Option<String>,
}

impl Def {
    pub fn deps(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.kind {
            Kind::Struct { fields } | Kind::Request { fields, .. } | Kind::Multipart { fields } => {
                for f in fields {
                    f.ty.named(&mut out);
                }
            }
            Kind::Tagged { variants, .. } | Kind::Untagged { variants } => {
                for v in variants {
                    v.ty.named(&mut out);
                }
            }
            Kind::Alias(t) => t.named(&mut out),
            _ => {}
        }
        out
    }
    fn by_value_deps(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.kind {
            Kind::Struct { fields } => {
                for f in fields {
                    if let Some(n) = f.ty.by_value() {
                        out.push(n.to_string());
                    }
                }
            }
            Kind::Tagged { variants, .. } | Kind::Untagged { variants } => {
                for v in variants {
                    if let Some(n) = v.ty.by_value() {
                        out.push(n.to_string());
                    }
                }
            }
            Kind::Alias(t) => {
                if let Some(n) = t.by_value() {
                    out.push(n.to_string());
                }
            }
            _ => {}
        }
        out
    }
}

#[derive(Clone, Debug)]
pub enum Response {
    Json(Ty),
    Empty,
    Raw,
}

#[derive(Clone, Debug)]
pub enum Body {
    Json,
    /// `application/x-www-form-urlencoded`: the body type's fields as `name=value` pairs.
    Form,
    Multipart(String),
}

#[derive(Clone, Debug)]
pub struct Operation {
    pub row: OpRow,
    /// `Some("multipart")` for the multipart form of an operation that also takes JSON.
    pub variant: Option<String>,
    pub function: String,
    pub request: String,
    pub summary: String,
    pub description: String,
    pub method: String,
    pub path: String,
    pub body: Option<Body>,
    pub response: Response,
    pub accept: String,
    pub sse: Option<Ty>,
    /// The event type of the `_stream` form (the `data` of the spec's SSE schema, or an override).
    pub stream_event: Option<Ty>,
    pub pagination: Option<Pagination>,
    pub deprecated: Option<String>,
    /// The operation has its own `servers` entry on the API's origin: `path` is then relative to
    /// the configured base URL's origin (scheme and host), not to its path prefix.
    pub on_origin: bool,
}

/// How a list operation pages (from `x-speakeasy-pagination`).
#[derive(Clone, Debug)]
pub enum Pagination {
    /// `offset`/`limit` parameters; the default page size is the `limit` parameter's default.
    Offset { default_limit: Option<i64> },
    /// A cursor query parameter (`param`, its wire name); the next cursor is the response's
    /// top-level field `next` (`outputs.nextCursor` of the spec).
    Cursor { param: String, next: String },
}

pub struct Model {
    pub version: String,
    pub defs: BTreeMap<String, Def>,
    pub ops: Vec<Operation>,
    /// type name -> groups reaching it
    pub groups: BTreeMap<String, BTreeSet<String>>,
    #[allow(dead_code)]
    pub all_groups: BTreeSet<String>,
    pub renamed: Vec<(String, String)>,
    /// Identical schemas generated once: (dropped name, kept name).
    pub merged: Vec<(String, String)>,
    pub defaultable: HashSet<String>,
    /// `Overrides::hand_written`: the generated items to leave out.
    pub hand_written: BTreeSet<String>,
}

type R<T> = Result<T, String>;

/// Enums with at least this many values are shared when the spec repeats their list.
const DEDUP_ENUM_MIN: usize = 8;

struct Gen<'a> {
    spec: &'a Value,
    ov: &'a Overrides,
    used_ov: RefCell<HashSet<String>>,
    defs: BTreeMap<String, Def>,
    /// names reserved for component schemas and request types
    reserved: HashMap<String, String>,
    /// source key (hint + schema json) -> assigned name
    by_source: HashMap<String, String>,
    /// assigned name -> source key
    name_source: HashMap<String, String>,
    comp_done: HashSet<String>,
    renamed: Vec<(String, String)>,
    /// component schemas whose name is an operation's request type name -> `<Name>Body`
    comp_rename: HashMap<String, String>,
    /// long value lists -> the enum first generated for them
    enum_by_values: HashMap<Vec<String>, String>,
}

pub fn type_name(spec_name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in spec_name.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

pub fn camel(s: &str) -> String {
    let mut out = s.to_upper_camel_case();
    out.retain(|c| c.is_ascii_alphanumeric());
    if out.is_empty() {
        out = "Empty".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super",
    "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box",
    "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A field identifier for a wire name.
pub fn field_ident(wire: &str) -> String {
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !s.starts_with(|c: char| c.is_ascii_digit())
    };
    let mut id = if valid(wire) {
        wire.to_string()
    } else {
        let mut s = wire.replace(['-', '/', '.', ' ', ':'], "_").to_snake_case();
        s.retain(|c| c.is_ascii_alphanumeric() || c == '_');
        if s.starts_with(|c: char| c.is_ascii_digit()) {
            s.insert(0, 'n');
        }
        if s.is_empty() {
            s = "field".into();
        }
        s
    };
    if matches!(id.as_str(), "self" | "super" | "crate" | "Self") {
        id.push('_');
    } else if KEYWORDS.contains(&id.as_str()) {
        id = format!("r#{id}");
    }
    id
}

fn schema_ref_name(r: &str) -> Option<&str> {
    r.strip_prefix("#/components/schemas/")
}

/// `deprecated: true`: the note for `#[deprecated]`, from `x-speakeasy-deprecation-message`
/// or else the description's first sentence when it says "Deprecated".
fn deprecation(v: &Value) -> Option<String> {
    if v.get("deprecated").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    if let Some(m) = get_str(v, "x-speakeasy-deprecation-message") {
        return Some(m.trim().to_string());
    }
    let d = get_str(v, "description").unwrap_or("").trim();
    let d = d.strip_prefix("**DEPRECATED**").unwrap_or(d).trim_start();
    if !d.to_ascii_lowercase().starts_with("deprecated") {
        return Some(String::new());
    }
    // "Deprecated. Use x instead. More." -> "Use x instead."; "Deprecated alias of x." stays.
    let rest = match d[10..].strip_prefix(['.', ':']) {
        Some(rest) if !rest.trim().is_empty() => rest.trim_start(),
        _ => d,
    };
    let end = rest.find(". ").map_or(rest.len(), |i| i + 1);
    let mut note = rest[..end].trim().to_string();
    if let Some(first) = note.get(..1) {
        note.replace_range(..1, &first.to_uppercase());
    }
    Some(note)
}

fn get_str<'v>(v: &'v Value, k: &str) -> Option<&'v str> {
    v.get(k).and_then(Value::as_str)
}

fn desc(v: &Value) -> String {
    get_str(v, "description").unwrap_or("").to_string()
}

fn types_of(s: &Value) -> Vec<String> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|t| t.as_str().map(String::from)).collect(),
        _ => vec![],
    }
}

fn is_null_schema(s: &Value) -> bool {
    let t = types_of(s);
    (t.len() == 1 && t[0] == "null") || s.get("const").map(Value::is_null).unwrap_or(false)
}

/// Keys that do not change a schema's shape.
fn is_trivial(s: &Value) -> bool {
    s.as_object()
        .map(|o| {
            o.keys().all(|k| {
                matches!(
                    k.as_str(),
                    "description"
                        | "example"
                        | "examples"
                        | "title"
                        | "default"
                        | "deprecated"
                        | "x-speakeasy-deprecation-message"
                        | "required"
                )
            })
        })
        .unwrap_or(true)
}

fn is_stringish(s: &Value) -> bool {
    if s.get("$ref").is_some() {
        return false;
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        return e.iter().all(|v| v.is_string() || v.is_null()) && e.iter().any(Value::is_string);
    }
    if let Some(c) = s.get("const") {
        return c.is_string();
    }
    let t = types_of(s);
    t.iter().filter(|t| *t != "null").count() == 1
        && t.contains(&"string".to_string())
        && s.get("format").and_then(Value::as_str) != Some("binary")
        && s.get("oneOf").is_none()
        && s.get("anyOf").is_none()
        && s.get("allOf").is_none()
}

/// A string without enum values, or a union of such strings (formats and patterns aside).
fn plain_string(s: &Value) -> bool {
    for key in ["oneOf", "anyOf"] {
        if let Some(all) = s.get(key).and_then(Value::as_array) {
            return s.get("type").is_none() && all.iter().all(|m| is_null_schema(m) || plain_string(m));
        }
    }
    is_stringish(s) && s.get("enum").is_none() && s.get("const").is_none()
}

fn constraints(s: &Value) -> Constraints {
    let u = |k: &str| s.get(k).and_then(Value::as_u64);
    let f = |k: &str| s.get(k).and_then(Value::as_f64);
    // A `pattern` no empty string matches (`^gen-[0-9A-Za-z-]+$`) says the value is not empty;
    // the SDK checks lengths, not patterns (a regex engine would cost every program its size).
    let non_empty =
        get_str(s, "pattern").and_then(|p| regex::Regex::new(p).ok()).is_some_and(|re| !re.is_match("")).then_some(1);
    Constraints {
        min_length: u("minLength").or(non_empty),
        max_length: u("maxLength"),
        minimum: f("minimum"),
        maximum: f("maximum"),
        min_items: u("minItems"),
        max_items: u("maxItems"),
    }
}

impl<'a> Gen<'a> {
    fn comp_name(&self, spec_name: &str) -> String {
        self.comp_rename.get(spec_name).cloned().unwrap_or_else(|| type_name(spec_name))
    }

    fn schemas(&self) -> &'a serde_json::Map<String, Value> {
        static EMPTY: std::sync::OnceLock<serde_json::Map<String, Value>> = std::sync::OnceLock::new();
        self.spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .unwrap_or_else(|| EMPTY.get_or_init(Default::default))
    }

    fn component(&self, name: &str) -> R<&'a Value> {
        self.schemas().get(name).ok_or_else(|| format!("unknown schema {name}"))
    }

    fn deref(&self, s: &'a Value) -> R<&'a Value> {
        let mut s = s;
        for _ in 0..32 {
            match get_str(s, "$ref") {
                Some(r) => {
                    let n = schema_ref_name(r).ok_or_else(|| format!("unsupported $ref {r}"))?;
                    s = self.component(n)?;
                }
                None => return Ok(s),
            }
        }
        Err("$ref loop".into())
    }

    /// A parameter, following a `#/components/parameters/..` reference.
    fn param(&self, p: &'a Value) -> R<&'a Value> {
        match get_str(p, "$ref") {
            Some(r) => {
                let n = r.strip_prefix("#/components/parameters/").ok_or_else(|| format!("unsupported $ref {r}"))?;
                self.spec
                    .pointer("/components/parameters")
                    .and_then(|c| c.get(n))
                    .ok_or_else(|| format!("unknown parameter {n}"))
            }
            None => Ok(p),
        }
    }

    fn ov_has(&self, list: &[String], key: &str) -> bool {
        if list.iter().any(|k| k == key) {
            self.used_ov.borrow_mut().insert(key.to_string());
            true
        } else {
            false
        }
    }

    fn ov_get(&self, map: &BTreeMap<String, String>, key: &str) -> Option<String> {
        let v = map.get(key).cloned();
        if v.is_some() {
            self.used_ov.borrow_mut().insert(key.to_string());
        }
        v
    }

    /// Is this schema nullable (following refs)?
    fn nullable(&self, s: &Value, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        // OpenAPI 3.0's `nullable: true`, also beside a `$ref` (the spec uses both forms).
        if s.get("nullable").and_then(Value::as_bool) == Some(true) {
            return true;
        }
        if let Some(r) = get_str(s, "$ref") {
            return schema_ref_name(r)
                .and_then(|n| self.schemas().get(n))
                .map(|c| self.nullable(c, depth + 1))
                .unwrap_or(false);
        }
        if types_of(s).iter().any(|t| t == "null") {
            return true;
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            if e.iter().any(Value::is_null) {
                return true;
            }
        }
        for k in ["oneOf", "anyOf"] {
            if let Some(m) = s.get(k).and_then(Value::as_array) {
                if m.iter().any(|m| is_null_schema(m) || self.nullable(m, depth + 1)) {
                    return true;
                }
            }
        }
        if let Some(m) = s.get("allOf").and_then(Value::as_array) {
            let non_trivial: Vec<&Value> = m.iter().filter(|m| !is_trivial(m)).collect();
            if !non_trivial.is_empty() && non_trivial.iter().all(|m| self.nullable(m, depth + 1)) {
                return true;
            }
        }
        false
    }

    /// Allocate a name for an inline definition (hint = the default name).
    fn alloc(&mut self, hint: &str, source: &Value) -> (String, bool) {
        let hint = hint.to_string();
        let key = format!("{hint}\u{0}{source}");
        if let Some(n) = self.by_source.get(&key) {
            return (n.clone(), false);
        }
        // Without a doubled word; when that name is taken (`BatchObject.object` would be
        // `BatchObject` itself), a word saying what it is.
        let plain = destutter(&hint);
        let single =
            source.get("enum").and_then(Value::as_array).is_some_and(|e| e.len() == 1) || source.get("const").is_some();
        let mut candidates = vec![plain.clone()];
        if plain != hint {
            candidates.push(format!("{plain}{}", if single { "Tag" } else { "Value" }));
        }
        // A name chosen in the overrides for when the default is taken, else `Inline` appended.
        let taken = |g: &Self, n: &str| g.reserved.contains_key(n) || g.name_source.contains_key(n);
        if taken(self, &plain) {
            if let Some(n) = self.ov.names.get(&hint).or_else(|| self.ov.names.get(&plain)) {
                self.used_ov.borrow_mut().insert(if self.ov.names.contains_key(&hint) {
                    hint.clone()
                } else {
                    plain.clone()
                });
                candidates.push(n.clone());
            }
        }
        candidates.push(format!("{plain}Inline"));
        for cand in candidates {
            let taken = self.reserved.contains_key(&cand) || self.name_source.contains_key(&cand);
            if !taken {
                if cand != plain {
                    self.renamed.push((hint.clone(), cand.clone()));
                }
                self.by_source.insert(key.clone(), cand.clone());
                self.name_source.insert(cand.clone(), key);
                return (cand, true);
            }
        }
        panic!("unresolved name collision for {hint}; add a [names] override");
    }

    fn add(&mut self, name: &str, doc: String, kind: Kind, deprecated: Option<String>) {
        self.defs.insert(name.to_string(), Def { name: name.to_string(), doc, kind, deprecated });
    }

    fn ensure_component(&mut self, spec_name: &str) -> R<String> {
        let name = self.comp_name(spec_name);
        if self.comp_done.contains(spec_name) {
            return Ok(name);
        }
        self.comp_done.insert(spec_name.to_string());
        let s = self.component(spec_name)?;
        self.build_named(&name, s)?;
        Ok(name)
    }

    /// Build a definition for `s` under exactly `name` (component schemas and op-level types).
    fn build_named(&mut self, name: &str, s: &'a Value) -> R<()> {
        let (ty, _) = self.resolve_with(s, name, Some(name))?;
        if ty != Ty::Named(name.to_string()) {
            let doc = desc(s);
            self.add(name, doc, Kind::Alias(ty), None);
        }
        Ok(())
    }

    /// Resolve a schema to a type (and whether it is nullable).
    fn resolve(&mut self, s: &'a Value, hint: &str) -> R<(Ty, bool)> {
        self.resolve_with(s, hint, None)
    }

    /// `fixed`: the exact name to use if a definition is needed (component schemas).
    fn resolve_with(&mut self, s: &'a Value, hint: &str, fixed: Option<&str>) -> R<(Ty, bool)> {
        let nullable = self.nullable(s, 0);
        if let Some(r) = get_str(s, "$ref") {
            let n = schema_ref_name(r).ok_or_else(|| format!("unsupported $ref {r}"))?;
            let name = self.ensure_component(n)?;
            return Ok((Ty::Named(name), nullable));
        }
        if let Some(members) = s.get("allOf").and_then(Value::as_array) {
            return self.resolve_all_of(s, members, hint, fixed, nullable);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(all) = s.get(key).and_then(Value::as_array) {
                return self.resolve_union(s, all, hint, fixed, nullable);
            }
        }
        let deprecated = deprecation(s);
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            let strings: Vec<String> = values.iter().filter_map(|v| v.as_str().map(String::from)).collect();
            if strings.len() == values.iter().filter(|v| !v.is_null()).count() && !strings.is_empty() {
                let (name, fresh) = self.claim(hint, s, fixed);
                if fresh {
                    self.string_enum(&name, desc(s), strings, deprecated);
                }
                return Ok((Ty::Named(name), nullable));
            }
            if values.iter().all(|v| v.is_i64() || v.is_null()) {
                return Ok((Ty::I64, nullable));
            }
            if values.iter().all(|v| v.is_number() || v.is_null()) {
                return Ok((Ty::F64, nullable));
            }
            if values.iter().all(|v| v.is_boolean() || v.is_null()) {
                return Ok((Ty::Bool, nullable));
            }
            return Ok((Ty::Value, nullable));
        }
        if let Some(c) = s.get("const") {
            return Ok(match c {
                Value::String(v) => {
                    let (name, fresh) = self.claim(hint, s, fixed);
                    if fresh {
                        self.string_enum(&name, desc(s), vec![v.clone()], deprecated);
                    }
                    (Ty::Named(name), nullable)
                }
                Value::Bool(_) => (Ty::Bool, nullable),
                Value::Number(n) if n.is_i64() => (Ty::I64, nullable),
                Value::Number(_) => (Ty::F64, nullable),
                _ => (Ty::Value, true),
            });
        }
        let types: Vec<String> = types_of(s).into_iter().filter(|t| t != "null").collect();
        let has_props = s.get("properties").and_then(Value::as_object).map(|p| !p.is_empty()).unwrap_or(false);
        let t = if types.len() == 1 {
            types[0].as_str()
        } else if types.is_empty() && has_props {
            "object"
        } else if types.is_empty() && s.get("items").is_some() {
            "array"
        } else {
            return Ok((Ty::Value, nullable));
        };
        let ty = match t {
            "string" => Ty::Str,
            "integer" => Ty::I64,
            "number" => Ty::F64,
            "boolean" => Ty::Bool,
            "array" => match s.get("items") {
                Some(items) => {
                    let (it, _) = self.resolve(items, &format!("{hint}Item"))?;
                    Ty::Vec(Box::new(it))
                }
                None => Ty::Vec(Box::new(Ty::Value)),
            },
            "object" => {
                if has_props {
                    let (name, fresh) = self.claim(hint, s, fixed);
                    if fresh {
                        let mut props = Vec::new();
                        let mut required: Vec<String> = Vec::new();
                        let mut ok = true;
                        self.collect_props(s, &name, &mut props, &mut required, &mut ok, 0)?;
                        self.build_struct(&name, desc(s), props, &required, deprecated)?;
                    }
                    Ty::Named(name)
                } else {
                    match s.get("additionalProperties") {
                        Some(ap) if ap.is_object() && !is_trivial(ap) => {
                            let (vt, vn) = self.resolve(ap, &format!("{hint}Value"))?;
                            if vn {
                                Ty::JsonMap
                            } else {
                                Ty::Map(Box::new(vt))
                            }
                        }
                        _ => Ty::JsonMap,
                    }
                }
            }
            _ => Ty::Value,
        };
        Ok((ty, nullable))
    }

    /// A name for a new definition: `fixed`, or one allocated from `hint`; and whether it is
    /// new (a definition must then be built under it).
    fn claim(&mut self, hint: &str, s: &'a Value, fixed: Option<&str>) -> (String, bool) {
        match fixed {
            Some(n) => (n.to_string(), true),
            None => self.alloc(hint, s),
        }
    }

    /// `allOf`: the one member that matters, or the members' objects merged.
    fn resolve_all_of(
        &mut self,
        s: &'a Value,
        members: &'a [Value],
        hint: &str,
        fixed: Option<&str>,
        nullable: bool,
    ) -> R<(Ty, bool)> {
        let deprecated = deprecation(s);
        let has_ref = members.iter().any(|m| m.get("$ref").is_some());
        let non_trivial: Vec<&'a Value> = members
            .iter()
            .filter(|m| !is_trivial(m))
            // an inline enum repeated next to a $ref: the $ref is the one
            .filter(|m| !(has_ref && m.get("$ref").is_none() && m.get("enum").is_some()))
            .collect();
        if non_trivial.len() == 1 && s.get("properties").is_none() {
            let (t, n) = self.resolve_with(non_trivial[0], hint, fixed)?;
            return Ok((t, n || nullable));
        }
        // Merge objects.
        let mut props: Vec<(String, &'a Value, String)> = Vec::new();
        let mut required: Vec<String> = Vec::new();
        let (name, fresh) = self.claim(hint, s, fixed);
        let mut ok = true;
        self.collect_props(s, &name, &mut props, &mut required, &mut ok, 0)?;
        if !ok {
            eprintln!("warning: allOf at {name} mixes non-object members; using JSON value");
            self.name_source.remove(&name);
            return Ok((Ty::Value, nullable));
        }
        if fresh {
            self.build_struct(&name, desc(s), props, &required, deprecated)?;
        }
        Ok((Ty::Named(name), nullable))
    }

    /// `oneOf` / `anyOf`: one member, strings, a string enum, or a union (tagged by an inferred
    /// constant property, by the spec's discriminator, or untagged).
    fn resolve_union(
        &mut self,
        s: &'a Value,
        all: &'a [Value],
        hint: &str,
        fixed: Option<&str>,
        nullable: bool,
    ) -> R<(Ty, bool)> {
        let deprecated = deprecation(s);
        let members: Vec<&'a Value> = all.iter().filter(|m| !is_null_schema(m)).collect();
        if members.len() == 1 {
            let (t, n) = self.resolve_with(members[0], hint, fixed)?;
            return Ok((t, n || nullable));
        }
        if members.is_empty() {
            return Ok((Ty::Value, true));
        }
        if members.iter().all(|m| plain_string(m)) {
            // Strings of different formats (`^\d+$`, a date, a date-time) are one string.
            return Ok((Ty::Str, nullable));
        }
        if members.iter().all(|m| is_stringish(m)) {
            let mut values = Vec::new();
            let mut plain = false;
            for m in &members {
                if let Some(e) = m.get("enum").and_then(Value::as_array) {
                    values.extend(e.iter().filter_map(|v| v.as_str().map(String::from)));
                } else if let Some(c) = m.get("const").and_then(Value::as_str) {
                    values.push(c.to_string());
                } else {
                    plain = true;
                }
            }
            if plain || values.is_empty() {
                return Ok((Ty::Str, nullable));
            }
            let (name, fresh) = self.claim(hint, s, fixed);
            if fresh {
                self.string_enum(&name, desc(s), values, deprecated);
            }
            return Ok((Ty::Named(name), nullable));
        }
        let (name, fresh) = self.claim(hint, s, fixed);
        if !fresh {
            return Ok((Ty::Named(name), nullable));
        }
        let inferred = if s.get("discriminator").is_none() { self.inferred_tag(&members)? } else { None };
        if let Some(prop) = inferred {
            self.tagged_by_property(&name, s, &members, prop, deprecated)?;
        } else if let Some(disc) = s.get("discriminator") {
            self.tagged_by_discriminator(&name, s, &members, disc, deprecated)?;
        } else {
            self.untagged(&name, s, &members, deprecated)?;
        }
        Ok((Ty::Named(name), nullable))
    }

    /// Every member an object with its own constant value of `prop`: a tagged union.
    fn tagged_by_property(
        &mut self,
        name: &str,
        s: &'a Value,
        members: &[&'a Value],
        prop: String,
        deprecated: Option<String>,
    ) -> R<()> {
        let mut variants: Vec<Variant> = Vec::new();
        for m in members {
            let tag = self.tag_value(self.deref(m)?, &prop)?.ok_or("inferred tag lost")?;
            let ident = camel(&tag);
            let (ty, _) = self.resolve(m, &format!("{name}{ident}"))?;
            variants.push(Variant { ident, tags: vec![tag], ty, boxed: false });
        }
        self.add(name, desc(s), Kind::Tagged { prop, variants }, deprecated);
        Ok(())
    }

    /// The spec's `discriminator`: each member's tags from the mapping or its constant property.
    fn tagged_by_discriminator(
        &mut self,
        name: &str,
        s: &'a Value,
        members: &[&'a Value],
        disc: &'a Value,
        deprecated: Option<String>,
    ) -> R<()> {
        let prop = get_str(disc, "propertyName").ok_or("discriminator without propertyName")?;
        let mapping = disc.get("mapping").and_then(Value::as_object);
        let mut variants: Vec<Variant> = Vec::new();
        for m in members {
            let mut tags: Vec<String> = Vec::new();
            if let (Some(r), Some(map)) = (get_str(m, "$ref"), mapping) {
                for (tag, target) in map {
                    if target.as_str() == Some(r) {
                        tags.push(tag.clone());
                    }
                }
            }
            if tags.is_empty() {
                let target = self.deref(m)?;
                let mut ps = Vec::new();
                let mut rq: Vec<String> = Vec::new();
                let mut ok = true;
                self.collect_props(target, "", &mut ps, &mut rq, &mut ok, 0)?;
                if let Some((_, p, _)) = ps.iter().find(|(w, _, _)| w == prop) {
                    let p = self.deref(p)?;
                    if let Some(c) = get_str(p, "const") {
                        tags.push(c.to_string());
                    } else if let Some(e) = p.get("enum").and_then(Value::as_array) {
                        tags.extend(e.iter().filter_map(|v| v.as_str().map(String::from)));
                    }
                }
            }
            if tags.is_empty() {
                return Err(format!("{name}: cannot find the discriminator value of a variant"));
            }
            let mut ident = camel(&tags[0]);
            while variants.iter().any(|v| v.ident == ident) || ident == "Unknown" {
                ident.push('_');
                ident = format!("{}V", ident.trim_end_matches('_'));
            }
            let (ty, _) = self.resolve(m, &format!("{name}{ident}"))?;
            variants.push(Variant { ident, tags, ty, boxed: false });
        }
        self.add(name, desc(s), Kind::Tagged { prop: prop.to_string(), variants }, deprecated);
        Ok(())
    }

    /// Untagged: string-ish members merged into one variant, objects named by their shape.
    fn untagged(&mut self, name: &str, s: &'a Value, members: &[&'a Value], deprecated: Option<String>) -> R<()> {
        let mut variants: Vec<(Variant, (i32, usize))> = Vec::new();
        let stringish: Vec<&&'a Value> = members.iter().filter(|m| is_stringish(m)).collect();
        let mut string_done = false;
        for m in members {
            if is_stringish(m) {
                if string_done {
                    continue;
                }
                string_done = true;
                let mut values = Vec::new();
                let mut plain = false;
                for m in &stringish {
                    if let Some(e) = m.get("enum").and_then(Value::as_array) {
                        values.extend(e.iter().filter_map(|v| v.as_str().map(String::from)));
                    } else if let Some(c) = m.get("const").and_then(Value::as_str) {
                        values.push(c.to_string());
                    } else {
                        plain = true;
                    }
                }
                let ty = if plain || values.is_empty() {
                    Ty::Str
                } else {
                    let (n, fresh) = self.alloc(&format!("{name}String"), m);
                    if fresh {
                        self.string_enum(&n, String::new(), values, None);
                    }
                    Ty::Named(n)
                };
                variants.push((Variant { ident: "Text".into(), tags: vec![], ty, boxed: false }, (0, 0)));
                continue;
            }
            let target = self.deref(m)?;
            let (ident, spec) = self.variant_ident(m, target)?;
            let mut ident = ident;
            if variants.iter().any(|(v, _)| v.ident == ident) {
                // Two objects of the same shape: named by the property that tells them apart.
                let taken: Vec<String> = variants.iter().map(|(v, _)| v.ident.clone()).collect();
                if let Some(p) = self.distinguishing_property(target, &taken) {
                    ident = p;
                }
            }
            if let Some(o) = self.ov_get(&self.ov.variant_names, &format!("{name}.{ident}")) {
                ident = o;
            }
            let mut i = 2;
            while variants.iter().any(|(v, _)| v.ident == ident) || ident == "Unknown" {
                ident = format!("{}{}", ident.trim_end_matches(char::is_numeric), i);
                i += 1;
            }
            let (ty, _) = self.resolve(m, &format!("{name}{ident}"))?;
            variants.push((Variant { ident, tags: vec![], ty, boxed: false }, spec));
        }
        // More specific object variants first (stable).
        variants.sort_by_key(|v| std::cmp::Reverse(v.1));
        let variants = variants.into_iter().map(|(v, _)| v).collect();
        self.add(name, desc(s), Kind::Untagged { variants }, deprecated);
        Ok(())
    }

    fn variant_ident(&self, m: &Value, target: &Value) -> R<(String, (i32, usize))> {
        let mut ps = Vec::new();
        let mut rq: Vec<String> = Vec::new();
        let mut ok = true;
        let is_object = target.get("properties").is_some() || target.get("allOf").is_some();
        if is_object {
            self.collect_props_ro(target, &mut ps, &mut rq, &mut ok, 0)?;
        }
        // specificity: required single-value tag, then number of required fields
        let mut tag_value = None;
        for (w, p) in &ps {
            let p = self.deref(p)?;
            let single = get_str(p, "const").map(String::from).or_else(|| {
                p.get("enum")
                    .and_then(Value::as_array)
                    .filter(|e| e.len() == 1)
                    .and_then(|e| e[0].as_str().map(String::from))
            });
            if let Some(v) = single {
                if rq.contains(w) && tag_value.is_none() {
                    tag_value = Some(v);
                }
            }
        }
        let spec = if is_object { (if tag_value.is_some() { 2 } else { 1 }, rq.len()) } else { (0, 0) };
        if let Some(r) = get_str(m, "$ref") {
            return Ok((self.comp_name(schema_ref_name(r).unwrap_or("Ref")), spec));
        }
        if let Some(v) = tag_value {
            return Ok((camel(&v), spec));
        }
        let ident = self.shape_name(target, is_object);
        let spec = if ident == "Object" && ps.is_empty() { (-1, 0) } else { spec };
        Ok((ident, spec))
    }

    /// The single string value a property of an object schema may take (`const`, or an `enum` of
    /// one value), if it has one.
    fn tag_value(&self, target: &'a Value, prop: &str) -> R<Option<String>> {
        let mut ps = Vec::new();
        let mut rq: Vec<String> = Vec::new();
        let mut ok = true;
        self.collect_props_ro(target, &mut ps, &mut rq, &mut ok, 0)?;
        let Some((_, p)) = ps.iter().find(|(w, _)| w == prop) else { return Ok(None) };
        let p = self.deref(p)?;
        Ok(get_str(p, "const").map(String::from).or_else(|| {
            let e = p.get("enum").and_then(Value::as_array).filter(|e| e.len() == 1)?;
            e[0].as_str().map(String::from)
        }))
    }

    /// The property that tells a union's members apart, when every member is an object whose
    /// value of it is a distinct constant (`type`, `role`, `object`, … tried in that order, then
    /// the others in the first member's order). Variant names come from those values, so they
    /// must stay distinct as names too.
    fn inferred_tag(&self, members: &[&'a Value]) -> R<Option<String>> {
        let mut targets = Vec::new();
        for m in members {
            let t = self.deref(m)?;
            let objectish = t.get("properties").is_some() || t.get("allOf").is_some();
            if !objectish || t.get("oneOf").is_some() || t.get("anyOf").is_some() {
                return Ok(None);
            }
            targets.push(t);
        }
        let mut first = Vec::new();
        let mut rq: Vec<String> = Vec::new();
        let mut ok = true;
        self.collect_props_ro(targets[0], &mut first, &mut rq, &mut ok, 0)?;
        let mut props: Vec<String> = ["type", "role", "object"].iter().map(|p| p.to_string()).collect();
        props.extend(first.into_iter().map(|(w, _)| w));
        'props: for prop in props {
            let mut names = HashSet::new();
            for t in &targets {
                match self.tag_value(t, &prop)? {
                    Some(v) if names.insert(camel(&v)) && camel(&v) != "Unknown" && !camel(&v).is_empty() => {}
                    _ => continue 'props,
                }
            }
            return Ok(Some(prop));
        }
        Ok(None)
    }

    /// A name for an object variant whose first name is taken: the value of another single-value
    /// property (`WebSearch` -> `WebSearch20260209`), else its first required (else any)
    /// property's name, else `Other`; `None` if all are taken.
    fn distinguishing_property(&self, target: &'a Value, taken: &[String]) -> Option<String> {
        let mut ps = Vec::new();
        let mut rq: Vec<String> = Vec::new();
        let mut ok = true;
        self.collect_props_ro(target, &mut ps, &mut rq, &mut ok, 0).ok()?;
        let mut names: Vec<String> = Vec::new();
        for (_, p) in &ps {
            let p = self.deref(p).ok()?;
            let single = get_str(p, "const").map(String::from).or_else(|| {
                let e = p.get("enum").and_then(Value::as_array).filter(|e| e.len() == 1)?;
                e[0].as_str().map(String::from)
            });
            names.extend(single.map(|v| camel(&v)));
        }
        names.extend(rq.iter().chain(ps.iter().map(|(w, _)| w)).map(|w| camel(w)));
        names.push("Other".into());
        names.into_iter().find(|n| !taken.contains(n) && n != "Unknown")
    }

    /// What a union variant is, as a name: `Text`, `Integer`, `Number`, `Bool`, `Object`; a list
    /// is named by its items (`Texts`, `Numbers`, `NumberLists`, `ChatMessageList`).
    fn shape_name(&self, target: &Value, is_object: bool) -> String {
        let t: Vec<String> = types_of(target).into_iter().filter(|t| t != "null").collect();
        match t.first().map(String::as_str) {
            Some("string") => "Text".into(),
            Some("integer") => "Integer".into(),
            Some("number") => "Number".into(),
            Some("boolean") => "Bool".into(),
            Some("array") => {
                let items = target.get("items").unwrap_or(&Value::Null);
                if let Some(r) = get_str(items, "$ref") {
                    return format!("{}List", self.comp_name(schema_ref_name(r).unwrap_or("Item")));
                }
                let inner = self.shape_name(items, items.get("properties").is_some());
                match inner.as_str() {
                    "Other" | "Object" => "Objects".into(),
                    n if n.ends_with('s') => format!("{}Lists", &n[..n.len() - 1]),
                    n if n.ends_with("List") => format!("{n}s"),
                    n => format!("{n}s"),
                }
            }
            Some("object") => "Object".into(),
            _ if is_object => "Object".into(),
            _ => "Other".into(),
        }
    }

    /// Read-only property collection (no definitions built).
    fn collect_props_ro(
        &self,
        s: &'a Value,
        props: &mut Vec<(String, &'a Value)>,
        required: &mut Vec<String>,
        ok: &mut bool,
        depth: usize,
    ) -> R<()> {
        let mut tmp = Vec::new();
        self.collect_props(s, "", &mut tmp, required, ok, depth)?;
        props.extend(tmp.into_iter().map(|(w, p, _)| (w, p)));
        Ok(())
    }

    /// Collect properties of an object schema, following allOf and $ref (shallow merge; later
    /// members win). Each property records the name of the schema that lexically holds it.
    fn collect_props(
        &self,
        s: &'a Value,
        ctx: &str,
        props: &mut Vec<(String, &'a Value, String)>,
        required: &mut Vec<String>,
        ok: &mut bool,
        depth: usize,
    ) -> R<()> {
        if depth > 16 {
            return Err("allOf nesting too deep".into());
        }
        if let Some(r) = get_str(s, "$ref") {
            let n = schema_ref_name(r).ok_or("bad ref")?;
            let c = self.component(n)?;
            return self.collect_props(c, &self.comp_name(n), props, required, ok, depth + 1);
        }
        if let Some(members) = s.get("allOf").and_then(Value::as_array) {
            for m in members {
                if is_trivial(m) {
                    continue;
                }
                let target = self.deref(m)?;
                let objectish = target.get("properties").is_some()
                    || target.get("allOf").is_some()
                    || types_of(target).iter().any(|t| t == "object");
                if !objectish || target.get("oneOf").is_some() || target.get("anyOf").is_some() {
                    if target.get("enum").is_some() {
                        continue;
                    }
                    *ok = false;
                    continue;
                }
                self.collect_props(m, ctx, props, required, ok, depth + 1)?;
            }
        }
        if let Some(p) = s.get("properties").and_then(Value::as_object) {
            for (k, v) in p {
                if let Some(existing) = props.iter_mut().find(|(w, _, _)| w == k) {
                    *existing = (k.clone(), v, ctx.to_string());
                } else {
                    props.push((k.clone(), v, ctx.to_string()));
                }
            }
        }
        // In the spec's order (a constructor takes the required fields in this order).
        for r in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !required.iter().any(|q| q == r) {
                required.push(r.to_string());
            }
        }
        Ok(())
    }

    fn string_enum(&mut self, name: &str, doc: String, values: Vec<String>, deprecated: Option<String>) {
        let mut seen = BTreeSet::new();
        let values: Vec<String> = values.into_iter().filter(|v| seen.insert(v.clone())).collect();
        if values.len() == 1 {
            let variant = camel(&values[0]);
            self.add(name, doc, Kind::Tag { variant, value: values[0].clone() }, deprecated);
            return;
        }
        // The spec repeats some long lists inline (provider names, country codes): one enum
        // serves them all, the later names being aliases of the first.
        if values.len() >= DEDUP_ENUM_MIN {
            if let Some(first) = self.enum_by_values.get(&values) {
                let first = first.clone();
                self.add(name, doc, Kind::Alias(Ty::Named(first)), deprecated);
                return;
            }
            self.enum_by_values.insert(values.clone(), name.to_string());
        }
        let mut variants: Vec<(String, String)> = Vec::new();
        for v in values {
            let mut ident = camel(&v);
            if ident == "Unknown" {
                ident = "UnknownValue".into();
            }
            let mut i = 2;
            while variants.iter().any(|(id, _)| *id == ident) {
                ident = format!("{}{i}", camel(&v));
                i += 1;
            }
            variants.push((ident, v));
        }
        self.add(name, doc, Kind::OpenEnum { variants }, deprecated);
    }

    fn override_ty(&self, o: &str) -> R<Ty> {
        Ok(match o {
            "json" => Ty::Value,
            "string" => Ty::Str,
            "integer" => Ty::I64,
            "number" => Ty::F64,
            "boolean" => Ty::Bool,
            other => return Err(format!("unknown override type {other}")),
        })
    }

    fn build_struct(
        &mut self,
        name: &str,
        doc: String,
        props: Vec<(String, &'a Value, String)>,
        required: &[String],
        deprecated: Option<String>,
    ) -> R<()> {
        // Reserve the name before recursing (recursive schemas).
        self.add(name, doc.clone(), Kind::Struct { fields: vec![] }, deprecated.clone());
        let mut fields = Vec::new();
        let mut idents = HashSet::new();
        for (wire, schema, ctx) in props {
            let ctx = if ctx.is_empty() { name.to_string() } else { ctx };
            let key = format!("{name}.{wire}");
            // overrides name the generated type or the schema that holds the property
            let ctx_key = format!("{ctx}.{wire}");
            let hint = format!("{ctx}{}", camel(&wire));
            let (mut ty, mut nullable) = self.resolve(schema, &hint)?;
            for k in [&key, &ctx_key] {
                if let Some(o) = self.ov_get(&self.ov.field_types, k) {
                    ty = self.override_ty(&o)?;
                }
            }
            if self.ov_has(&self.ov.nullable, &key) | self.ov_has(&self.ov.nullable, &ctx_key) {
                nullable = true;
            }
            let mut req = required.contains(&wire);
            if self.ov_has(&self.ov.optional, &key) | self.ov_has(&self.ov.optional, &ctx_key) {
                req = false;
            }
            let ident = field_ident(&wire);
            if !idents.insert(ident.clone()) || ident == "extra" {
                return Err(format!("{name}: field identifier collision on {ident}"));
            }
            let target = self.deref(schema).unwrap_or(schema);
            let mut d = desc(schema);
            if d.is_empty() {
                d = desc(target);
            }
            let rank = required.iter().position(|r| *r == wire).unwrap_or(usize::MAX);
            fields.push(Field {
                wire,
                ident,
                ty,
                required: req,
                nullable,
                doc: d,
                constraints: constraints(schema),
                loc: Loc::Field,
                boxed: false,
                deprecated: deprecation(schema),
                rank,
            });
        }
        self.add(name, doc, Kind::Struct { fields }, deprecated);
        Ok(())
    }
}

/// An operation's name for its types: the operation id in UpperCamelCase without a trailing
/// `Request` (`sendChatCompletionRequest` -> `SendChatCompletion`, whose inputs are then
/// `SendChatCompletionRequest`, not `SendChatCompletionRequestRequest`).
fn op_stem(operation_id: &str) -> String {
    let name = camel_first(operation_id);
    match name.strip_suffix("Request") {
        Some(stem) if !stem.is_empty() => stem.to_string(),
        _ => name,
    }
}

/// The words of a type name: `ChatContentImageImageUrl` -> Chat, Content, Image, Image, Url;
/// a run of capitals is one word (`STTRequest` -> STT, Request).
pub fn name_words(name: &str) -> Vec<&str> {
    let b = name.as_bytes();
    let mut words = Vec::new();
    let mut start = 0;
    for i in 1..b.len() {
        let boundary = (b[i].is_ascii_uppercase() && b[i - 1].is_ascii_lowercase())
            || (b[i].is_ascii_uppercase()
                && b[i - 1].is_ascii_uppercase()
                && b.get(i + 1).is_some_and(u8::is_ascii_lowercase))
            || (b[i].is_ascii_uppercase() && b[i - 1].is_ascii_digit())
            || (b[i].is_ascii_digit() && b[i - 1].is_ascii_alphabetic());
        if boundary {
            words.push(&name[start..i]);
            start = i;
        }
    }
    words.push(&name[start..]);
    words
}

/// A name without a word said twice in a row (`ChatContentImageImageUrl` -> `ChatContentImageUrl`).
pub fn destutter(name: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for w in name_words(name) {
        if out.last() != Some(&w) {
            out.push(w);
        }
    }
    out.concat()
}

fn camel_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn param_ident(name: &str) -> String {
    if name.contains('-') {
        field_ident(&name.to_lowercase().replace('-', "_"))
    } else {
        field_ident(name)
    }
}

pub fn build(spec: &Value, rows: &[OpRow], ov: &Overrides) -> R<Model> {
    let mut g = Gen {
        spec,
        ov,
        used_ov: RefCell::new(HashSet::new()),
        defs: BTreeMap::new(),
        reserved: HashMap::new(),
        by_source: HashMap::new(),
        name_source: HashMap::new(),
        comp_done: HashSet::new(),
        renamed: Vec::new(),
        comp_rename: HashMap::new(),
        enum_by_values: HashMap::new(),
    };
    // A schema named like an operation's request type (`<OperationId>Request`) is that
    // operation's body: it becomes `<OperationId>RequestBody`.
    for row in rows {
        let n = format!("{}Request", camel_first(&row.operation_id));
        if g.schemas().contains_key(&n) {
            g.comp_rename.insert(n.clone(), format!("{n}Body"));
            g.renamed.push((n.clone(), format!("{n}Body")));
        }
    }
    for k in g.schemas().keys() {
        let n = g.comp_name(k);
        if let Some(prev) = g.reserved.insert(n.clone(), k.clone()) {
            return Err(format!("schemas {prev} and {k} both map to {n}"));
        }
    }
    g.reserved.insert("FileUpload".into(), "(multipart file)".into());
    let version = spec.pointer("/info/version").and_then(Value::as_str).unwrap_or("?").to_string();
    let paths = spec.get("paths").and_then(Value::as_object).ok_or("spec has no paths")?;
    let rows = operation_rows(paths, rows);
    // Reserve request names.
    for row in &rows {
        let n = format!("{}Request", op_stem(&row.operation_id));
        if let Some(prev) = g.reserved.insert(n.clone(), row.operation_id.clone()) {
            return Err(format!("request type {n} of {} collides with {prev}", row.operation_id));
        }
    }

    let mut ops = Vec::new();
    for row in &rows {
        ops.extend(g.operation(row, paths)?);
    }
    check_overrides_used(&g)?;
    let components: HashSet<String> = g.schemas().keys().map(|k| g.comp_name(k)).collect();
    let mut defs = g.defs;
    let renamed = g.renamed;
    let mut merged = merge_identical(&mut defs, &mut ops, &components);
    merged.sort();
    box_recursion(&mut defs);
    box_optional_objects(&mut defs);
    let (groups, all_groups) = reaching_groups(&mut defs, &ops, ov)?;
    let defaultable = defaultable_types(&defs);
    let hand_written = ov.hand_written.iter().cloned().collect::<BTreeSet<String>>();
    for item in &hand_written {
        let (name, member) =
            item.split_once('.').ok_or_else(|| format!("hand_written: {item} is not `Type.member`"))?;
        let known = match defs.get(name).map(|d| &d.kind) {
            Some(Kind::Struct { fields }) => fields.iter().any(|f| f.wire == member),
            Some(Kind::Tagged { .. } | Kind::Untagged { .. }) => member.starts_with("From<"),
            _ => false,
        };
        if !known {
            return Err(format!("hand_written: {item} matches no generated item"));
        }
    }
    Ok(Model { version, defs, ops, groups, all_groups, renamed, merged, defaultable, hand_written })
}

/// The operations: the table's rows, plus any spec operation missing from it.
fn operation_rows(paths: &serde_json::Map<String, Value>, rows: &[OpRow]) -> Vec<OpRow> {
    let mut rows: Vec<OpRow> = rows.to_vec();
    for (path, item) in paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            let Some(id) = get_str(op, "operationId") else { continue };
            if rows.iter().any(|r| r.operation_id == id) {
                continue;
            }
            let group = get_str(op, "x-group")
                .map(String::from)
                .or_else(|| op.pointer("/tags/0").and_then(Value::as_str).map(|t| t.to_snake_case()))
                .unwrap_or_else(|| "default".into());
            rows.push(OpRow {
                operation_id: id.to_string(),
                rust_function: format!("{}_{}", group, id.to_snake_case()),
                group,
                method: method.to_uppercase(),
                path: path.clone(),
            });
        }
    }
    rows
}

/// Every override must have matched something.
fn check_overrides_used(g: &Gen<'_>) -> R<()> {
    let ov = g.ov;
    let used = g.used_ov.borrow().clone();
    let all: Vec<&String> = ov
        .nullable
        .iter()
        .chain(&ov.optional)
        .chain(ov.field_types.keys())
        .chain(ov.param_types.keys())
        .chain(&ov.skip_params)
        .chain(&ov.skip_content_types)
        .chain(&ov.client_headers)
        .chain(ov.names.keys())
        .chain(ov.variant_names.keys())
        .chain(ov.stream_events.keys())
        .collect();
    let stale: Vec<&&String> = all.iter().filter(|k| !used.contains(**k)).collect();
    if !stale.is_empty() {
        return Err(format!("overrides that match nothing: {stale:?}"));
    }
    Ok(())
}

/// The groups reaching each definition (an alias group dropped where a group it implies reaches
/// the type), and all groups; definitions no operation reaches are dropped.
type Groups = (BTreeMap<String, BTreeSet<String>>, BTreeSet<String>);
fn reaching_groups(defs: &mut BTreeMap<String, Def>, ops: &[Operation], ov: &Overrides) -> R<Groups> {
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut all_groups = BTreeSet::new();
    for op in ops {
        all_groups.insert(op.row.group.clone());
        let mut stack = vec![op.request.clone()];
        if let Response::Json(t) = &op.response {
            t.named(&mut stack);
        }
        if let Some(t) = &op.sse {
            t.named(&mut stack);
        }
        if let Some(t) = &op.stream_event {
            t.named(&mut stack);
        }
        let mut seen = HashSet::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            groups.entry(n.clone()).or_default().insert(op.row.group.clone());
            if let Some(d) = defs.get(&n) {
                stack.extend(d.deps());
            }
        }
    }
    defs.retain(|n, _| groups.contains_key(n));
    // An alias group is dropped from a type's groups when a group it implies reaches the type.
    for (alias, implied) in &ov.implies {
        if !all_groups.contains(alias) || implied.iter().any(|g| !all_groups.contains(g)) {
            return Err(format!("overrides: implies {alias} = {implied:?} names a group that has no operation"));
        }
    }
    for set in groups.values_mut() {
        let drop: Vec<String> = ov
            .implies
            .iter()
            .filter(|(alias, implied)| set.contains(*alias) && implied.iter().any(|g| set.contains(g)))
            .map(|(alias, _)| alias.clone())
            .collect();
        for alias in drop {
            set.remove(&alias);
        }
    }

    Ok((groups, all_groups))
}

/// Which types can derive Default (greatest fixpoint).
fn defaultable_types(defs: &BTreeMap<String, Def>) -> HashSet<String> {
    let mut defaultable: HashSet<String> = defs.keys().cloned().collect();
    loop {
        let mut changed = false;
        for (n, d) in defs {
            if !defaultable.contains(n) {
                continue;
            }
            let ok = match &d.kind {
                Kind::Struct { fields } | Kind::Request { fields, .. } | Kind::Multipart { fields } => {
                    fields.iter().all(|f| !f.required || f.nullable || ty_default(&f.ty, &defaultable))
                }
                Kind::Tag { .. } => true,
                Kind::Alias(t) => ty_default(t, &defaultable),
                Kind::OpenEnum { .. } | Kind::Tagged { .. } | Kind::Untagged { .. } => false,
            };
            if !ok {
                defaultable.remove(n);
                changed = true;
                break;
            }
        }
        if !changed {
            break;
        }
    }
    defaultable
}

impl<'a> Gen<'a> {
    /// The operations of one table row (two when its body is JSON or multipart), their request
    /// types added to the definitions.
    fn operation(&mut self, row: &OpRow, paths: &'a serde_json::Map<String, Value>) -> R<Vec<Operation>> {
        let mut ops = Vec::new();
        let item = paths.get(&row.path).ok_or_else(|| format!("no path {}", row.path))?;
        let op = item.get(row.method.to_lowercase()).ok_or_else(|| format!("no {} {}", row.method, row.path))?;
        let op_name = op_stem(&row.operation_id);
        let mut params: Vec<&Value> = Vec::new();
        for p in item.get("parameters").and_then(Value::as_array).into_iter().flatten() {
            params.push(p);
        }
        for p in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
            params.push(p);
        }
        let content = op.pointer("/requestBody/content").and_then(Value::as_object);
        let mut variants: Vec<Option<&str>> = vec![None];
        if let Some(c) = content {
            if c.contains_key("application/json") && c.contains_key("multipart/form-data") {
                variants.push(Some("multipart"));
            }
        }
        for variant in variants {
            let request = match variant {
                None => format!("{op_name}Request"),
                Some(v) => {
                    let n = format!("{op_name}{}Request", camel(v));
                    self.reserved.insert(n.clone(), row.operation_id.clone());
                    n
                }
            };
            let mut fields = self.param_fields(row, &request, &params)?;
            let mut body = None;
            if let Some(c) = content {
                let (field, kind) = self.request_body(row, op, &request, c, variant)?;
                fields.push(field);
                body = Some(kind);
            }
            let mut seen = HashSet::new();
            for f in &fields {
                if !seen.insert(f.ident.clone()) {
                    return Err(format!("{request}: two parameters named {}", f.ident));
                }
            }
            let (response, accept, sse) = self.success_response(row, op, &op_name)?;
            // The `_stream` form: the `data` field of the spec's SSE event schema, or an override.
            let stream_event = match (&sse, self.ov.stream_events.get(&row.operation_id)) {
                (_, Some(name)) => {
                    self.used_ov.borrow_mut().insert(row.operation_id.clone());
                    Some(Ty::Named(self.ensure_component(name)?))
                }
                (Some(Ty::Named(wrapper)), None) => match self.defs.get(wrapper).map(|d| &d.kind) {
                    Some(Kind::Struct { fields }) => fields.iter().find(|f| f.wire == "data").map(|f| f.ty.clone()),
                    _ => None,
                },
                _ => None,
            }
            .filter(|_| variant.is_none());
            if stream_event.is_some() && !matches!(body, Some(Body::Json)) {
                return Err(format!("{}: a streaming form needs a JSON body with `stream`", row.operation_id));
            }
            let pagination = self.pagination(row, op, &params)?;
            let doc_of = |k: &str| get_str(op, k).unwrap_or("").to_string();
            let (on_origin, path) = operation_path(self.spec, row, op)?;
            self.add(&request, String::new(), Kind::Request { op: row.operation_id.clone(), fields }, None);
            ops.push(Operation {
                row: row.clone(),
                variant: variant.map(String::from),
                function: match variant {
                    None => row.rust_function.clone(),
                    Some(v) => format!("{}_{v}", row.rust_function),
                },
                request,
                summary: doc_of("summary"),
                description: doc_of("description"),
                method: row.method.clone(),
                path,
                body,
                response,
                accept,
                sse,
                stream_event,
                pagination,
                deprecated: deprecation(op),
                on_origin,
            });
        }
        Ok(ops)
    }

    /// The fields of an operation's request for its path, query and header parameters.
    fn param_fields(&mut self, row: &OpRow, request: &str, params: &[&'a Value]) -> R<Vec<Field>> {
        let ov = self.ov;
        let mut fields = Vec::new();
        for p in params {
            let p = self.param(p)?;
            let name = get_str(p, "name").ok_or("parameter without name")?;
            let key = format!("{}.{}", row.operation_id, name);
            if self.ov_has(&ov.skip_params, &key) {
                continue;
            }
            if get_str(p, "in") == Some("header") && self.ov_has(&ov.client_headers, name) {
                continue;
            }
            let loc = match get_str(p, "in") {
                Some("path") => Loc::Path,
                Some("query") => Loc::Query,
                Some("header") => Loc::Header,
                other => return Err(format!("{key}: unsupported parameter location {other:?}")),
            };
            let schema = p.get("schema").unwrap_or(&Value::Null);
            let ident = param_ident(name);
            let (ty, _) = if let Some(o) = self.ov_get(&ov.param_types, &key) {
                (self.override_ty(&o)?, false)
            } else if get_str(schema, "x-openrouter-type") == Some("boolean") {
                (Ty::Bool, false)
            } else {
                self.resolve(schema, &format!("{request}{}", camel(name)))?
            };
            let mut d = desc(p);
            if d.is_empty() {
                d = desc(schema);
            }
            let mut constraints = constraints(schema);
            if loc == Loc::Path && ty == Ty::Str && constraints.min_length.is_none() {
                // An empty path segment would address another resource (`/byok/` is the list).
                constraints.min_length = Some(1);
            }
            fields.push(Field {
                wire: name.to_string(),
                ident,
                ty,
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false) || loc == Loc::Path,
                nullable: false,
                doc: d,
                constraints,
                loc,
                boxed: false,
                deprecated: deprecation(p),
                rank: 0,
            });
        }
        Ok(fields)
    }

    /// The `body` field of an operation's request (JSON, form or multipart), and its kind.
    fn request_body(
        &mut self,
        row: &OpRow,
        op: &'a Value,
        request: &str,
        c: &'a serde_json::Map<String, Value>,
        variant: Option<&str>,
    ) -> R<(Field, Body)> {
        let (ct, media) = match variant {
            Some(_) => ("multipart/form-data", &c["multipart/form-data"]),
            None => match ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]
                .into_iter()
                .find_map(|ct| c.get(ct).map(|m| (ct, m)))
            {
                Some(found) => found,
                None => return Err(format!("{}: unsupported request content", row.operation_id)),
            },
        };
        let schema = media.get("schema").unwrap_or(&Value::Null);
        let body_doc = desc(op.get("requestBody").unwrap_or(&Value::Null));
        let (ty, kind) = if ct == "application/json" {
            let (ty, _) = self.resolve(schema, &format!("{request}Body"))?;
            (ty, Body::Json)
        } else if ct == "application/x-www-form-urlencoded" {
            let (ty, _) = self.resolve(schema, &format!("{request}Body"))?;
            (ty, Body::Form)
        } else {
            let name = format!("{request}Body");
            self.reserved.insert(name.clone(), row.operation_id.clone());
            let target = self.deref(schema)?;
            let mut props = Vec::new();
            let mut required: Vec<String> = Vec::new();
            let mut ok = true;
            self.collect_props(target, &name, &mut props, &mut required, &mut ok, 0)?;
            let mut mfields = Vec::new();
            // Parts go file first, then the required ones, then the others, each in the
            // order the spec lists them (as the official SDK sends them).
            props.sort_by_key(|(w, ps, _)| {
                let file = self.deref(ps).ok().and_then(|t| get_str(t, "format")) == Some("binary");
                if file {
                    0
                } else if required.contains(w) {
                    1
                } else {
                    2
                }
            });
            for (wire, ps, ctx) in props {
                let ps_t = self.deref(ps)?;
                let ty = if get_str(ps_t, "format") == Some("binary") {
                    Ty::File
                } else {
                    self.resolve(ps, &format!("{ctx}{}", camel(&wire)))?.0
                };
                mfields.push(Field {
                    ident: field_ident(&wire),
                    wire: wire.clone(),
                    ty,
                    required: required.contains(&wire),
                    nullable: false,
                    doc: desc(ps),
                    constraints: constraints(ps),
                    loc: Loc::Field,
                    boxed: false,
                    deprecated: deprecation(ps),
                    rank: 0,
                });
            }
            self.add(&name, desc(target), Kind::Multipart { fields: mfields }, None);
            (Ty::Named(name.clone()), Body::Multipart(name))
        };
        let field = Field {
            wire: "body".into(),
            ident: "body".into(),
            ty,
            required: true,
            nullable: false,
            doc: body_doc,
            constraints: Constraints::default(),
            loc: Loc::Body,
            boxed: false,
            deprecated: None,
            rank: 0,
        };
        Ok((field, kind))
    }

    /// What the success response of an operation is: its type, `Accept`, and the SSE event type.
    fn success_response(&mut self, row: &OpRow, op: &'a Value, op_name: &str) -> R<(Response, String, Option<Ty>)> {
        let ov = self.ov;
        // Response.
        let responses = op.get("responses").and_then(Value::as_object).ok_or("no responses")?;
        let (status, success) = responses
            .iter()
            .find(|(k, _)| k.starts_with('2'))
            .ok_or_else(|| format!("{}: no success response", row.operation_id))?;
        let _ = status;
        let mut response = Response::Empty;
        let mut accept = "application/json".to_string();
        let mut sse = None;
        if let Some(c) = success.get("content").and_then(Value::as_object) {
            for (ct, media) in c {
                if self.ov_has(&ov.skip_content_types, ct) {
                    continue;
                }
                let schema = media.get("schema").unwrap_or(&Value::Null);
                if ct == "application/json" {
                    let (ty, _) = self.resolve(schema, &format!("{op_name}Response"))?;
                    response = Response::Json(ty);
                } else if ct == "text/event-stream" {
                    let target = self.deref(schema)?;
                    if types_of(target) != ["string"] {
                        let (ty, _) = self.resolve(schema, &format!("{op_name}StreamEvent"))?;
                        sse = Some(ty);
                    }
                } else if !matches!(response, Response::Json(_)) {
                    response = Response::Raw;
                    accept = ct.clone();
                }
            }
        }
        Ok((response, accept, sse))
    }

    /// The pagination of a list operation, from the spec's `x-speakeasy-pagination`.
    fn pagination(&self, row: &OpRow, op: &'a Value, params: &[&'a Value]) -> R<Option<Pagination>> {
        Ok(match op.get("x-speakeasy-pagination").and_then(|p| get_str(p, "type")) {
            Some("offsetLimit") => Some(Pagination::Offset {
                default_limit: params
                    .iter()
                    .filter_map(|p| self.param(p).ok())
                    .find(|p| get_str(p, "name") == Some("limit"))
                    .and_then(|p| p.get("schema"))
                    .and_then(|s| s.get("default"))
                    .and_then(Value::as_i64),
            }),
            Some("cursor") => {
                let p = &op["x-speakeasy-pagination"];
                let param = p
                    .get("inputs")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .find(|i| get_str(i, "type") == Some("cursor"))
                    .and_then(|i| get_str(i, "name"))
                    .ok_or_else(|| format!("{}: a cursor pagination without a cursor input", row.operation_id))?;
                let next = p
                    .pointer("/outputs/nextCursor")
                    .and_then(Value::as_str)
                    .and_then(|n| n.strip_prefix("$."))
                    .filter(|n| !n.contains('.'))
                    .ok_or_else(|| format!("{}: nextCursor must be a top-level field `$.name`", row.operation_id))?;
                Some(Pagination::Cursor { param: param.to_string(), next: next.to_string() })
            }
            Some(other) => return Err(format!("{}: unknown pagination type {other}", row.operation_id)),
            None => None,
        })
    }
}

/// The path of an operation, and whether it is relative to the API's origin (an operation with
/// its own server: the same origin as the API's, another path prefix).
fn operation_path(spec: &Value, row: &OpRow, op: &Value) -> R<(bool, String)> {
    Ok(match op.pointer("/servers/0/url").and_then(Value::as_str) {
        None => (false, row.path.clone()),
        Some(url) => {
            let api = spec.pointer("/servers/0/url").and_then(Value::as_str).unwrap_or("");
            let origin = |u: &str| u.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
            if origin(url) != origin(api) {
                return Err(format!("{}: its server {url} is not on the API's origin", row.operation_id));
            }
            (true, format!("{}{}", url[origin(url).len()..].trim_end_matches('/'), row.path))
        }
    })
}

fn ty_default(t: &Ty, defaultable: &HashSet<String>) -> bool {
    match t {
        Ty::Named(n) => defaultable.contains(n),
        _ => true,
    }
}

/// What makes two schemas the same type: everything but their names, docs included (the
/// same words say the spec repeats one schema; the same structure alone joins unrelated ones:
/// throughput and latency cut-offs). Type tags are left alone: they are named for their place.
fn shape(d: &Def) -> Option<String> {
    let kind = match &d.kind {
        Kind::Struct { fields } => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| {
                    format!(
                        "{} {} {:?} {} {} {:?} {} {:?} {} {:?}",
                        f.wire,
                        f.ident,
                        f.ty,
                        f.required,
                        f.nullable,
                        f.constraints,
                        f.boxed,
                        f.deprecated,
                        f.rank,
                        f.doc
                    )
                })
                .collect();
            format!("struct {}", fields.join(", "))
        }
        Kind::OpenEnum { .. } | Kind::Tagged { .. } | Kind::Untagged { .. } => format!("{:?}", d.kind),
        Kind::Tag { .. } | Kind::Alias(_) | Kind::Request { .. } | Kind::Multipart { .. } => return None,
    };
    Some(format!("{kind} deprecated {:?} doc {:?}", d.deprecated, d.doc))
}

fn rename_in(t: &mut Ty, to: &HashMap<String, String>) {
    match t {
        Ty::Vec(inner) | Ty::Map(inner) => rename_in(inner, to),
        Ty::Named(n) => {
            if let Some(new) = to.get(n) {
                *n = new.clone();
            }
        }
        _ => {}
    }
}

/// Identical schemas (same structure, same docs) are generated once, where one name can serve
/// them all without misleading: an inline schema that repeats a component schema becomes that
/// component (`…ContentItemInputImage` is `InputImage`; when the spec gives no description,
/// only where the names end in the same word); the inline answers of one
/// resource's operations become one type (`CreateGuardrailResponse` and
/// `UpdateGuardrailResponse` are `GetGuardrailResponse`). Component schemas keep their own
/// names, and inline schemas of unrelated places stay apart (one of their names would be wrong
/// for the others). Every use of a dropped type points at the kept one. Repeated until nothing
/// merges, since merging can make two types that use them identical in turn. Returns (dropped
/// name, kept name).
fn merge_identical(
    defs: &mut BTreeMap<String, Def>,
    ops: &mut [Operation],
    components: &HashSet<String>,
) -> Vec<(String, String)> {
    const VERBS: [&str; 8] = ["Get", "Create", "Update", "Upsert", "Delete", "List", "Set", "Patch"];
    let resource = |name: &str| -> String {
        let words = name_words(name);
        let skip = usize::from(words.first().is_some_and(|w| VERBS.contains(w)));
        words[skip..].concat()
    };
    let mut merged = Vec::new();
    loop {
        let mut by_shape: BTreeMap<String, Vec<&String>> = BTreeMap::new();
        for (name, d) in defs.iter() {
            if let Some(shape) = shape(d) {
                by_shape.entry(shape).or_default().push(name);
            }
        }
        let mut to: HashMap<String, String> = HashMap::new();
        for names in by_shape.values().filter(|names| names.len() > 1) {
            let (comps, inline): (Vec<&String>, Vec<&String>) =
                names.iter().copied().partition(|n| components.contains(n.as_str()));
            let last_word = |n: &str| name_words(n).last().map(|w| w.to_string());
            let documented = !defs[names[0]].doc.is_empty();
            let keep = if let Some(keep) = comps.iter().min_by_key(|n| (n.len(), n.as_str())) {
                // Undocumented: the same values alone do not make the same thing (a `verbosity`
                // is not an effort), unless the names end alike (`…InputImage`, `InputImage`).
                let inline: Vec<&String> =
                    inline.into_iter().filter(|n| documented || last_word(n) == last_word(keep)).collect();
                for n in inline {
                    to.insert(n.clone(), (*keep).clone());
                }
                continue;
            } else if inline.iter().all(|n| resource(n) == resource(inline[0])) {
                let verb_rank = |n: &str| VERBS.iter().position(|v| n.starts_with(v)).unwrap_or(VERBS.len());
                *inline.iter().min_by_key(|n| (verb_rank(n), n.len(), n.as_str())).expect("two or more")
            } else {
                continue;
            };
            for n in inline {
                if n != keep {
                    to.insert(n.clone(), keep.clone());
                }
            }
        }
        if to.is_empty() {
            return merged;
        }
        for (from, keep) in &to {
            defs.remove(from);
            merged.push((from.clone(), keep.clone()));
        }
        for d in defs.values_mut() {
            match &mut d.kind {
                Kind::Struct { fields } | Kind::Request { fields, .. } | Kind::Multipart { fields } => {
                    fields.iter_mut().for_each(|f| rename_in(&mut f.ty, &to));
                }
                Kind::Tagged { variants, .. } | Kind::Untagged { variants } => {
                    variants.iter_mut().for_each(|v| rename_in(&mut v.ty, &to));
                }
                Kind::Alias(t) => rename_in(t, &to),
                Kind::OpenEnum { .. } | Kind::Tag { .. } => {}
            }
        }
        for op in ops.iter_mut() {
            if let Response::Json(t) = &mut op.response {
                rename_in(t, &to);
            }
            for t in [&mut op.sse, &mut op.stream_event].into_iter().flatten() {
                rename_in(t, &to);
            }
        }
    }
}

/// Box every optional field that holds an object or a tagged union of objects. Such fields are
/// usually absent (`usage` and `openrouter_metadata` arrive once per stream), but stored inline
/// they made a chat chunk 1 KB, copied from layer to layer while decoding. The rule depends on the
/// field's kind, not on a size, so a later spec adding a field to a type never changes whether
/// the places holding that type are boxed.
fn box_optional_objects(defs: &mut BTreeMap<String, Def>) {
    fn is_object(defs: &BTreeMap<String, Def>, name: &str, depth: usize) -> bool {
        match defs.get(name).map(|d| &d.kind) {
            Some(Kind::Struct { .. } | Kind::Tagged { .. }) => true,
            Some(Kind::Alias(Ty::Named(n))) if depth < 8 => is_object(defs, n, depth + 1),
            _ => false,
        }
    }
    let names: Vec<String> = defs.keys().cloned().collect();
    for name in names {
        let targets: Vec<bool> = match &defs[&name].kind {
            Kind::Struct { fields } => fields
                .iter()
                .map(|f| (f.nullable || !f.required) && f.ty.by_value().is_some_and(|n| is_object(defs, n, 0)))
                .collect(),
            _ => continue,
        };
        if let Some(Kind::Struct { fields }) = defs.get_mut(&name).map(|d| &mut d.kind) {
            for (f, boxed) in fields.iter_mut().zip(targets) {
                f.boxed |= boxed;
            }
        }
    }
}

/// Box by-value references that close a cycle (within one strongly connected component).
fn box_recursion(defs: &mut BTreeMap<String, Def>) {
    let names: Vec<String> = defs.keys().cloned().collect();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let edges: Vec<Vec<usize>> = names
        .iter()
        .map(|n| defs[n].by_value_deps().iter().filter_map(|d| index.get(d.as_str()).copied()).collect())
        .collect();
    // Tarjan's SCC (iterative enough for our sizes via recursion).
    struct T<'e> {
        edges: &'e [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        comp: Vec<usize>,
        ncomp: usize,
    }
    fn strong(t: &mut T, v: usize) {
        t.index[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on[v] = true;
        for &w in &t.edges[v].clone() {
            if t.index[w].is_none() {
                strong(t, w);
                t.low[v] = t.low[v].min(t.low[w]);
            } else if t.on[w] {
                t.low[v] = t.low[v].min(t.index[w].unwrap());
            }
        }
        if Some(t.low[v]) == t.index[v] {
            loop {
                let w = t.stack.pop().unwrap();
                t.on[w] = false;
                t.comp[w] = t.ncomp;
                if w == v {
                    break;
                }
            }
            t.ncomp += 1;
        }
    }
    let n = names.len();
    let mut t = T {
        edges: &edges,
        index: vec![None; n],
        low: vec![0; n],
        on: vec![false; n],
        stack: vec![],
        next: 0,
        comp: vec![0; n],
        ncomp: 0,
    };
    for v in 0..n {
        if t.index[v].is_none() {
            strong(&mut t, v);
        }
    }
    let comp = t.comp;
    for (i, name) in names.iter().enumerate() {
        let same = |d: &str| index.get(d).map(|&j| comp[j] == comp[i]).unwrap_or(false);
        let def = defs.get_mut(name).unwrap();
        match &mut def.kind {
            Kind::Struct { fields } => {
                for f in fields {
                    if let Some(d) = f.ty.by_value() {
                        f.boxed = same(d);
                    }
                }
            }
            Kind::Tagged { variants, .. } | Kind::Untagged { variants } => {
                for v in variants {
                    if let Some(d) = v.ty.by_value() {
                        v.boxed = same(d);
                    }
                }
            }
            _ => {}
        }
    }
}
