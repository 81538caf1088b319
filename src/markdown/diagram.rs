//! Mermaid diagrams drawn with `mermaid-text`, and the subset of mermaid lessons may use.

use std::sync::LazyLock;

use mermaid_text::layout::LayoutBackend;
use regex::Regex;

/// Why a diagram was not drawn (the renderer then shows its source instead).
#[derive(Debug, thiserror::Error)]
pub(crate) enum DiagramError {
    #[error("the diagram needs {actual} columns, {requested} are available")]
    TooWide { requested: usize, actual: usize },
    #[error("{0}")]
    Invalid(String),
}

/// Draws a diagram in at most `width` columns, compact first so it fits a 24-row screen.
pub(crate) fn draw(src: &str, width: usize) -> Result<String, DiagramError> {
    let attempt = |gaps: Option<(usize, usize)>| {
        let opts = mermaid_text::RenderOptions {
            max_width: Some(width),
            max_width_strict: true,
            gaps_override: gaps,
            // The native layout honours tight gaps; the default one keeps tall layer gaps.
            backend: if gaps.is_some() {
                LayoutBackend::Native
            } else {
                LayoutBackend::default()
            },
            ..Default::default()
        };
        // The crate is third-party layout code: a panic on odd input must not take the lesson down.
        std::panic::catch_unwind(|| mermaid_text::render_with_options(src, &opts))
            .unwrap_or_else(|_| Err(mermaid_text::Error::ParseError("the layout failed".into())))
    };
    // Tight gaps first; the crate's own pipeline (which also wraps labels) if those do not fit.
    let result = attempt(Some((2, 1))).or_else(|e| match e {
        mermaid_text::Error::TooWide { .. } => attempt(None),
        e => Err(e),
    });
    result
        .map(|s| s.trim_end().to_string())
        .map_err(|e| match e {
            mermaid_text::Error::TooWide { requested, actual } => {
                DiagramError::TooWide { requested, actual }
            }
            e => DiagramError::Invalid(e.to_string()),
        })
}

/// A line of a diagram outside the supported subset; `line` and `col` are 0-based within the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsetError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Checks a block against the subset: `flowchart TD|LR` (nodes `A[..]`, `A(..)`, `A{..}`,
/// edges `-->` and `-- text -->`, `style` lines) and `sequenceDiagram`.
pub fn check_subset(src: &str) -> Vec<SubsetError> {
    let mut lines = src
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with("%%"));
    let Some((first_no, first)) = lines.next() else {
        return vec![SubsetError {
            line: 0,
            col: 0,
            message: "empty diagram".into(),
        }];
    };
    let indent = |l: &str| l.len() - l.trim_start().len();
    let header: Vec<&str> = first.split_whitespace().collect();
    let check_line: fn(&str) -> Result<(), (usize, String)> = match header.as_slice() {
        ["flowchart" | "graph", "TD" | "TB" | "LR"] => flowchart_line,
        ["sequenceDiagram"] => sequence_line,
        _ => {
            return vec![SubsetError {
                line: first_no,
                col: indent(first),
                message: format!(
                    "`{}` is not supported: use `flowchart TD`, `flowchart LR` or `sequenceDiagram`",
                    first.trim()
                ),
            }];
        }
    };
    let mut errors: Vec<SubsetError> = lines
        .filter_map(|(no, line)| {
            check_line(line.trim())
                .err()
                .map(|(col, message)| SubsetError {
                    line: no,
                    col: indent(line) + col,
                    message,
                })
        })
        .collect();
    if errors.is_empty()
        && let Err(e) = mermaid_text::render(src)
    {
        errors.push(SubsetError {
            line: first_no,
            col: 0,
            message: format!("mermaid: {e}"),
        });
    }
    errors
}

static NODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9_]+(\[[^\[\]]+\]|\([^()]+\)|\{[^{}]+\})?").expect("valid regex")
});
static EDGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(-->|--\s+[^\s>-][^>]*?\s+-->)\s*").expect("valid regex"));

fn flowchart_line(line: &str) -> Result<(), (usize, String)> {
    if line.starts_with("style ") {
        return Ok(());
    }
    let mut pos = 0;
    loop {
        let Some(node) = NODE.find(&line[pos..]) else {
            return Err((
                pos,
                "expected a node: `A`, `A[label]`, `A(label)` or `A{label}`".into(),
            ));
        };
        pos += node.end();
        if pos == line.len() {
            return Ok(());
        }
        let Some(edge) = EDGE.find(&line[pos..]) else {
            let rest = &line[pos..];
            let col = pos + rest.len() - rest.trim_start().len();
            return Err((col, "expected an edge: `-->` or `-- text -->`".into()));
        };
        pos += edge.end();
    }
}

static SEQUENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(autonumber|end|else( .*)?|and( .*)?",
        r"|(participant|actor) [A-Za-z0-9_]+( as .+)?",
        r"|(activate|deactivate) [A-Za-z0-9_]+",
        r"|(loop|alt|opt|par|critical|break|rect)( .*)?",
        r"|[Nn]ote (left of|right of|over) [A-Za-z0-9_]+(, ?[A-Za-z0-9_]+)?: .*",
        r"|[A-Za-z0-9_]+ ?(-->>|->>|-->|->|--x|-x|--\)|-\)) ?[+-]?[A-Za-z0-9_]+ ?: ?.*)$"
    ))
    .expect("valid regex")
});

fn sequence_line(line: &str) -> Result<(), (usize, String)> {
    if SEQUENCE.is_match(line) {
        Ok(())
    } else {
        Err((
            0,
            "expected a participant, a message `A->>B: text`, a note or a block".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widest(s: &str) -> usize {
        s.lines()
            .map(unicode_width::UnicodeWidthStr::width)
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn draws_top_down_and_left_right_flowcharts() {
        for src in [
            "flowchart TD\n  A[Browser] --> B(Balancer)\n  B --> C{Replica?}",
            "flowchart LR\n  A[Browser] -- cookie --> B[Server]",
        ] {
            let out = draw(src, 60).unwrap();
            assert!(out.contains("Browser"), "{out}");
            assert!(widest(&out) <= 60);
        }
    }

    #[test]
    fn draws_branches_labels_with_breaks_and_edge_labels() {
        let src = "flowchart TD\n  A[Login] --> B{Session<br/>found?}\n  B -- yes --> C[Orders]\n  B -- no --> D[401]\n  style A fill:#f9f";
        let out = draw(src, 60).unwrap();
        assert!(out.contains("Session") && out.contains("found?"), "{out}");
        assert!(out.contains("yes") && out.contains("no"), "{out}");
    }

    #[test]
    fn draws_sequence_diagrams() {
        let out = draw(
            "sequenceDiagram\n  Browser->>Server: POST /login\n  Server-->>Browser: 200",
            80,
        )
        .unwrap();
        assert!(out.contains("POST /login"), "{out}");
    }

    #[test]
    fn reports_a_diagram_that_cannot_fit() {
        let src = "flowchart LR\n  A[a very long label here] --> B[another very long label] --> C[and a third long one]";
        assert!(matches!(draw(src, 20), Err(DiagramError::TooWide { .. })));
    }

    #[test]
    fn accepts_the_subset() {
        let src = "flowchart TD\n  A[x] --> B(y)\n  B -- label --> C{z}\n  style A fill:#fff\n";
        assert_eq!(check_subset(src), []);
        let seq = "sequenceDiagram\n  participant B as Browser\n  B->>S: hi\n  Note over B,S: text\n  S-->>B: 200\n";
        assert_eq!(check_subset(seq), []);
    }

    #[test]
    fn flags_what_is_outside_the_subset() {
        let e = check_subset("pie\n  \"a\": 1");
        assert_eq!((e[0].line, e[0].col), (0, 0));
        let e = check_subset("flowchart TD\n  A((circle)) --> B");
        assert_eq!((e[0].line, e[0].col), (1, 3));
        let e = check_subset("flowchart TD\n  A ==> B");
        assert_eq!((e[0].line, e[0].col), (1, 4));
        assert_eq!(e[0].message, "expected an edge: `-->` or `-- text -->`");
    }
}
