//! The client object (`src/client.rs`): one accessor per group on `OpenRouter`, and one method
//! per free function of that group, named like the function without the group prefix.
//!
//! Each method hands its arguments to the free function and returns that function's future
//! (or stream of pages) as it is: the client adds no code of its own to a call.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::model::{Kind, Model, Operation, Response};
use crate::render::{deprecated_attr, doc, ty};

/// `api_keys` -> `ApiKeys`.
fn type_name(group: &str) -> String {
    group
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// The first paragraph of the operation's doc: its summary, or the function name.
fn summary(op: &Operation) -> String {
    let s = op.summary.trim();
    if s.is_empty() {
        format!("Calls `{}`.", op.function)
    } else {
        s.to_string()
    }
}

pub fn render_client(model: &Model, head: &str) -> String {
    let mut by_group: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for op in &model.ops {
        by_group.entry(op.row.group.as_str()).or_default().push(op);
    }

    let mut out = String::from(head);
    out.push_str(include_str!("../templates/client.rs"));
    out.push('\n');
    if by_group.contains_key("oauth") {
        out.push_str(include_str!("../templates/client_oauth.rs"));
        out.push('\n');
    }

    // The accessors.
    out.push_str("impl OpenRouter {\n");
    for group in by_group.keys() {
        let name = type_name(group);
        let _ = writeln!(
            out,
            "/// The `{group}` operations: `client.{group}().<operation>(..)`.\n\
             #[cfg(feature = \"{group}\")]\n\
             pub fn {group}(&self) -> {name}<'_> {{\n{name} {{ core: &self.core }}\n}}\n"
        );
    }
    out.push_str("}\n\n");

    // One type per group, with its methods.
    for (group, ops) in &by_group {
        let name = type_name(group);
        let _ = writeln!(
            out,
            "/// The `{group}` operations of an [`OpenRouter`] client, from [`OpenRouter::{group}`].\n\
             ///\n/// Each method calls the free function of [`funcs`](crate::funcs) with the same name \
             and the prefix `{group}_`.\n\
             #[cfg(feature = \"{group}\")]\n\
             #[derive(Clone, Copy, Debug)]\n\
             pub struct {name}<'a> {{\npub(crate) core: &'a OpenRouterCore,\n}}\n\n\
             #[cfg(feature = \"{group}\")]\nimpl<'a> {name}<'a> {{"
        );
        for op in ops {
            render_methods(model, op, group, &mut out);
        }
        out.push_str("}\n\n");
    }
    out
}

fn render_methods(model: &Model, op: &Operation, group: &str, out: &mut String) {
    let method = op.function.strip_prefix(&format!("{group}_")).unwrap_or(&op.function);
    let Kind::Request { fields, .. } = &model.defs[&op.request].kind else { unreachable!() };
    // No inputs at all: the method takes none.
    let (param, arg) = if fields.is_empty() {
        (String::new(), format!("{}::new()", op.request))
    } else {
        (format!(", request: impl Into<{}>", op.request), "request.into()".to_string())
    };
    let ret = match &op.response {
        Response::Json(t) => ty(t),
        Response::Empty => "()".into(),
        Response::Raw => "crate::RawResponse".into(),
    };
    let deprecated = deprecated_attr(&op.deprecated);
    let f = &op.function;

    doc(out, &summary(op));
    let _ = writeln!(
        out,
        "///\n/// See [`{f}`](crate::funcs::{f}).\n{deprecated}\
         pub fn {method}(&self{param}) -> impl Future<Output = Result<{ret}, Error>> + 'a {{\n\
         crate::funcs::{f}(self.core, {arg})\n}}\n"
    );
    if let Some(event) = &op.stream_event {
        let _ = writeln!(
            out,
            "/// {}, as a stream of events.\n///\n/// See [`{f}_stream`](crate::funcs::{f}_stream).\n{deprecated}\
             pub fn {method}_stream(&self{param}) -> impl Future<Output = Result<crate::EventStream<{}>, Error>> + 'a {{\n\
             crate::funcs::{f}_stream(self.core, {arg})\n}}\n",
            summary(op).trim_end_matches('.'),
            ty(event)
        );
    }
    if op.pagination.is_some() {
        let _ = writeln!(
            out,
            "/// {}, page after page.\n///\n/// See [`{f}_pages`](crate::funcs::{f}_pages).\n{deprecated}\
             pub fn {method}_pages(&self{param}) -> crate::Pages<{ret}> {{\n\
             crate::funcs::{f}_pages(self.core, {arg})\n}}\n",
            summary(op).trim_end_matches('.')
        );
    }
}
