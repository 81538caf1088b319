//! The class view drawn from `&ClassState` only. The layout is a pure function of the state
//! (`areas`), which the mouse mapping reads too, so a click lands where the row is drawn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use unicode_width::UnicodeWidthStr;

use super::{ClassState, Detail, Screen};
use crate::api::class::{AnswerState, ClassSummary, LabHalf, LearnerRow};
use crate::grade::rubric::Outcome;
use crate::tui::views::{bold, clean, fg, fit, footer, help, journal};
use crate::tui::workspace::text::wrap;

/// Where each part goes on the screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub top: Rect,
    /// The list's block, or the detail's answers block.
    pub main: Rect,
    /// The rows a click selects: learners in the list, problems in the detail.
    pub rows: Rect,
    /// The detail's answer pane (its block).
    pub answer: Rect,
    /// The detail's journal (its block).
    pub journal: Rect,
    pub footer: Rect,
}

pub fn areas(s: &ClassState) -> Areas {
    let (w, h) = s.size;
    let top = Rect::new(0, 0, w, h.min(1));
    let footer = Rect::new(0, h.saturating_sub(1), w, u16::from(h >= 2));
    let body_h = h.saturating_sub(2);
    let body = Rect::new(0, 1.min(h), w, body_h);
    match s.screen {
        Screen::List => {
            let inner = Block::bordered().inner(body);
            // A header row above the learners, the legend below them (and the problems'
            // key above it when their names do not fit their columns).
            let keyed = problem_key(s, usize::from(inner.width)).is_some();
            let rows = Rect::new(
                inner.x,
                inner.y.saturating_add(1),
                inner.width,
                inner.height.saturating_sub(2 + u16::from(keyed)),
            );
            Areas {
                top,
                main: body,
                rows,
                footer,
                ..Areas::default()
            }
        }
        Screen::Detail => {
            let data = s.detail.as_ref().and_then(|d| d.data.as_ref());
            let n = data.map_or(1, |d| d.answers.len().max(1)) as u16;
            // The journal takes a third at most, and no more lines than it has entries.
            let entries = data.map_or(1, |d| d.journal.len().max(1)) as u16;
            let answers_h = (n + 2).min((body_h / 3).max(3)).min(body_h);
            let journal_h = (entries + 2)
                .min((body_h / 3).max(3))
                .min(body_h.saturating_sub(answers_h));
            let answer_h = body_h.saturating_sub(answers_h + journal_h);
            let main = Rect::new(0, body.y, w, answers_h);
            let answer = Rect::new(0, body.y + answers_h, w, answer_h);
            let journal = Rect::new(0, body.y + answers_h + answer_h, w, journal_h);
            Areas {
                top,
                main,
                rows: Block::bordered().inner(main),
                answer,
                journal,
                footer,
            }
        }
    }
}

/// The first learner row shown: the list scrolls just enough to keep the selection in view.
pub fn list_offset(s: &ClassState, height: u16) -> usize {
    (s.selected + 1).saturating_sub(usize::from(height.max(1)))
}

/// The first problem row shown in the detail's answers block.
pub fn problem_offset(d: &Detail, height: u16) -> usize {
    (d.problem + 1).saturating_sub(usize::from(height.max(1)))
}

fn help_view(s: &ClassState) -> crate::tui::help::View {
    crate::tui::help::view_for(
        &[&super::keys::HELP[..]],
        Rect::new(0, 0, s.size.0, s.size.1),
    )
}

/// How far PgDn moves the help.
pub fn help_page(s: &ClassState) -> usize {
    help_view(s).height.saturating_sub(1).max(1)
}

pub fn help_max_scroll(s: &ClassState) -> usize {
    help_view(s).max_scroll
}

/// Lines inside the answer pane.
fn answer_inner(s: &ClassState) -> Rect {
    Block::bordered().inner(areas(s).answer)
}

/// How far PgDn moves the answer: a page less a line of context.
pub fn answer_page(s: &ClassState) -> usize {
    usize::from(answer_inner(s).height).saturating_sub(1).max(1)
}

pub fn answer_max_scroll(s: &ClassState) -> usize {
    let inner = answer_inner(s);
    answer_lines(s, usize::from(inner.width))
        .len()
        .saturating_sub(usize::from(inner.height))
}

/// Minutes from `at` to `now`, both RFC 3339.
fn minutes(now: &str, at: &str) -> Option<i64> {
    let now = OffsetDateTime::parse(now, &Rfc3339).ok()?;
    let at = OffsetDateTime::parse(at, &Rfc3339).ok()?;
    Some((now - at).whole_minutes().max(0))
}

/// "just now", "4 min ago", "2 h ago", measured at the summary's own time.
fn ago(summary: Option<&ClassSummary>, at: Option<&str>) -> String {
    match summary
        .zip(at)
        .and_then(|(s, at)| minutes(&s.generated_at, at))
    {
        None => "never".into(),
        Some(m) if m < 1 => "just now".into(),
        Some(m) if m < 120 => format!("{m} min ago"),
        Some(m) if m < 48 * 60 => format!("{} h ago", m / 60),
        Some(m) => format!("{} days ago", m / (24 * 60)),
    }
}

/// The same, short, for the table.
fn ago_short(summary: Option<&ClassSummary>, at: Option<&str>) -> String {
    match summary
        .zip(at)
        .and_then(|(s, at)| minutes(&s.generated_at, at))
    {
        None => "never".into(),
        Some(m) if m < 1 => "now".into(),
        Some(m) if m < 120 => format!("{m}m ago"),
        Some(m) if m < 48 * 60 => format!("{}h ago", m / 60),
        Some(m) => format!("{}d ago", m / (24 * 60)),
    }
}

/// The answer's mark, short for a narrow cell.
fn answer_mark(a: AnswerState, short: bool) -> &'static str {
    match (a, short) {
        (AnswerState::Accepted, true) => "acc",
        (AnswerState::Rejected, true) => "rej",
        (AnswerState::Partial, true) => "part",
        _ => a.mark(),
    }
}

/// Text cut or padded to exactly `w` columns.
fn cell(text: &str, w: usize) -> String {
    let t = fit(text, w);
    let pad = w.saturating_sub(t.width());
    format!("{t}{}", " ".repeat(pad))
}

fn stuck_style(color: bool) -> Style {
    if color {
        Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
    } else {
        bold()
    }
}

pub fn draw(s: &ClassState, f: &mut Frame) {
    let a = areas(s);
    draw_top(s, f, a.top);
    let usable = |r: Rect| r.width >= 3 && r.height >= 3;
    match s.screen {
        Screen::List if usable(a.main) => draw_list(s, f, &a),
        Screen::Detail if usable(a.main) => draw_detail(s, f, &a),
        _ => {}
    }
    f.render_widget(
        Paragraph::new(footer::keys_line(
            &super::keys::footer(s),
            a.footer.width,
            s.color,
        )),
        a.footer,
    );
    let size = f.area();
    if s.help && size.width >= 10 && size.height >= 5 {
        help::draw_for(&[&super::keys::HELP[..]], s.help_scroll, f, size);
    }
}

fn draw_top(s: &ClassState, f: &mut Frame, area: Rect) {
    let w = usize::from(area.width);
    let mut spans = vec![Span::styled(
        " forgetful class ",
        bold().add_modifier(Modifier::REVERSED),
    )];
    let sum = s.summary.as_ref();
    let facts = match (s.screen, s.detail.as_ref()) {
        (Screen::Detail, Some(d)) => {
            let row = d
                .data
                .as_ref()
                .map(|x| &x.row)
                .or_else(|| s.learners().iter().find(|l| l.name == d.name));
            match row {
                Some(r) => format!(
                    " {} · lessons {}/{} · hints {} · last {} ",
                    clean(&r.name),
                    r.lessons_read,
                    sum.map_or(0, |x| x.lessons_total),
                    r.hints_used,
                    ago(sum, r.last_activity.as_deref())
                ),
                None => format!(" {} ", clean(&d.name)),
            }
        }
        _ => {
            let l = s.learners();
            format!(
                " {} learner{} · {} done · {} stuck · {} ",
                l.len(),
                if l.len() == 1 { "" } else { "s" },
                l.iter().filter(|x| x.done).count(),
                l.iter().filter(|x| x.stuck_minutes.is_some()).count(),
                clean(&s.url)
            )
        }
    };
    // A message takes the facts' place, so it has the line's room rather than what is left.
    if s.error.is_none() && s.status.is_none() {
        spans.push(Span::raw(facts));
    }
    let used: usize = spans.iter().map(|x| x.width()).sum();
    let room = w.saturating_sub(used + 1);
    if let Some(e) = &s.error {
        spans.push(Span::styled(
            fit(&format!("unreachable: {e}"), room),
            fg(s.color, Color::Red),
        ));
    } else if let Some(m) = &s.status {
        spans.push(Span::styled(fit(m, room), fg(s.color, Color::Yellow)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Column widths of the list, for an inner width and the learners shown.
struct Columns {
    name: usize,
    lessons: usize,
    problem: usize,
    hints: usize,
    last: usize,
    stuck: usize,
}

fn columns(inner: usize, problems: usize, learners: &[LearnerRow]) -> Columns {
    let (lessons, hints, last) = (7, 5, 8);
    let spaces = 4 + problems;
    let longest = learners.iter().map(|l| l.name.width()).max().unwrap_or(0);
    let name = longest.clamp(7, 16);
    let fixed = lessons + hints + last + spaces + name;
    let problem = inner
        .saturating_sub(fixed + 9)
        .checked_div(problems)
        .map_or(0, |p| p.clamp(4, 20));
    let stuck = inner.saturating_sub(fixed + problem * problems);
    Columns {
        name,
        lessons,
        problem,
        hints,
        last,
        stuck,
    }
}

/// When the problems' ids are wider than their columns, the header numbers them (`#1`, …)
/// and this key names them, so no id is cut inside a word.
fn problem_key(s: &ClassState, inner: usize) -> Option<String> {
    let sum = s.summary.as_ref()?;
    let c = columns(inner, sum.problems.len(), &sum.learners);
    let widest = sum.problems.iter().map(|p| p.width()).max().unwrap_or(0);
    (widest > c.problem).then(|| {
        sum.problems
            .iter()
            .enumerate()
            .map(|(i, p)| format!("#{} {p}", i + 1))
            .collect::<Vec<_>>()
            .join("  ")
    })
}

fn draw_list(s: &ClassState, f: &mut Frame, a: &Areas) {
    let sum = s.summary.as_ref();
    let stuck = s
        .learners()
        .iter()
        .filter(|l| l.stuck_minutes.is_some())
        .count();
    let title = if stuck > 0 {
        format!(" Class · {stuck} stuck ")
    } else {
        " Class ".to_string()
    };
    let block = Block::bordered()
        .title(title)
        .border_style(crate::tui::views::pane_border(s.color, true));
    let inner = block.inner(a.main);
    f.render_widget(block, a.main);
    let iw = usize::from(inner.width);
    let Some(sum) = sum else {
        f.render_widget(
            Paragraph::new(fit(&format!("asking {} for the class…", s.url), iw)),
            inner,
        );
        return;
    };
    let c = columns(iw, sum.problems.len(), &sum.learners);
    let short = c.problem < 10;
    // Header.
    let mut head = format!(
        "{} {} ",
        cell("learner", c.name),
        cell("lessons", c.lessons)
    );
    let key = problem_key(s, iw);
    for (i, p) in sum.problems.iter().enumerate() {
        let name = if key.is_some() {
            format!("#{}", i + 1)
        } else {
            p.clone()
        };
        head.push_str(&cell(&name, c.problem));
        head.push(' ');
    }
    head.push_str(&format!(
        "{} {} {}",
        cell("hints", c.hints),
        cell("last", c.last),
        cell("", c.stuck)
    ));
    let mut lines = vec![Line::from(Span::styled(
        fit(&head, iw),
        bold().add_modifier(Modifier::UNDERLINED),
    ))];
    if sum.learners.is_empty() {
        lines.push(Line::from(fit(
            "No learner has joined yet. Learners run:",
            iw,
        )));
        lines.push(Line::from(fit(
            &format!("  forgetful --join {} --name NAME", s.url),
            iw,
        )));
    }
    let offset = list_offset(s, a.rows.height);
    for (i, l) in sum
        .learners
        .iter()
        .enumerate()
        .skip(offset)
        .take(usize::from(a.rows.height))
    {
        lines.push(learner_line(s, sum, l, &c, short, i == s.selected));
    }
    f.render_widget(Paragraph::new(lines), inner);
    // The problems' key on the line above the legend, whole words only.
    if let Some(key) = key
        && inner.height >= 4
    {
        let at = Rect::new(inner.x, inner.y + inner.height - 2, inner.width, 1);
        f.render_widget(
            Paragraph::new(Span::styled(
                fit(&key, iw),
                Style::default().add_modifier(Modifier::DIM),
            )),
            at,
        );
    }
    // The legend on the block's last inner line.
    if inner.height >= 3 {
        let legend = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
        let text = if offset + usize::from(a.rows.height) < sum.learners.len() {
            format!(
                "↓ {} more · lab·answer: ✓ passed ✗ not yet, self, acc, rej, part, - none",
                sum.learners.len() - offset - usize::from(a.rows.height)
            )
        } else {
            "lab·answer: ✓ passed ✗ not yet · self · acc/rej by you · part · - none".to_string()
        };
        f.render_widget(
            Paragraph::new(Span::styled(
                fit(&text, iw),
                Style::default().add_modifier(Modifier::DIM),
            )),
            legend,
        );
    }
}

fn learner_line(
    s: &ClassState,
    sum: &ClassSummary,
    l: &LearnerRow,
    c: &Columns,
    short: bool,
    selected: bool,
) -> Line<'static> {
    let base = if l.stuck_minutes.is_some() {
        stuck_style(s.color)
    } else {
        Style::default()
    };
    let base = if selected {
        base.add_modifier(Modifier::REVERSED)
    } else {
        base
    };
    let mut spans = vec![Span::styled(
        format!(
            "{} {} ",
            cell(&l.name, c.name),
            cell(
                &format!("{}/{}", l.lessons_read, sum.lessons_total),
                c.lessons
            )
        ),
        base,
    )];
    for p in &l.problems {
        let text = format!("{} {}", p.lab.mark(), answer_mark(p.answer, short));
        let mut style = base;
        if s.color && l.stuck_minutes.is_none() {
            if p.lab == LabHalf::Passed && p.answer.done() {
                style = style.fg(Color::Green);
            } else if p.answer == AnswerState::SelfAssessed {
                // Waiting for the instructor.
                style = style.fg(Color::Yellow);
            }
        }
        spans.push(Span::styled(format!("{} ", cell(&text, c.problem)), style));
    }
    let stuck = match l.stuck_minutes {
        Some(m) => format!("stuck {m}m"),
        None if l.done => "done".into(),
        None => String::new(),
    };
    spans.push(Span::styled(
        format!(
            "{} {} {}",
            cell(&l.hints_used.to_string(), c.hints),
            cell(&ago_short(Some(sum), l.last_activity.as_deref()), c.last),
            cell(&stuck, c.stuck)
        ),
        base,
    ));
    Line::from(spans)
}

fn draw_detail(s: &ClassState, f: &mut Frame, a: &Areas) {
    let Some(d) = &s.detail else { return };
    let block = Block::bordered()
        .title(format!(" {} · answers ", fit(&d.name, 40)))
        .border_style(crate::tui::views::pane_border(s.color, true));
    let inner = block.inner(a.main);
    f.render_widget(block, a.main);
    let iw = usize::from(inner.width);
    let Some(data) = &d.data else {
        let text = match &d.error {
            Some(e) => format!("could not read {}: {e}", d.name),
            None => format!("asking for {}'s answers and journal…", d.name),
        };
        f.render_widget(Paragraph::new(fit(&text, iw)), inner);
        return;
    };
    let offset = problem_offset(d, inner.height);
    let pw = data
        .answers
        .iter()
        .map(|x| x.problem.width())
        .max()
        .unwrap_or(0)
        .min(24);
    let rows: Vec<Line> = data
        .answers
        .iter()
        .zip(&data.row.problems)
        .enumerate()
        .skip(offset)
        .take(usize::from(inner.height))
        .map(|(i, (ans, row))| {
            let mut style = Style::default();
            if ans.state == AnswerState::SelfAssessed {
                style = fg(s.color, Color::Yellow);
            }
            if i == d.problem {
                style = style.add_modifier(Modifier::REVERSED);
            }
            let text = format!(
                "{} {}  lab {}  answer {:<8}  hints {}",
                if i == d.problem { ">" } else { " " },
                cell(&ans.problem, pw),
                row.lab.mark(),
                ans.state.mark(),
                row.hints_used
            );
            Line::from(Span::styled(cell(&text, iw), style))
        })
        .collect();
    f.render_widget(Paragraph::new(rows), inner);

    // The selected problem's answer.
    if a.answer.height >= 3 {
        let title = d.answer().map_or(String::new(), |x| {
            format!(" {} · latest answer ", fit(&x.problem, 40))
        });
        let block = Block::bordered()
            .title(title)
            .border_style(crate::tui::views::pane_border(s.color, false));
        let inner = block.inner(a.answer);
        f.render_widget(block, a.answer);
        let lines = answer_lines(s, usize::from(inner.width));
        let max = lines.len().saturating_sub(usize::from(inner.height));
        let shown: Vec<Line> = lines.into_iter().skip(d.scroll.min(max)).collect();
        f.render_widget(Paragraph::new(shown), inner);
    }
    // The journal tail of their lab.
    if a.journal.height >= 3 {
        let block = Block::bordered()
            .title(format!(" {}'s lab · journal ", fit(&d.name, 40)))
            .border_style(crate::tui::views::pane_border(s.color, false));
        let inner = block.inner(a.journal);
        f.render_widget(block, a.journal);
        let h = usize::from(inner.height);
        let w = usize::from(inner.width);
        let lines: Vec<Line> = if let Some(url) = &data.lab_elsewhere {
            vec![Line::from(Span::styled(
                fit(
                    &format!(
                        "their lab runs on another workshop server ({}): its journal is read there",
                        clean(url)
                    ),
                    w,
                ),
                Style::default().add_modifier(Modifier::DIM),
            ))]
        } else if data.journal.is_empty() {
            vec![Line::from(Span::styled(
                fit("no requests in their lab yet", w),
                Style::default().add_modifier(Modifier::DIM),
            ))]
        } else {
            data.journal
                .iter()
                .skip(data.journal.len().saturating_sub(h))
                .map(|e| {
                    let clock = e.time.get(11..19).unwrap_or("");
                    let mut l = journal::line(s.color, e, w.saturating_sub(9));
                    l.spans.insert(0, Span::raw(format!("{clock} ")));
                    l
                })
                .collect()
        };
        f.render_widget(Paragraph::new(lines), inner);
    }
}

/// The answer pane's lines at width `w`: the latest answer, the grader's word on it then,
/// the rubric's result now, and the self-assessment with the review.
pub fn answer_lines(s: &ClassState, w: usize) -> Vec<Line<'static>> {
    let Some(d) = &s.detail else {
        return Vec::new();
    };
    let Some(ans) = d.answer() else {
        return Vec::new();
    };
    let sum = s.summary.as_ref();
    let dim = Style::default().add_modifier(Modifier::DIM);
    let mut out: Vec<Line<'static>> = Vec::new();
    let push = |out: &mut Vec<Line<'static>>, text: &str, style: Style, first: &str, rest: &str| {
        for l in wrap(text, w.max(1), first, rest) {
            out.push(Line::from(Span::styled(l, style)));
        }
    };
    let Some(latest) = &ans.latest else {
        push(&mut out, "No answer submitted yet.", dim, "", "");
        return out;
    };
    let review = match (&ans.self_assessed, &ans.review) {
        (None, _) => "Not self-assessed, so not yours to accept or reject.".to_string(),
        (Some(sa), None) => format!(
            "Self-assessed {}: the learner says it matches the model answer. a accepts it, r rejects it.",
            ago(sum, Some(&sa.at))
        ),
        (Some(sa), Some(r)) => format!(
            "Self-assessed {}; you {} it {} ({} instead).",
            ago(sum, Some(&sa.at)),
            if r.accept { "accepted" } else { "rejected" },
            ago(sum, Some(&r.at)),
            if r.accept {
                "r rejects it"
            } else {
                "a accepts it"
            }
        ),
    };
    let style = match (&ans.self_assessed, &ans.review, d.sending) {
        (Some(_), _, Some(_)) => dim,
        (Some(_), None, None) => fg(s.color, Color::Yellow).add_modifier(Modifier::BOLD),
        _ => Style::default(),
    };
    push(&mut out, &review, style, "", "");
    if let Some(accept) = d.sending {
        push(
            &mut out,
            if accept {
                "accepting…"
            } else {
                "rejecting…"
            },
            dim,
            "",
            "",
        );
    }
    push(
        &mut out,
        &format!(
            "Submitted {} · the grader said {}: {}",
            ago(sum, Some(&latest.at)),
            latest.outcome.as_str(),
            clean(&latest.message)
        ),
        dim,
        "",
        "",
    );
    for para in latest.text.trim().lines() {
        push(&mut out, &clean(para), Style::default(), "  ", "  ");
    }
    out.push(Line::default());
    match d.verdicts.get(d.problem).and_then(Option::as_ref) {
        Some(v) => {
            let word = match v.outcome {
                Outcome::Pass => "pass",
                Outcome::Partial => "partial",
                Outcome::NotYet => "not yet",
            };
            out.push(Line::from(Span::styled(
                fit(&format!("Rubric now: {word}"), w),
                bold(),
            )));
            for c in &v.concepts {
                let (mark, style) = if c.found {
                    ("✓ ", fg(s.color, Color::Green))
                } else if c.required {
                    ("✗ ", fg(s.color, Color::Red))
                } else {
                    ("· ", dim)
                };
                push(&mut out, &c.label, style, mark, "  ");
            }
            for m in &v.misconceptions {
                push(&mut out, &m.feedback, fg(s.color, Color::Red), "! ", "  ");
            }
        }
        None => push(
            &mut out,
            "Rubric: this course has no such problem here, so the answer is not graded again.",
            dim,
            "",
            "",
        ),
    }
    out
}
