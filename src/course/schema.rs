//! The shape of a problem file, checked with spans so every mistake gets a line and column.
//!
//! serde stops at the first error and points at tables rather than keys; this walk reports
//! every unknown, missing or mistyped field. It mirrors `problem::Problem` (a test keeps them in step).

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::Diagnostic;
use super::problem::{CheckKind, Problem};
use super::rubric::CompiledRubric;

#[derive(Clone, Copy)]
enum Kind {
    Str,
    Bool,
    Count,
    Strs,
    Table(&'static [Field]),
    Tables(&'static [Field]),
    /// A table whose keys are free and whose values are strings.
    StrMap,
    /// A string naming a built-in check.
    Check,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Str => "a string",
            Kind::Bool => "true or false",
            Kind::Count => "a whole number",
            Kind::Strs => "an array of strings",
            Kind::Table(_) => "a table",
            Kind::Tables(_) => "an array of tables",
            Kind::StrMap => "a table of strings",
            Kind::Check => "a string",
        }
    }
}

struct Field {
    name: &'static str,
    kind: Kind,
    required: bool,
}

const fn field(name: &'static str, kind: Kind, required: bool) -> Field {
    Field {
        name,
        kind,
        required,
    }
}

const HINT: &[Field] = &[
    field("text", Kind::Str, true),
    field("step", Kind::Str, false),
];
const CONCEPT: &[Field] = &[
    field("id", Kind::Str, true),
    field("label", Kind::Str, true),
    field("required", Kind::Bool, false),
    field("match", Kind::Strs, false),
    field("scope", Kind::Str, false),
    field("not_with", Kind::Strs, false),
    field("span", Kind::Count, false),
    field("phrases", Kind::Strs, false),
    field("patterns", Kind::Strs, false),
    field("ask", Kind::Str, true),
];
const MISCONCEPTION: &[Field] = &[
    field("id", Kind::Str, true),
    field("match", Kind::Strs, false),
    field("scope", Kind::Str, false),
    field("not_with", Kind::Strs, false),
    field("span", Kind::Count, false),
    field("phrases", Kind::Strs, false),
    field("patterns", Kind::Strs, false),
    field("feedback", Kind::Str, true),
];
const RUBRIC: &[Field] = &[
    field("min_words", Kind::Count, false),
    field("words", Kind::StrMap, false),
    field("real_words", Kind::Strs, false),
    field("concepts", Kind::Tables(CONCEPT), true),
    field("misconceptions", Kind::Tables(MISCONCEPTION), false),
];
const PROBLEM: &[Field] = &[
    field("title", Kind::Str, true),
    field("check", Kind::Check, true),
    field("lessons", Kind::Strs, false),
    field("statement", Kind::Str, true),
    field("question", Kind::Str, true),
    field("model_answer", Kind::Str, true),
    field("hints", Kind::Tables(HINT), false),
    field("rubric", Kind::Table(RUBRIC), true),
];

/// A problem file whose shape is wrong.
pub(crate) struct Rejected {
    /// Everything wrong with its shape.
    pub diagnostics: Vec<Diagnostic>,
    /// The problem read with its unknown fields left out, when nothing else was wrong, so
    /// `course check` can still report its unknown check, bad patterns and such.
    pub salvaged: Option<Box<Problem>>,
}

/// Parses a problem file, or lists everything wrong with its shape.
pub(crate) fn parse_problem(path: &Path, text: &str) -> Result<Problem, Rejected> {
    let rejected = |diagnostics| Rejected {
        diagnostics,
        salvaged: None,
    };
    let root = DeTable::parse(text).map_err(|e| rejected(vec![toml_error(path, text, &e)]))?;
    let mut walk = Walk {
        path,
        text,
        diagnostics: Vec::new(),
    };
    walk.table(root.get_ref(), root.span(), PROBLEM, "");
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !walk.diagnostics.is_empty() {
        let salvaged = toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|mut table| {
                prune(&mut table, PROBLEM);
                salvage_check(&mut table);
                let mut problem = Problem::deserialize(toml::Value::Table(table)).ok()?;
                problem.id = id;
                Some(Box::new(problem))
            });
        // Its rubric is still compiled, so everything wrong with the file shows at once.
        if let Some(problem) = &salvaged
            && let Err(errors) = CompiledRubric::compile(&problem.rubric)
        {
            walk.diagnostics
                .extend(rubric_diagnostics(path, text, errors));
        }
        return Err(Rejected {
            diagnostics: walk.diagnostics,
            salvaged,
        });
    }
    // The table the walk read is the one deserialized: parsing the file twice was a sixth
    // of each course load.
    let mut problem = Problem::deserialize(toml::de::Deserializer::from(root))
        .map_err(|e| rejected(vec![toml_error(path, text, &e)]))?;
    problem.id = id;
    // Loading is compiling: a rubric entry that does not compile rejects the file.
    match CompiledRubric::compile(&problem.rubric) {
        Ok(compiled) => {
            problem.compiled = std::sync::Arc::new(compiled);
            Ok(problem)
        }
        Err(errors) => Err(Rejected {
            diagnostics: rubric_diagnostics(path, text, errors),
            salvaged: Some(Box::new(problem)),
        }),
    }
}

/// Rubric compile errors as diagnostics, each at its field (or the nearest table around
/// it, for a field that is missing).
fn rubric_diagnostics(
    path: &Path,
    text: &str,
    errors: Vec<super::rubric::RubricError>,
) -> Vec<Diagnostic> {
    errors
        .into_iter()
        .map(|e| {
            let mut at = e.field.as_str();
            let offset = loop {
                if let Some(o) = field_offset(text, at) {
                    break o;
                }
                match at.rsplit_once('.') {
                    Some((parent, _)) => at = parent,
                    None => break 0,
                }
            };
            Diagnostic::at(path, text, offset, e.field, e.message)
        })
        .collect()
}

/// Stands a built-in check in for an unknown one, so the rest of the file can still be
/// checked; hints' steps are dropped with it, since they cannot be checked against it.
fn salvage_check(table: &mut toml::Table) {
    let known = table
        .get("check")
        .and_then(toml::Value::as_str)
        .is_some_and(|name| CheckKind::parse(name).is_some());
    if known {
        return;
    }
    table.insert("check".into(), CheckKind::ALL[0].name().into());
    if let Some(toml::Value::Array(hints)) = table.get_mut("hints") {
        for hint in hints {
            if let toml::Value::Table(hint) = hint {
                hint.remove("step");
            }
        }
    }
}

/// Drops the keys the schema does not know, at every level.
fn prune(table: &mut toml::Table, fields: &[Field]) {
    table.retain(|key, _| fields.iter().any(|f| f.name == key));
    for (key, value) in table.iter_mut() {
        let Some(f) = fields.iter().find(|f| f.name == key) else {
            continue;
        };
        match (f.kind, value) {
            (Kind::Table(inner), toml::Value::Table(t)) => prune(t, inner),
            (Kind::Tables(inner), toml::Value::Array(items)) => {
                for item in items {
                    if let toml::Value::Table(t) = item {
                        prune(t, inner);
                    }
                }
            }
            _ => {}
        }
    }
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> Diagnostic {
    let offset = e.span().map_or(0, |s| s.start);
    Diagnostic::at(
        path,
        text,
        offset,
        "toml",
        e.message().trim().replace('\n', " "),
    )
}

struct Walk<'a> {
    path: &'a Path,
    text: &'a str,
    diagnostics: Vec<Diagnostic>,
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

impl Walk<'_> {
    fn report(&mut self, offset: usize, field: String, message: String) {
        self.diagnostics
            .push(Diagnostic::at(self.path, self.text, offset, field, message));
    }

    fn table(&mut self, table: &DeTable<'_>, span: Range<usize>, fields: &[Field], prefix: &str) {
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            let path = join(prefix, name);
            match fields.iter().find(|f| f.name == name) {
                Some(f) => self.value(value, f.kind, &path),
                None => {
                    let known: Vec<&str> = fields.iter().map(|f| f.name).collect();
                    let message = format!("unknown field (expected one of: {})", known.join(", "));
                    self.report(key.span().start, path, message);
                }
            }
        }
        for f in fields.iter().filter(|f| f.required) {
            if !table.keys().any(|k| k.get_ref() == f.name) {
                self.report(
                    span.start,
                    join(prefix, f.name),
                    format!("missing field (expected {})", f.kind.describe()),
                );
            }
        }
    }

    fn value(&mut self, value: &Spanned<DeValue<'_>>, kind: Kind, path: &str) {
        match (kind, value.get_ref()) {
            (Kind::Str, DeValue::String(_)) | (Kind::Bool, DeValue::Boolean(_)) => {}
            (Kind::Check, DeValue::String(name)) => {
                if CheckKind::parse(name).is_none() {
                    let message =
                        format!("unknown check `{name}` (built-in: {})", CheckKind::names());
                    self.report(value.span().start, path.to_string(), message);
                }
            }
            (Kind::Count, DeValue::Integer(i)) if !i.as_str().starts_with('-') => {}
            (Kind::Strs, DeValue::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    self.value(item, Kind::Str, &format!("{path}[{i}]"));
                }
            }
            (Kind::Table(fields), DeValue::Table(t)) => self.table(t, value.span(), fields, path),
            (Kind::StrMap, DeValue::Table(t)) => {
                for (key, item) in t.iter() {
                    self.value(item, Kind::Str, &format!("{path}.{}", key.get_ref()));
                }
            }
            (Kind::Tables(fields), DeValue::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let path = format!("{path}[{i}]");
                    match item.get_ref() {
                        DeValue::Table(t) => self.table(t, item.span(), fields, &path),
                        other => self.mistyped(item.span().start, path, "a table", other),
                    }
                }
            }
            (kind, other) => {
                self.mistyped(value.span().start, path.to_string(), kind.describe(), other)
            }
        }
    }

    fn mistyped(&mut self, offset: usize, path: String, expected: &str, found: &DeValue<'_>) {
        let found = match found {
            DeValue::Integer(i) if i.as_str().starts_with('-') => "a negative integer",
            other => other.type_str(),
        };
        self.report(offset, path, format!("expected {expected}, found {found}"));
    }
}

/// Byte offset of a field's value, by the path used in diagnostics (`rubric.concepts[0].patterns[1]`).
pub(crate) fn field_offset(text: &str, path: &str) -> Option<usize> {
    let root = DeTable::parse(text).ok()?;
    let mut found: Option<&Spanned<DeValue<'_>>> = None;
    for part in path.split('.') {
        let table = match found {
            Some(value) => value.get_ref().as_table()?,
            None => root.get_ref(),
        };
        let (name, indexes) = part.split_once('[').unwrap_or((part, ""));
        let (_, mut value) = table.iter().find(|(k, _)| k.get_ref() == name)?;
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            let i: usize = index.trim_end_matches(']').parse().ok()?;
            value = value.get_ref().as_array()?.get(i)?;
        }
        found = Some(value);
    }
    found.map(|v| v.span().start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::problem::{Concept, Hint, Misconception, Rubric};

    /// Every field of `Problem`, serialised, must pass the walk: catches drift between the two.
    #[test]
    fn schema_matches_the_problem_type() {
        let problem = Problem {
            id: String::new(),
            title: "t".into(),
            check: CheckKind::LogoutNow,
            lessons: vec!["01-x".into()],
            statement: "s".into(),
            question: "q".into(),
            model_answer: "m".into(),
            hints: vec![Hint {
                text: "h".into(),
                step: Some("attacker".into()),
            }],
            rubric: Rubric {
                min_words: 3,
                words: [("w".to_string(), "a | b".to_string())].into(),
                real_words: vec!["hostel".into()],
                concepts: vec![Concept {
                    id: "c".into(),
                    label: "l".into(),
                    required: false,
                    matches: vec!["@w + c".into()],
                    scope: Some(crate::course::rubric::Scope::Sentence),
                    not_with: vec!["z".into()],
                    span: None,
                    phrases: vec!["p".into()],
                    patterns: vec!["x+".into()],
                    ask: "a".into(),
                }],
                misconceptions: vec![Misconception {
                    id: "m".into(),
                    matches: vec!["d + e".into()],
                    scope: None,
                    not_with: vec!["z | @w".into()],
                    span: None,
                    phrases: vec!["p".into()],
                    patterns: vec!["y".into()],
                    feedback: "f".into(),
                }],
            },
            compiled: Default::default(),
        };
        let text = toml::to_string(&problem).unwrap();
        let Ok(parsed) = parse_problem(Path::new("problems/x.toml"), &text) else {
            panic!("the serialised problem does not pass the walk:\n{text}");
        };
        assert_eq!(
            parsed,
            Problem {
                id: "x".into(),
                ..problem
            }
        );
    }

    #[test]
    fn finds_nested_field_offsets() {
        let text = "check = \"a\"\n[rubric]\n[[rubric.concepts]]\npatterns = [\"a\", \"(b\"]\n";
        assert_eq!(field_offset(text, "check"), Some(8));
        let at = field_offset(text, "rubric.concepts[0].patterns[1]").unwrap();
        assert_eq!(&text[at..at + 4], "\"(b\"");
        assert_eq!(field_offset(text, "rubric.concepts[1]"), None);
    }
}
