//! The course outline: lessons (unread · / read ✓) and problems (service and answer marks).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{bold, fg, fit, pane_border};
use crate::tui::layout;
use crate::tui::state::State;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Header(&'static str),
    Lesson(usize),
    Problem(usize),
    Blank,
    /// Lessons left out above (`true`) or below the window: "↑ 3 more".
    More(usize, bool),
}

pub fn rows(s: &State) -> Vec<Row> {
    let mut v = vec![Row::Header("Lessons")];
    v.extend((0..s.lessons.len()).map(Row::Lesson));
    if !s.problems.is_empty() {
        v.push(Row::Blank);
        v.push(Row::Header("Problems"));
        v.extend((0..s.problems.len()).map(Row::Problem));
    }
    v
}

/// The rows that fit in `height`: every problem always (they are few, and what a learner
/// comes back for), and the lessons as a window around the current one with "↑ N more" /
/// "↓ N more" when they do not all fit. On a screen too small even for that, the list
/// scrolls to keep the current lesson in view.
pub fn visible(s: &State, height: usize) -> Vec<Row> {
    let all = rows(s);
    if all.len() <= height {
        return all;
    }
    let problems = if s.problems.is_empty() {
        0
    } else {
        2 + s.problems.len()
    };
    let n = s.lessons.len();
    // Room for lessons, after the "Lessons" header and the problems block.
    let room = height.saturating_sub(1 + problems);
    if room < 3 {
        let first = (s.current + 2).saturating_sub(height);
        return all.into_iter().skip(first).take(height).collect();
    }
    // A window of `room` rows; each "more" marker takes one of them.
    let mut start = s.current.saturating_sub(room / 2);
    let mut end = (start + room).min(n);
    start = end.saturating_sub(room);
    if start > 0 {
        start += 1;
    }
    if end < n {
        end -= 1;
    }
    if s.current >= end {
        let shift = s.current + 1 - end;
        start += shift;
        end += shift;
    }
    let mut out = vec![Row::Header("Lessons")];
    if start > 0 {
        out.push(Row::More(start, true));
    }
    out.extend((start..end).map(Row::Lesson));
    if end < n {
        out.push(Row::More(n - end, false));
    }
    out.extend(all.into_iter().skip(1 + n));
    out.truncate(height);
    out
}

/// Which row is at screen line `y` (for mouse clicks).
pub fn row_at(s: &State, area: Rect, y: u16) -> Option<Row> {
    let inner = layout::inner(area);
    if y < inner.y || y >= inner.bottom() {
        return None;
    }
    let i = usize::from(y - inner.y);
    visible(s, usize::from(inner.height)).get(i).copied()
}

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let block = Block::bordered()
        .title(" Course ")
        .border_style(pane_border(s.color, false));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
    let h = usize::from(inner.height);
    let lines: Vec<Line> = visible(s, h)
        .into_iter()
        .map(|row| match row {
            Row::Header(t) => Line::from(Span::styled(fit(t, w), bold())),
            Row::Blank => Line::default(),
            Row::More(k, up) => Line::from(Span::styled(
                fit(&format!("  {} {k} more", if up { "↑" } else { "↓" }), w),
                fg(s.color, Color::DarkGray),
            )),
            Row::Lesson(i) => {
                let l = &s.lessons[i];
                let read = s.read.contains(&l.id);
                let mark = if read { "✓" } else { "·" };
                let text = fit(&format!("{mark} {:>2} {}", l.number, l.title), w);
                let mut style = if read {
                    fg(s.color, Color::Green)
                } else {
                    Style::default()
                };
                if i == s.current {
                    style = style.add_modifier(Modifier::REVERSED);
                }
                Line::from(Span::styled(format!("{text:<w$}"), style))
            }
            Row::Problem(i) => {
                let p = &s.problems[i];
                let m = |ok| if ok { "✓" } else { "·" };
                let text = format!("{}{} {}", m(p.service_ok), m(p.answer_ok), p.title);
                let mut style = if p.service_ok && p.answer_ok {
                    fg(s.color, Color::Green)
                } else {
                    Style::default()
                };
                let open = s.work.open.as_ref().is_some_and(|ws| ws.index == i);
                if open {
                    style = style.add_modifier(Modifier::REVERSED);
                }
                Line::from(Span::styled(format!("{:<w$}", fit(&text, w)), style))
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::state::{LessonItem, ProblemItem};

    fn course(lessons: usize, problems: usize) -> State {
        State {
            lessons: (0..lessons)
                .map(|i| LessonItem {
                    id: format!("{:02}-l", i + 1),
                    number: i as u32 + 1,
                    title: format!("Lesson {}", i + 1),
                    source: String::new(),
                })
                .collect(),
            problems: (0..problems)
                .map(|i| ProblemItem {
                    id: format!("p{i}"),
                    title: format!("Problem {i}"),
                    ..ProblemItem::default()
                })
                .collect(),
            ..State::default()
        }
    }

    // Fifteen lessons and four problems in the 21 rows an 80x24 screen leaves (and the 17 of
    // 60x20): every problem stays listed, and so does the lesson being read, wherever it is.
    #[test]
    fn every_problem_and_the_current_lesson_stay_in_view() {
        for height in [21, 17, 12] {
            let mut s = course(15, 4);
            for current in 0..15 {
                s.current = current;
                let v = visible(&s, height);
                assert!(v.len() <= height, "{height}: {v:?}");
                for p in 0..4 {
                    assert!(v.contains(&Row::Problem(p)), "{height}/{current}: {v:?}");
                }
                assert!(
                    v.contains(&Row::Lesson(current)),
                    "{height}/{current}: {v:?}"
                );
                // What is left out is said: the markers count exactly the missing lessons.
                let shown = v.iter().filter(|r| matches!(r, Row::Lesson(_))).count();
                let more: usize = v
                    .iter()
                    .filter_map(|r| match r {
                        Row::More(k, _) => Some(*k),
                        _ => None,
                    })
                    .sum();
                assert_eq!(shown + more, 15, "{height}/{current}: {v:?}");
            }
        }
        // When everything fits, nothing changes.
        let s = course(3, 2);
        assert_eq!(visible(&s, 21), rows(&s));
    }
}
