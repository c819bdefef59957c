//! The API reference page: the finished OpenAPI document turned into a view model and
//! rendered with an askama template (`templates/docs.html`), plus the authorisation table and
//! the problem types, so one page answers "what can I call, who may, what can go wrong".

use askama::Template;
use serde_json::Value;

use super::METHODS;
use crate::authz::table::{TABLE, Who};
use crate::error;

#[derive(Template)]
#[template(path = "docs.html")]
pub(crate) struct DocsPage {
    title: String,
    version: String,
    description: String,
    sections: Vec<Section>,
    schemas: Vec<SchemaView>,
    problems: Vec<ProblemView>,
    who: Vec<&'static str>,
    rules: Vec<RuleView>,
}

struct Section {
    tag: String,
    description: String,
    operations: Vec<OperationView>,
}

struct OperationView {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    description: String,
    public: bool,
    params: Vec<ParamView>,
    body: Option<String>,
    responses: Vec<ResponseView>,
}

struct ParamView {
    name: String,
    location: String,
    ty: String,
    required: bool,
    description: String,
}

struct ResponseView {
    status: String,
    description: String,
    body: String,
}

struct SchemaView {
    name: String,
    description: String,
    fields: Vec<FieldView>,
}

struct FieldView {
    name: String,
    ty: String,
    required: bool,
    description: String,
}

struct ProblemView {
    slug: &'static str,
    title: &'static str,
    status: u16,
}

struct RuleView {
    action: String,
    target: &'static str,
    decisions: Vec<&'static str>,
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// A schema in a few words: `CaseView`, `string (uuid)`, `array of string`, `integer | null`.
fn type_name(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or(reference).to_owned();
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(parts) = schema.get(combinator).and_then(Value::as_array) {
            return parts.iter().map(type_name).collect::<Vec<_>>().join(" | ");
        }
    }
    let base = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "any".to_owned(),
    };
    let base = match schema.get("items") {
        Some(items) => base.replace("array", &format!("array of {}", type_name(items))),
        None => base,
    };
    match schema.get("format").and_then(Value::as_str) {
        Some(format) => format!("{base} ({format})"),
        None => base,
    }
}

fn body_schema(content: Option<&Value>) -> String {
    let Some(content) = content.and_then(Value::as_object) else {
        return String::new();
    };
    content
        .iter()
        .map(|(media, c)| match c.get("schema") {
            Some(s) => format!("{} ({media})", type_name(s)),
            None => media.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl DocsPage {
    pub(crate) fn from_document(doc: &Value) -> Self {
        let tags: Vec<(String, String)> = doc["tags"]
            .as_array()
            .map(|ts| {
                ts.iter()
                    .map(|t| (text(t, "name"), text(t, "description")))
                    .collect()
            })
            .unwrap_or_default();
        let component_responses = &doc["components"]["responses"];
        let mut sections: Vec<Section> = tags
            .into_iter()
            .map(|(tag, description)| Section {
                tag,
                description,
                operations: Vec::new(),
            })
            .collect();
        if let Some(paths) = doc["paths"].as_object() {
            for (path, item) in paths {
                for method in METHODS {
                    let Some(op) = item.get(method) else { continue };
                    let view = operation_view(path, method, op, component_responses);
                    let tag = op["tags"][0].as_str().unwrap_or("");
                    match sections.iter_mut().find(|s| s.tag == tag) {
                        Some(section) => section.operations.push(view),
                        None => sections.push(Section {
                            tag: tag.to_owned(),
                            description: String::new(),
                            operations: vec![view],
                        }),
                    }
                }
            }
        }
        let schemas = doc["components"]["schemas"]
            .as_object()
            .map(|schemas| {
                schemas
                    .iter()
                    .map(|(name, schema)| schema_view(name, schema))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            title: text(&doc["info"], "title"),
            version: text(&doc["info"], "version"),
            description: text(&doc["info"], "description"),
            sections,
            schemas,
            problems: error::problem_kinds()
                .into_iter()
                .map(|(slug, title, status)| ProblemView {
                    slug,
                    title,
                    status,
                })
                .collect(),
            who: Who::ALL.iter().map(|w| w.as_str()).collect(),
            rules: TABLE
                .iter()
                .map(|row| RuleView {
                    action: crate::authz::describe(row.action).to_owned(),
                    target: row.target.as_str(),
                    decisions: Who::ALL
                        .iter()
                        .map(|w| match row.expected_for(*w) {
                            crate::authz::Decision::Allow => "yes",
                            crate::authz::Decision::Deny => "no (403)",
                            crate::authz::Decision::Hide => "hidden (404)",
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

fn operation_view(path: &str, method: &str, op: &Value, shared: &Value) -> OperationView {
    let params = op["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| ParamView {
                    name: text(p, "name"),
                    location: text(p, "in"),
                    ty: type_name(&p["schema"]),
                    required: p["required"].as_bool().unwrap_or(false),
                    description: text(p, "description"),
                })
                .collect()
        })
        .unwrap_or_default();
    let body = op.get("requestBody").map(|b| body_schema(b.get("content")));
    let responses = op["responses"]
        .as_object()
        .map(|rs| {
            rs.iter()
                .map(|(status, r)| {
                    let r = match r.get("$ref").and_then(Value::as_str) {
                        Some(reference) => {
                            &shared[reference.rsplit('/').next().unwrap_or(reference)]
                        }
                        None => r,
                    };
                    ResponseView {
                        status: status.clone(),
                        description: text(r, "description"),
                        body: body_schema(r.get("content")),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let public = op["security"].as_array().is_some_and(|s| {
        s.iter()
            .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
    });
    OperationView {
        anchor: format!(
            "{method}-{}",
            path.replace(['/', '{', '}', '.'], "-").trim_matches('-')
        ),
        method: method.to_uppercase(),
        path: path.to_owned(),
        summary: text(op, "summary"),
        description: text(op, "description"),
        public,
        params,
        body,
        responses,
    }
}

fn schema_view(name: &str, schema: &Value) -> SchemaView {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let fields = schema["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(field, s)| FieldView {
                    name: field.clone(),
                    ty: type_name(s),
                    required: required.contains(&field.as_str()),
                    description: text(s, "description"),
                })
                .collect()
        })
        .unwrap_or_default();
    SchemaView {
        name: name.to_owned(),
        description: text(schema, "description"),
        fields,
    }
}
