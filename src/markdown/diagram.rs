//! Mermaid diagrams drawn with `mermaid-text`, and the subset of mermaid lessons may use.

use std::borrow::Cow;
use std::collections::HashSet;
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
    let src = &top_down_if_needed(src);
    let attempt = |gaps: Option<(usize, usize)>| {
        let opts = mermaid_text::RenderOptions {
            max_width: Some(width),
            max_width_strict: true,
            gaps_override: gaps,
            // The layered (Sugiyama) layout: the native one bends edges out of the same
            // row (`└┐└──┐`) and stretches a labelled edge over a dozen rows.
            backend: LayoutBackend::Sugiyama,
            ..Default::default()
        };
        // The crate is third-party layout code: a panic on odd input must not take the lesson down.
        std::panic::catch_unwind(|| mermaid_text::render_with_options(src, &opts))
            .unwrap_or_else(|_| Err(mermaid_text::Error::ParseError("the layout failed".into())))
    };
    // Tight gaps first; the crate's own spacing (which also wraps labels) if those do not fit.
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

/// A left-to-right flowchart that branches (a node with two edges out or in) or labels an
/// edge, turned top-down. `mermaid-text` draws those LR layouts wrongly: labels land on the
/// wrong edge or between rows, and edges run along box borders. Top-down it draws them right;
/// a plain LR chain stays as written.
fn top_down_if_needed(src: &str) -> Cow<'_, str> {
    let mut lines = src.lines();
    let Some(header) = lines
        .by_ref()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with("%%"))
    else {
        return src.into();
    };
    if !matches!(
        header.split_whitespace().collect::<Vec<_>>().as_slice(),
        ["flowchart" | "graph", "LR"]
    ) {
        return src.into();
    }
    let mut edges: Vec<(&str, &str)> = Vec::new();
    let mut labelled = false;
    for line in lines.map(str::trim) {
        if line.starts_with("style ") || line.starts_with("%%") {
            continue;
        }
        let mut pos = 0;
        let mut from: Option<&str> = None;
        while let Some(node) = NODE.find(&line[pos..]) {
            let id = &line[pos..pos + node.end()];
            let id = id.split(['[', '(', '{']).next().unwrap_or(id);
            if let Some(from) = from {
                edges.push((from, id));
            }
            from = Some(id);
            pos += node.end();
            let Some(edge) = EDGE.find(&line[pos..]) else {
                break;
            };
            labelled |= edge.as_str().trim() != "-->";
            pos += edge.end();
        }
    }
    let (mut sources, mut targets) = (HashSet::new(), HashSet::new());
    let branching = edges
        .iter()
        .any(|&(from, to)| !sources.insert(from) || !targets.insert(to));
    if labelled || branching {
        // `header` is a slice of `src`: its offset is where the header line starts.
        let at = header.as_ptr() as usize - src.as_ptr() as usize;
        format!("{}flowchart TD{}", &src[..at], &src[at + header.len()..]).into()
    } else {
        src.into()
    }
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
    fn lays_out_branching_or_labelled_lr_flowcharts_top_down() {
        let branching =
            "flowchart LR\n A[Client] --> B{Cache?}\n B --> C[Answer]\n B --> D[Origin]";
        let labelled = "flowchart LR\n  A[Browser] -- cookie --> B[Server]";
        let merging = "%% graph LR, two into one\ngraph LR\n  A --> C\n  B --> C";
        for src in [branching, labelled, merging] {
            let td = top_down_if_needed(src);
            assert!(td.contains("flowchart TD") && !td.contains(" LR\n"), "{td}");
        }
        assert!(
            top_down_if_needed(merging).starts_with("%% graph LR, two into one\nflowchart TD\n")
        );
        let chain = "flowchart LR\n  A[Login] --> B[Me] --> C[Orders]";
        assert_eq!(top_down_if_needed(chain), chain);
        let td = "flowchart TD\n  A -- x --> B";
        assert_eq!(top_down_if_needed(td), td);
    }

    /// LR put `hit` and `miss` on each other's edges; every label must sit beside its edge,
    /// between the decision and the box it leads to.
    #[test]
    fn edge_labels_stay_on_their_edges() {
        let src = "flowchart LR\n A[Client] --> B{Cache?}\n B -- hit --> C[Answer]\n B -- miss --> D[Origin]";
        let out = draw(src, 60).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        let row = |text: &str| lines.iter().position(|l| l.contains(text)).unwrap();
        let col = |text: &str| lines[row(text)].find(text).unwrap();
        let (hit, miss) = (row("hit"), row("miss"));
        assert!(row("Cache?") < hit && hit < row("Answer"), "{out}");
        assert!(row("Cache?") < miss && miss < row("Origin"), "{out}");
        assert!(col("hit") < col("miss"), "{out}");
        assert!(col("Answer") < col("Origin"), "{out}");
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
