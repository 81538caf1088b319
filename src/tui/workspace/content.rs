//! What the workspace shows and where: the geometry of its parts and the text of each tab
//! at a width. `update` reads it to scroll (how far a tab can go, where the newest hint
//! starts); `view` draws it. Wide: statement | checklist over answer. Tall: a
//! Problem/Checklist tab over the answer. Small: three tabs.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::text::{wrap, wrap_paragraphs};
use super::{Focus, Tab, Workspace};
use crate::grade::rubric::Outcome;
use crate::markdown::{RenderOptions, render};
use crate::tui::layout;
use crate::tui::state::{Pane, State};
use crate::tui::style::{bold, fg, fit};

/// Inner width from which the three parts stand side by side.
pub const COLUMNS_MIN_W: u16 = 96;
/// Inner height from which the answer stays on screen under the other tabs.
pub const STACKED_MIN_H: u16 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrange {
    Columns,
    Stacked,
    Tabs,
}

/// Where each part goes inside the workspace's frame.
#[derive(Debug, Clone, Copy)]
pub struct Parts {
    pub arrange: Arrange,
    pub tabs: Option<Rect>,
    pub problem: Option<Rect>,
    pub checklist: Option<Rect>,
    pub answer: Option<Rect>,
}

/// The workspace's frame: where the reader would be.
pub fn frame(s: &State) -> Rect {
    layout::areas(s.size.0, s.size.1, Pane::Reader)
        .reader
        .unwrap_or_default()
}

pub fn parts(ws: &Workspace, area: Rect) -> Parts {
    let inner = layout::inner(area);
    let line = |r: Rect| Rect {
        height: r.height.min(1),
        ..r
    };
    let below = |r: Rect, h: u16| Rect {
        y: r.y + h.min(r.height),
        height: r.height.saturating_sub(h),
        ..r
    };
    if inner.width >= COLUMNS_MIN_W {
        let lw = inner.width * 45 / 100;
        let left = Rect { width: lw, ..inner };
        let right = Rect {
            x: inner.x + lw + 1,
            width: inner.width.saturating_sub(lw + 1),
            ..inner
        };
        let top = Rect {
            height: right.height / 2,
            ..right
        };
        return Parts {
            arrange: Arrange::Columns,
            tabs: None,
            problem: Some(left),
            checklist: Some(top),
            answer: Some(below(right, top.height)),
        };
    }
    let tabs = line(inner);
    let body = below(inner, 1);
    if inner.height >= STACKED_MIN_H {
        let top = Rect {
            height: body.height * 45 / 100,
            ..body
        };
        let shown = if ws.tab == Tab::Problem {
            Tab::Problem
        } else {
            Tab::Checklist
        };
        return Parts {
            arrange: Arrange::Stacked,
            tabs: Some(tabs),
            problem: (shown == Tab::Problem).then_some(top),
            checklist: (shown == Tab::Checklist).then_some(top),
            answer: Some(below(body, top.height)),
        };
    }
    let mut p = Parts {
        arrange: Arrange::Tabs,
        tabs: Some(tabs),
        problem: None,
        checklist: None,
        answer: None,
    };
    match ws.tab {
        Tab::Problem => p.problem = Some(body),
        Tab::Checklist => p.checklist = Some(body),
        Tab::Answer => p.answer = Some(body),
    }
    p
}

/// Header line of a part (only when parts share the screen).
pub(super) fn header_h(p: &Parts) -> u16 {
    u16::from(p.arrange == Arrange::Columns)
}

/// The scrolling text area of a part, its width and height.
pub(super) fn text_area(ws: &Workspace, p: &Parts, tab: Tab) -> Option<Rect> {
    let h = header_h(p);
    let shrink = |r: Rect, top: u16, bottom: u16| Rect {
        y: r.y + top.min(r.height),
        height: r.height.saturating_sub(top + bottom),
        ..r
    };
    match tab {
        Tab::Problem => p.problem.map(|r| shrink(r, h, 0)),
        Tab::Checklist => p
            .checklist
            .map(|r| shrink(r, h, u16::from(ws.needs_claim()) * 2)),
        Tab::Answer => p.answer.map(|r| answer_parts(ws, shrink(r, h, 0)).2),
    }
}

/// Answer part: (question, editor box, feedback).
pub(super) fn answer_parts(ws: &Workspace, r: Rect) -> (Rect, Rect, Rect) {
    let q = wrap(ws.problem.question.trim(), usize::from(r.width), "", "").len() as u16;
    let q = q.min(3).min(r.height.saturating_sub(3) / 2);
    let avail = r.height.saturating_sub(q);
    let want = if ws.focus == Focus::Editor {
        (avail / 2).clamp(5, 14)
    } else {
        // Just the text when not typing, so the feedback has the room.
        let w = usize::from(r.width.saturating_sub(2)).max(1);
        let rows: usize = ws
            .editor
            .lines()
            .iter()
            .map(|l| wrap(l, w, "", "").len())
            .sum();
        (rows as u16 + 2).clamp(3, (avail * 4 / 10).max(3))
    };
    let e = want.min(avail);
    let question = Rect { height: q, ..r };
    let editor = Rect {
        y: r.y + q,
        height: e,
        ..r
    };
    let feedback = Rect {
        y: r.y + q + e,
        height: r.height.saturating_sub(q + e),
        ..r
    };
    (question, editor, feedback)
}

/// Lines of one tab's scrolling text at `width`.
pub(super) fn lines(s: &State, ws: &Workspace, tab: Tab, width: u16) -> Vec<Line<'static>> {
    match tab {
        Tab::Problem => problem_lines(s, ws, width),
        Tab::Checklist => checklist_lines(s, ws, width).0,
        Tab::Answer => feedback_lines(s, ws, width),
    }
}

/// Furthest the current tab can scroll.
pub fn max_scroll(s: &State) -> usize {
    let Some(ws) = &s.work.open else { return 0 };
    let p = parts(ws, frame(s));
    let Some(r) = text_area(ws, &p, ws.tab).or_else(|| text_area(ws, &p, Tab::Checklist)) else {
        return 0;
    };
    lines(s, ws, ws.tab, r.width)
        .len()
        .saturating_sub(usize::from(r.height).max(1))
}

/// The line of the checklist text where the newest hint starts.
pub fn hint_line(s: &State) -> usize {
    let Some(ws) = &s.work.open else { return 0 };
    let p = parts(ws, frame(s));
    let w = text_area(ws, &p, Tab::Checklist).map_or(40, |r| r.width);
    checklist_lines(s, ws, w).1
}

pub(super) fn problem_lines(s: &State, ws: &Workspace, width: u16) -> Vec<Line<'static>> {
    // Statements name the default address; show the lab this app is actually talking to.
    let statement = crate::api::with_flags(
        &crate::api::at_lab(&ws.problem.statement, s.lab.url.as_deref()),
        s.command_flags.as_deref(),
    );
    let mut out = render(&statement, width.max(2), &RenderOptions { color: s.color })
        .text
        .lines;
    out.push(Line::default());
    out.push(Line::from(Span::styled("The question", bold())));
    out.extend(
        wrap_paragraphs(&ws.problem.question, usize::from(width), "")
            .into_iter()
            .map(Line::from),
    );
    out.push(Line::default());
    out.push(Line::from(Span::styled(
        fit(
            "e writes the answer · Tab: checklist · h: a hint",
            usize::from(width),
        ),
        Style::default().add_modifier(Modifier::DIM),
    )));
    out
}

/// The checklist, notes and hints; and the line where the newest hint starts.
pub(super) fn checklist_lines(
    s: &State,
    ws: &Workspace,
    width: u16,
) -> (Vec<Line<'static>>, usize) {
    let w = usize::from(width);
    let c = s.color;
    let mut out: Vec<Line<'static>> = Vec::new();
    let dim = Style::default().add_modifier(Modifier::DIM);
    let push = |out: &mut Vec<Line<'static>>, v: Vec<String>, style: Style| {
        out.extend(v.into_iter().map(|l| Line::from(Span::styled(l, style))));
    };
    match (&ws.report, &ws.check_error) {
        (_, Some(e)) => push(
            &mut out,
            wrap(&format!("cannot check: {e}"), w, "", "  "),
            fg(c, Color::Red),
        ),
        (None, None) => push(&mut out, vec!["checking the lab…".into()], dim),
        _ => {}
    }
    if let Some(r) = &ws.report {
        for (i, st) in r.steps.iter().enumerate() {
            let (mark, style) = if st.done {
                ("✓", fg(c, Color::Green).add_modifier(Modifier::BOLD))
            } else {
                ("✗", fg(c, Color::Red).add_modifier(Modifier::BOLD))
            };
            let head = wrap(&st.title, w, &format!("{mark} {}. ", i + 1), "     ");
            for (j, l) in head.into_iter().enumerate() {
                if j == 0 {
                    let rest = l.chars().skip(1).collect::<String>();
                    out.push(Line::from(vec![Span::styled(mark, style), Span::raw(rest)]));
                } else {
                    out.push(Line::from(l));
                }
            }
            for e in &st.evidence {
                push(&mut out, wrap(e, w, "     ", "       "), dim);
            }
            if !st.done {
                for n in &st.next {
                    push(&mut out, wrap(n, w, "   → ", "     "), Style::default());
                }
                if let Some((n, _)) = crate::grade::hint_for_step(&ws.problem, &st.id) {
                    push(
                        &mut out,
                        wrap(
                            &format!("stuck? h shows hints; hint {n} is about this step"),
                            w,
                            "   → ",
                            "     ",
                        ),
                        fg(c, Color::Yellow),
                    );
                }
            }
        }
        for n in &r.notes {
            push(&mut out, wrap(n, w, "! ", "  "), fg(c, Color::Yellow));
        }
        let done = r.steps.iter().filter(|s| s.done).count();
        let summary = if r.passed() {
            format!("passed: all {} steps done in the lab ✓", r.steps.len())
        } else {
            format!("not yet: {done} of {} steps done", r.steps.len())
        };
        let style = if r.passed() {
            fg(c, Color::Green).add_modifier(Modifier::BOLD)
        } else {
            bold()
        };
        out.push(Line::from(Span::styled(fit(&summary, w), style)));
        if ws.checking {
            out.push(Line::from(Span::styled("re-checking…", dim)));
        }
    }
    out.push(Line::default());
    let total = ws.problem.hints.len();
    let mut hint_at = out.len();
    let head = match (total, ws.hints_shown) {
        (0, _) => "No hints for this problem.".to_string(),
        (t, 0) => format!("Hints: {t} available · h shows the first"),
        (t, n) if n >= t => format!("Hints: all {t} shown"),
        (t, n) => format!("Hints: {n} of {t} · h for the next"),
    };
    out.push(Line::from(Span::styled(fit(&head, w), bold())));
    for (i, h) in ws.problem.hints.iter().take(ws.hints_shown).enumerate() {
        hint_at = out.len();
        let n = format!("{}. ", i + 1);
        let indent = " ".repeat(n.len());
        // Hints name the default address; show the lab this app is talking to.
        let text = crate::api::with_flags(
            &crate::api::at_lab(h.text.trim(), s.lab.url.as_deref()),
            s.command_flags.as_deref(),
        );
        out.extend(markdown_lines(s, &text, w, &n, &indent));
    }
    (out, hint_at)
}

pub(super) fn feedback_lines(s: &State, ws: &Workspace, width: u16) -> Vec<Line<'static>> {
    let w = usize::from(width);
    let c = s.color;
    let dim = Style::default().add_modifier(Modifier::DIM);
    let mut out: Vec<Line<'static>> = Vec::new();
    let push = |out: &mut Vec<Line<'static>>, v: Vec<String>, style: Style| {
        out.extend(v.into_iter().map(|l| Line::from(Span::styled(l, style))));
    };
    if ws.grading {
        push(&mut out, vec!["grading…".into()], dim);
    }
    let Some(v) = &ws.verdict else {
        if !ws.grading {
            push(
                &mut out,
                wrap(
                    "Ctrl-S (or Alt-Enter) submits your answer; the feedback shows here.",
                    w,
                    "",
                    "",
                ),
                dim,
            );
        }
        return out;
    };
    let style = match v.outcome {
        Outcome::Pass => fg(c, Color::Green).add_modifier(Modifier::BOLD),
        Outcome::Partial => fg(c, Color::Yellow).add_modifier(Modifier::BOLD),
        Outcome::NotYet => fg(c, Color::Red).add_modifier(Modifier::BOLD),
    };
    push(&mut out, wrap(&v.message, w, "", ""), style);
    // The same parts as `grade::feedback::render`, laid out for the panel.
    if v.screen.is_none() || v.concepts.iter().any(|c| c.found) {
        out.push(Line::from(Span::styled("Key ideas", bold())));
        for k in &v.concepts {
            let bonus = if k.required { "" } else { " (bonus)" };
            if k.found {
                out.extend(
                    wrap(&format!("{}{bonus}", k.label), w, "✓ ", "  ")
                        .into_iter()
                        .enumerate()
                        .map(|(i, l)| mark_line(l, i == 0, fg(c, Color::Green))),
                );
                if let Some(e) = &k.evidence {
                    push(&mut out, wrap(&format!("“{e}”"), w, "    ", "    "), dim);
                }
            } else if k.required {
                out.extend(
                    wrap(&k.ask, w, "✗ ", "  ")
                        .into_iter()
                        .enumerate()
                        .map(|(i, l)| mark_line(l, i == 0, fg(c, Color::Red))),
                );
                if let Some(u) = &k.unsure {
                    let said = format!("you wrote you are not sure: “{u}”");
                    push(&mut out, wrap(&said, w, "    ", "    "), dim);
                }
            }
        }
    }
    if !v.misconceptions.is_empty() {
        out.push(Line::from(Span::styled("Not so", bold())));
        for m in &v.misconceptions {
            out.extend(
                wrap(&format!("you wrote: “{}”", m.evidence), w, "✗ ", "  ")
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| mark_line(l, i == 0, fg(c, Color::Red))),
            );
            push(
                &mut out,
                wrap_paragraphs(&m.feedback, w, "    "),
                Style::default(),
            );
        }
    }
    if v.outcome != Outcome::Pass && ws.may_self_assess {
        // No learner stays stuck on a grader's mistake: after two tries, compare.
        out.push(Line::default());
        out.push(Line::from(Span::styled(
            fit("Compare yours with the model answer", w),
            bold(),
        )));
        push(
            &mut out,
            markdown_plain(s, &ws.problem.model_answer, w, "  "),
            Style::default(),
        );
        out.push(Line::from(Span::styled(fit("Its key points", w), bold())));
        for k in ws.problem.rubric.concepts.iter().filter(|k| k.required) {
            push(&mut out, wrap(&k.label, w, "• ", "  "), Style::default());
        }
        let note = if ws.reviewed == Some(true) {
            "Your instructor read your self-assessed answer and accepted it: the written half is done."
        } else if ws.reviewed == Some(false) {
            "Your instructor read your self-assessed answer and rejected it: improve it and submit again, then press M if it still says all of this."
        } else if ws.self_assessed {
            "Recorded as self-assessed: your progress and report show both texts, marked as your own judgement, not a grader pass."
        } else {
            "If your answer says all of this in other words, press M to record that. It is kept as self-assessed, with both texts, for an instructor to see."
        };
        push(&mut out, wrap(note, w, "", ""), dim);
    }
    if v.outcome == Outcome::Pass {
        let both = s.problems.get(ws.index).is_some_and(|p| p.service_ok);
        out.push(Line::default());
        if both {
            out.push(Line::from(Span::styled(
                fit("✓ ✓ Both halves done. A model answer, to compare:", w),
                fg(c, Color::Green).add_modifier(Modifier::BOLD),
            )));
            push(
                &mut out,
                markdown_plain(s, &ws.problem.model_answer, w, "  "),
                Style::default(),
            );
        } else {
            push(
                &mut out,
                wrap(
                    "The model answer shows here once the lab half passes too.",
                    w,
                    "",
                    "",
                ),
                dim,
            );
        }
    }
    out
}

/// A wrapped line whose first character is a ✓/✗ mark in `style`.
pub(super) fn mark_line(l: String, first: bool, style: Style) -> Line<'static> {
    if !first {
        return Line::from(l);
    }
    let mut chars = l.chars();
    let m = chars.next().map(String::from).unwrap_or_default();
    Line::from(vec![
        Span::styled(m, style.add_modifier(Modifier::BOLD)),
        Span::raw(chars.collect::<String>()),
    ])
}

pub(super) fn mark(ok: bool) -> &'static str {
    if ok { "✓" } else { "·" }
}

/// Markdown (a hint, a model answer) rendered to `w` columns with a lead on the first line
/// and an indent on the rest, so backticks and asterisks never show.
pub(super) fn markdown_lines(
    s: &State,
    src: &str,
    w: usize,
    lead: &str,
    indent: &str,
) -> Vec<Line<'static>> {
    let inner = w.saturating_sub(indent.chars().count()).max(2);
    let text = render(src, inner as u16, &RenderOptions { color: s.color }).text;
    text.lines
        .into_iter()
        .enumerate()
        .map(|(i, mut l)| {
            let pre = if i == 0 { lead } else { indent };
            l.spans.insert(0, Span::raw(pre.to_string()));
            l
        })
        .collect()
}

/// As [`markdown_lines`], as strings for the places that style whole lines.
pub(super) fn markdown_plain(s: &State, src: &str, w: usize, indent: &str) -> Vec<String> {
    markdown_lines(s, src, w, indent, indent)
        .into_iter()
        .map(|l| l.spans.iter().map(|sp| sp.content.as_ref()).collect())
        .collect()
}
