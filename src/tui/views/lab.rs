//! The lab panel: mode, policy, store, denylist, attacker, one box per replica,
//! and the journal tail below.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use super::{bold, clean, fg, fit, journal, pane_border};
use crate::api::ReplicaStatus;
use crate::tui::layout;
use crate::tui::state::{Pane, State};
use unicode_width::UnicodeWidthStr;

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let title = match &s.lab.url {
        Some(u) => format!(" Lab {} ", u.trim_start_matches("http://")),
        None => " Lab ".to_string(),
    };
    let block = Block::bordered()
        .title(super::title(
            &title,
            usize::from(area.width.saturating_sub(4)),
        ))
        .border_style(pane_border(s.color, s.pane == Pane::Lab));
    f.render_widget(block, area);
    let parts = layout::lab_areas(area, s.replicas().len());
    let w = usize::from(parts.info.width);

    let Some(st) = &s.lab.state else {
        let msg = match (&s.lab.error, &s.lab.url) {
            (Some(e), _) => format!("lab unreachable: {e}"),
            (None, Some(_)) => "reading the lab's state…".to_string(),
            (None, None) => "starting the lab…".to_string(),
        };
        let style = if s.lab.error.is_some() {
            fg(s.color, Color::Red)
        } else {
            Style::default()
        };
        f.render_widget(
            Paragraph::new(Span::styled(clean(&msg).into_owned(), style))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            parts.info.union(parts.replicas),
        );
        journal::draw(s, f, parts.journal);
        return;
    };

    let on_off = |b: bool| if b { "on" } else { "off" };
    let attacker = if st.attacker.running {
        format!(
            "attacker on {} ({} req, {} refused)",
            st.attacker.user.as_deref().unwrap_or("?"),
            st.attacker.requests,
            st.attacker.refused
        )
    } else {
        match &st.attacker.stopped {
            Some(why) => format!("attacker off ({why})"),
            None => "attacker off".to_string(),
        }
    };
    let attacker_style = if st.attacker.running {
        fg(s.color, Color::Red).add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    let mode_line = vec![
        Span::raw("mode "),
        Span::styled(st.mode.as_str(), bold().patch(fg(s.color, Color::Cyan))),
        Span::raw(" · "),
        Span::styled(st.policy.as_str(), bold()),
        Span::raw(" · deny "),
        Span::styled(on_off(st.denylist), bold()),
    ];
    // A weak verifier turned on is the one setting a learner must not forget: in red.
    let weak: Vec<&str> = s
        .lab
        .security
        .iter()
        .flat_map(|sec| sec.weaknesses.iter().map(|w| w.as_str()))
        .collect();
    let mut info = vec![
        Line::from(mode_line),
        store_line(s, st, w),
        Line::from(Span::styled(fit(&attacker, w), attacker_style)),
    ];
    if let Some(e) = &s.lab.error {
        info[1] = Line::from(Span::styled(
            fit(&format!("unreachable: {e}"), w),
            fg(s.color, Color::Red),
        ));
    } else if let Some(note) = &s.lab.note
        && st.store_reachable
    {
        info[1] = Line::from(fit(&format!("{note} · store {}", st.store), w));
    }
    // Settings a lesson changes and asks to put back: shown only while they differ from the
    // lab's defaults, in place of the store line (which matters less meanwhile).
    let mut alerts: Vec<(String, Style)> = Vec::new();
    if !weak.is_empty() {
        alerts.push((
            format!("WEAK verifier on: {}", weak.join(", ")),
            fg(s.color, Color::Red).add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ));
    }
    if let Some(sec) = &s.lab.security {
        if !sec.csrf {
            alerts.push((
                "CSRF check off".into(),
                fg(s.color, Color::Red).add_modifier(Modifier::BOLD),
            ));
        }
        if sec.token_ttl_secs != crate::api::LabSecurity::default().token_ttl_secs {
            alerts.push((
                format!("token ttl {} s", sec.token_ttl_secs),
                fg(s.color, Color::Yellow).add_modifier(Modifier::BOLD),
            ));
        }
    }
    if !alerts.is_empty() {
        info[1] = Line::from(fit_spans(alerts, w));
    }
    f.render_widget(Paragraph::new(info), parts.info);

    let r = parts.replicas;
    if parts.compact {
        let lines: Vec<Line> = st
            .replicas
            .iter()
            .enumerate()
            .map(|(i, rep)| replica_line(s, rep, i == s.selected_replica, w))
            .collect();
        f.render_widget(Paragraph::new(lines), r);
        journal::draw(s, f, parts.journal);
        return;
    }
    let (per_row, bw) = layout::replica_grid(st.replicas.len(), r.width);
    for (i, rep) in st.replicas.iter().enumerate() {
        let x = r.x + (i % per_row) as u16 * bw;
        let y = r.y + (i / per_row) as u16 * layout::BOX_H;
        if y + layout::BOX_H > r.bottom() {
            break;
        }
        replica_box(
            s,
            f,
            Rect::new(x, y, bw, layout::BOX_H),
            rep,
            i == s.selected_replica,
        );
    }
    journal::draw(s, f, parts.journal);
}

/// `▸a up  mem 1  served 4  last 200` for short terminals.
fn replica_line(s: &State, rep: &ReplicaStatus, selected: bool, w: usize) -> Line<'static> {
    let (state, style) = if rep.up {
        ("up  ", fg(s.color, Color::Green))
    } else {
        ("DOWN", fg(s.color, Color::Red).add_modifier(Modifier::BOLD))
    };
    let last = rep.last_status.map_or("-".to_string(), |c| c.to_string());
    // Whole "label number" pairs, as many as fit: a label never shows without its number.
    let mut rest = String::new();
    for piece in [
        format!(" mem {}", rep.local_sessions),
        format!(" served {}", count(rep.served)),
        format!(" last {last}"),
    ] {
        if rest.len() + piece.len() > w.saturating_sub(7) {
            break;
        }
        rest.push_str(&piece);
    }
    let name_style = if selected {
        bold().add_modifier(Modifier::REVERSED)
    } else {
        bold()
    };
    Line::from(vec![
        Span::raw(if selected { "▸" } else { " " }),
        Span::styled(clean(&rep.name).into_owned(), name_style),
        Span::raw(" "),
        Span::styled(state, style),
        Span::raw(rest),
    ])
}

fn replica_box(s: &State, f: &mut Frame, area: Rect, rep: &ReplicaStatus, selected: bool) {
    let (state, style) = if rep.up {
        ("up", fg(s.color, Color::Green))
    } else {
        ("DOWN", fg(s.color, Color::Red).add_modifier(Modifier::BOLD))
    };
    let mut block = Block::bordered().title(Line::from(vec![
        Span::styled(clean(&rep.name).into_owned(), bold()),
        Span::raw(" "),
        Span::styled(state, style),
    ]));
    block = if selected {
        block
            .border_type(BorderType::Thick)
            .border_style(bold().patch(fg(s.color, Color::Cyan)))
    } else {
        block.border_style(if rep.up { Style::default() } else { style })
    };
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
    let last = rep.last_status.map_or("-".to_string(), |c| c.to_string());
    let last_style = rep
        .last_status
        .map_or(Style::default(), |c| status_style(s.color, c));
    let lines = vec![
        Line::from(labelled("mem", rep.local_sessions as u64, w)),
        Line::from(labelled("served", rep.served, w)),
        Line::from(vec![Span::raw("last "), Span::styled(last, last_style)]),
    ];
    f.render_widget(Paragraph::new(lines), inner);
}

/// `label n` in `w` columns: the number in full, else shortened (`1.2k`), else with the label
/// shortened too (`srv 1.2k`: a box 10 columns wide after a load run), never `served 12…`.
fn labelled(label: &str, n: u64, w: usize) -> String {
    let short_label = if label == "served" { "srv" } else { label };
    [
        format!("{label} {n}"),
        format!("{label} {}", count(n)),
        format!("{short_label} {}", count(n)),
        count(n),
    ]
    .into_iter()
    .find(|t| t.len() <= w)
    .unwrap_or_default()
}

/// A count in at most 4 columns: 999, 1.2k, 12k, 123k, 1.2M, 12M.
fn count(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=9_999 => format!("{}.{}k", n / 1000, n % 1000 / 100),
        10_000..=999_999 => format!("{}k", n / 1000),
        1_000_000..=9_999_999 => format!("{}.{}M", n / 1_000_000, n % 1_000_000 / 100_000),
        _ => format!("{}M", n / 1_000_000),
    }
}

/// 2xx green, 401/404 yellow, other 4xx and 5xx red.
pub fn status_style(color: bool, code: u16) -> Style {
    match code {
        200..=299 => fg(color, Color::Green),
        401 | 404 => fg(color, Color::Yellow),
        400..=599 => fg(color, Color::Red).add_modifier(if color {
            Modifier::empty()
        } else {
            Modifier::BOLD
        }),
        _ => Style::default(),
    }
}

/// The store's address, or in red that it did not answer (requests that need it get 503).
fn store_line(s: &State, st: &crate::api::LabState, w: usize) -> Line<'static> {
    if st.store_reachable {
        Line::from(fit(&format!("store {}", st.store), w))
    } else {
        // The address whole before the words around it: the short form in a narrow pane.
        let long = format!("store ✗ unreachable (503): {}", st.store);
        let short = format!("store ✗ (503) {}", st.store);
        let text = if long.width() <= w || short.width() > w {
            fit(&long, w)
        } else {
            short
        };
        Line::from(Span::styled(
            text,
            fg(s.color, Color::Red).add_modifier(Modifier::BOLD),
        ))
    }
}

/// Pieces joined by " · ", as many as fit in `w` columns, the last cut to fit.
fn fit_spans(pieces: Vec<(String, Style)>, w: usize) -> Vec<Span<'static>> {
    use unicode_width::UnicodeWidthStr;
    let mut out = Vec::new();
    let mut used = 0;
    for (i, (text, style)) in pieces.into_iter().enumerate() {
        if i > 0 {
            if used + 3 >= w {
                break;
            }
            out.push(Span::raw(" · "));
            used += 3;
        }
        let piece = fit(&text, w.saturating_sub(used));
        used += piece.width();
        out.push(Span::styled(piece, style));
        if used >= w {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // A replica's box is 10 columns inside at 60x20 and 120x40: after a load run its count
    // still reads as a number with its label, never cut.
    #[test]
    fn counts_shorten_instead_of_being_cut() {
        assert_eq!(labelled("served", 1234, 14), "served 1234");
        assert_eq!(labelled("served", 1234, 10), "srv 1.2k");
        assert_eq!(labelled("served", 12_345, 10), "served 12k");
        assert_eq!(labelled("served", 123_456, 10), "srv 123k");
        assert_eq!(labelled("served", 12_345_678, 10), "served 12M");
        assert_eq!(labelled("served", 1_234_567, 10), "srv 1.2M");
        assert_eq!(labelled("mem", 3, 10), "mem 3");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_999_999), "1.9M");
    }
}
