//! The load pane: the scenario and settings, then one column per run (two side by side),
//! each with requests a second per replica and errors a second by reason (ratatui `Chart`s,
//! journal events as vertical marks), p99 a second (a `Sparkline`), the marks named, and
//! the verdict. Every line is cut at a word, never inside one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Chart, Clear, Dataset, GraphType, LegendPosition, Paragraph, Sparkline,
};

use super::{bold, fg, pane_border};
use crate::load::Scenario;
use crate::tui::load::{LoadPane, PAIRS, Phase, RunView};
use crate::tui::state::State;
use crate::tui::workspace::text::wrap;

const REPLICA_COLORS: [Color; 9] = [
    Color::Cyan,
    Color::Green,
    Color::Magenta,
    Color::Blue,
    Color::Yellow,
    Color::LightCyan,
    Color::LightGreen,
    Color::LightMagenta,
    Color::LightBlue,
];
const ERROR_COLORS: [Color; 5] = [
    Color::Red,
    Color::LightRed,
    Color::Yellow,
    Color::Magenta,
    Color::White,
];
/// Under NO_COLOR the lines differ by their dots instead.
const MARKERS: [Marker; 4] = [Marker::Braille, Marker::Dot, Marker::Block, Marker::Bar];

/// Draws the pane over everything between the top line and the footer, when it is open.
pub fn draw_pane(s: &State, f: &mut Frame, top: Rect, footer: Rect) {
    if !s.load.open {
        return;
    }
    let y = top.bottom();
    let body = Rect::new(0, y, f.area().width, footer.y.saturating_sub(y));
    if body.width < 3 || body.height < 3 {
        return;
    }
    f.render_widget(Clear, body);
    let block = Block::bordered()
        .title(format!(
            "{} ",
            fit_words(
                " Load lab: traffic through the balancer while something happens to the lab",
                usize::from(body.width.saturating_sub(3)),
            )
        ))
        .border_style(pane_border(s.color, true));
    let inner = block.inner(body);
    f.render_widget(block, body);
    let w = usize::from(inner.width);
    let header = header_lines(s, &s.load, w);
    let hh = (header.len() as u16).min(inner.height);
    f.render_widget(
        Paragraph::new(header),
        Rect {
            height: hh,
            ..inner
        },
    );
    let rest = Rect {
        y: inner.y + hh,
        height: inner.height - hh,
        ..inner
    };
    if rest.height == 0 {
        return;
    }
    if s.load.runs.is_empty() {
        let text = "Enter starts the scenario against this app's lab: users log in, then send GET /me through the balancer, 200 requests a second, while the scenario acts on the lab a third of the way in. Watch who serves, who is refused and why, and how long answers take; the lab's journal events are marked where they happen. v runs it in two modes, side by side.";
        let lines: Vec<Line> = fit_lines(text, w, usize::from(rest.height))
            .into_iter()
            .map(Line::from)
            .collect();
        f.render_widget(Paragraph::new(lines), rest);
        return;
    }
    let n = s.load.runs.len() as u32;
    let cols = ratatui::layout::Layout::horizontal(
        (0..n).map(|_| Constraint::Ratio(1, n)).collect::<Vec<_>>(),
    )
    .spacing(u16::from(n > 1))
    .split(rest);
    // One p99 scale for every run shown, so side-by-side bars compare; the first second
    // (connections opening) is left out of it, or one warm-up spike flattens the rest.
    let p99_max = s
        .load
        .runs
        .iter()
        .flat_map(|r| r.series.p99_tenths.iter().skip(1).copied())
        .max()
        .unwrap_or(1)
        .max(1);
    // One split of the rows for every column, so side-by-side charts line up; the notes get
    // the rows the longest of them needs, so a verdict reads whole.
    let need = s
        .load
        .runs
        .iter()
        .zip(cols.iter())
        .map(|(r, a)| notes(r, usize::from(a.width), usize::MAX).len())
        .max()
        .unwrap_or(0);
    let rows = split_rows(rest.height.saturating_sub(1), need);
    for (r, area) in s.load.runs.iter().zip(cols.iter()) {
        draw_run(s, f, r, *area, p99_max, rows);
    }
}

/// How a run's column splits the rows under its title: requests chart, errors chart, p99
/// (its figures, then bars), notes. All charts 0: the notes only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rows {
    requests: u16,
    errors: u16,
    spark: u16,
    notes: u16,
}

/// The fewest rows the two charts can be read in: requests (title, two rows, axis) and errors
/// (title, a row, axis, labels).
const CHARTS_MIN: u16 = 8;
/// The fewest rows the requests chart alone can be read in (title, three rows, axis).
const REQUESTS_MIN: u16 = 5;

/// Splits `h` rows: the notes take what the longest needs (`need` lines) and at least 3 (4 on a
/// tall screen); the p99 bars 2 (4), or 1 (its figures only) when the charts are short of
/// rows; the two charts the rest. Short of rows even so, the requests chart alone; short of
/// that, the notes take the column: words over pictures.
fn split_rows(h: u16, need: usize) -> Rows {
    let notes_only = Rows {
        requests: 0,
        errors: 0,
        spark: 0,
        notes: h,
    };
    if h < 9 {
        return notes_only;
    }
    let tall = h >= 20;
    let notes = u16::try_from(need)
        .unwrap_or(u16::MAX)
        .max(if tall { 4 } else { 3 });
    for spark in [if tall { 4 } else { 2 }, 1] {
        let charts = h.saturating_sub(notes.saturating_add(spark));
        if charts >= CHARTS_MIN {
            let requests = charts * 11 / 20;
            return Rows {
                requests,
                errors: charts - requests,
                spark,
                notes,
            };
        }
    }
    match h.checked_sub(notes) {
        Some(requests) if requests >= REQUESTS_MIN => Rows {
            requests,
            errors: 0,
            spark: 0,
            notes,
        },
        _ => notes_only,
    }
}

/// The scenario row and the settings, wrapped to `w`.
fn header_lines(s: &State, p: &LoadPane, w: usize) -> Vec<Line<'static>> {
    let pick = if s.color {
        Style::default()
            .fg(Color::Black)
            .bg(Color::Cyan)
            .add_modifier(Modifier::BOLD)
    } else {
        bold().add_modifier(Modifier::REVERSED)
    };
    // The scenarios, in as many rows as they need (each name whole).
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut spans: Vec<Span<'static>> = vec![Span::raw("scenario ")];
    let mut used = "scenario ".len();
    for (i, x) in Scenario::ALL.iter().enumerate() {
        let name = format!(" {} {} ", i + 1, x.as_str());
        if used + name.len() > w && used > 0 {
            rows.push(Line::from(std::mem::take(&mut spans)));
            used = 0;
        }
        used += name.len();
        spans.push(if *x == p.scenario {
            Span::styled(name, pick)
        } else {
            Span::raw(name)
        });
    }
    rows.push(Line::from(spans));
    let how = if p.compare {
        let (a, b) = PAIRS[p.pair % PAIRS.len()];
        format!("side by side: {a} mode, then {b} mode")
    } else {
        match p.mode {
            Some(m) => format!("one run in {m} mode"),
            None => {
                let now = s.lab.state.as_ref().map(|st| st.mode.to_string());
                format!(
                    "one run in the lab's mode{}",
                    now.map(|m| format!(" ({m})")).unwrap_or_default()
                )
            }
        }
    };
    let chat = if p.chat > 0 {
        format!("{} chat clients", p.chat)
    } else {
        "no chat clients".into()
    };
    let settings = format!(
        "{how} · {} s each · {} users · {} requests/s · sticky · {chat}",
        p.duration_s,
        crate::tui::load::USERS,
        crate::tui::load::RATE
    );
    // The settings are phrases joined by " · ": drop whole phrases from the end to fit.
    rows.push(Line::from(Span::styled(
        fit_phrases(&settings, w),
        fg(s.color, Color::Gray),
    )));
    rows
}

fn phase_words(r: &RunView) -> String {
    match r.phase {
        Phase::Waiting => "waits its turn".into(),
        Phase::SettingUp => "logging in".into(),
        Phase::Running => format!("{:.0} of {:.0} s", r.elapsed(), r.duration_s),
        Phase::Done => format!("done, {:.0} s", r.duration_s),
        Phase::Failed => "did not run".into(),
    }
}

fn draw_run(s: &State, f: &mut Frame, r: &RunView, area: Rect, p99_max: u64, rows: Rows) {
    let w = usize::from(area.width);
    let mode = r
        .mode_name()
        .map_or_else(|| "the lab's mode".to_string(), |m| format!("{m} mode"));
    // The count the lessons ask about comes before the phase, so a half-width title (side
    // by side) keeps it when phrases are dropped from the end.
    let mut title = mode;
    if r.users > 0 {
        title.push_str(&format!(" · logged out {}/{}", r.logged_out, r.users));
    }
    title.push_str(&format!(" · {}", phase_words(r)));
    let title_style = bold().patch(fg(s.color, Color::White));
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            fit_phrases(&title, w),
            title_style,
        ))),
        Rect { height: 1, ..area },
    );
    let below = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    // Too short for charts: the verdict in words.
    if rows.requests == 0 {
        let lines = notes(r, w, usize::from(below.height));
        f.render_widget(Paragraph::new(lines), below);
        return;
    }
    let (tp_h, err_h, spark_h, note_h) = (rows.requests, rows.errors, rows.spark, rows.notes);
    let mut y = below.y;
    let mut take = |h: u16| {
        let r = Rect {
            y,
            height: h,
            ..below
        };
        y += h;
        r
    };
    let (tp, err, spark, note) = (take(tp_h), take(err_h), take(spark_h), take(note_h));
    let x_max = r.duration_s.max(1.0);

    // Requests a second per replica.
    let mut sets = line_sets(s, &r.series.per_replica, &REPLICA_COLORS);
    let y_max = nice_max(r.series.max_rps);
    let tp_marks = mark_lines(r, y_max);
    sets.extend(mark_sets(s, &tp_marks));
    let names: Vec<&str> = r
        .series
        .per_replica
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let tp_title = keyed_title(s, "requests/s", &names, &REPLICA_COLORS, w);
    // Alone, it carries the time axis's labels.
    f.render_widget(
        chart(sets, tp_title, x_max, y_max, err_h == 0, tp.height),
        tp,
    );
    if err_h > 0 {
        draw_errors(s, f, r, err, x_max);
    }
    if spark_h > 0 {
        draw_p99(s, f, r, spark, p99_max);
    }
    f.render_widget(Paragraph::new(notes(r, w, usize::from(note.height))), note);
}

/// Errors a second by reason.
fn draw_errors(s: &State, f: &mut Frame, r: &RunView, err: Rect, x_max: f64) {
    let w = usize::from(err.width);

    let mut sets = line_sets(s, &r.series.errors, &ERROR_COLORS);
    let e_max = nice_max(r.series.max_errors);
    let err_marks = mark_lines(r, e_max);
    sets.extend(mark_sets(s, &err_marks));
    let reasons: Vec<&str> = r.series.errors.iter().map(|(n, _)| n.as_str()).collect();
    let err_title = if reasons.is_empty() {
        Line::from(Span::raw("errors/s by reason: none"))
    } else {
        keyed_title(s, "errors/s", &reasons, &ERROR_COLORS, w)
    };
    f.render_widget(chart(sets, err_title, x_max, e_max, true, err.height), err);
}

/// p99 a second: its figures, then one bar per column, the run's length across the width.
fn draw_p99(s: &State, f: &mut Frame, r: &RunView, spark: Rect, p99_max: u64) {
    let w = usize::from(spark.width);

    let p99_title = match (r.series.last_p99_ms, r.series.max_p99_ms) {
        (Some(last), Some(max)) => format!("p99 {} (highest {})", ms(last), ms(max)),
        _ => "p99 latency".to_string(),
    };
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            fit_phrases(&p99_title, w),
            fg(s.color, Color::Gray),
        ))),
        Rect { height: 1, ..spark },
    );
    let bars = Rect {
        y: spark.y + 1,
        height: spark.height.saturating_sub(1),
        ..spark
    };
    let data = stretch(&r.series.p99_tenths, r.duration_s, usize::from(bars.width));
    f.render_widget(
        Sparkline::default()
            .data(&data)
            .max(p99_max)
            .style(fg(s.color, Color::Yellow)),
        bars,
    );
}

/// One line per named series, each in its own colour and marker.
fn line_sets<'a>(
    s: &State,
    series: &'a [(String, Vec<(f64, f64)>)],
    colors: &[Color],
) -> Vec<Dataset<'a>> {
    series
        .iter()
        .enumerate()
        .map(|(i, (name, pts))| {
            Dataset::default()
                .name(name.clone())
                .marker(marker(s.color, i))
                .graph_type(GraphType::Line)
                .style(fg(s.color, colors[i % colors.len()]))
                .data(pts)
        })
        .collect()
}

fn marker(color: bool, i: usize) -> Marker {
    if color {
        Marker::Braille
    } else {
        MARKERS[i % MARKERS.len()]
    }
}

/// A vertical line from 0 to `top` at each mark's time.
fn mark_lines(r: &RunView, top: f64) -> Vec<[(f64, f64); 2]> {
    r.marks.iter().map(|m| [(m.t, 0.0), (m.t, top)]).collect()
}

fn mark_sets<'a>(s: &State, lines: &'a [[(f64, f64); 2]]) -> Vec<Dataset<'a>> {
    lines
        .iter()
        .map(|pts| {
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(fg(s.color, Color::DarkGray))
                .data(pts)
        })
        .collect()
}

/// "requests/s: a b c", each name in its line's colour (under NO_COLOR, beside its dots):
/// the charts' legend, in the title row so it never covers a line. Names that do not fit
/// are left out whole.
fn keyed_title(s: &State, what: &str, names: &[&str], colors: &[Color], w: usize) -> Line<'static> {
    let mut spans = vec![Span::raw(format!("{what}:"))];
    let mut used = what.len() + 1;
    for (i, n) in names.iter().enumerate() {
        let text = if s.color {
            format!(" {n}")
        } else {
            format!(" {n}{}", glyph(MARKERS[i % MARKERS.len()]))
        };
        let tw = unicode_width::UnicodeWidthStr::width(text.as_str());
        if used + tw > w {
            break;
        }
        used += tw;
        spans.push(Span::styled(
            text,
            fg(s.color, colors[i % colors.len()]).add_modifier(Modifier::BOLD),
        ));
    }
    Line::from(spans)
}

fn glyph(m: Marker) -> &'static str {
    match m {
        Marker::Dot => "•",
        Marker::Block => "█",
        Marker::Bar => "▄",
        _ => "⠒",
    }
}

fn chart<'a>(
    sets: Vec<Dataset<'a>>,
    title: Line<'static>,
    x_max: f64,
    y_max: f64,
    x_labels: bool,
    height: u16,
) -> Chart<'a> {
    let mut x = Axis::default().bounds([0.0, x_max]);
    if x_labels {
        x = x.labels([
            Line::from("0 s"),
            Line::from(format!("{:.0}", x_max / 2.0)),
            Line::from(format!("{x_max:.0} s")),
        ]);
    }
    // With a single row to plot, the top label would cover the bottom one and a flat zero
    // line would read as the top value ("100"): one label names the whole range instead.
    let rows = height.saturating_sub(2 + u16::from(x_labels));
    let y = Axis::default().bounds([0.0, y_max]);
    let y = if rows < 2 {
        // Both labels land on the one row; the second, drawn last, is what shows.
        y.labels([Line::from(""), Line::from(format!("0–{}", y_max as u64))])
    } else {
        y.labels([Line::from("0"), Line::from(format!("{}", y_max as u64))])
    };
    Chart::new(sets)
        .block(Block::new().title(title))
        .x_axis(x)
        .y_axis(y)
        .legend_position(None::<LegendPosition>)
}

/// A round top for a chart's y axis, at least 1.
fn nice_max(v: f64) -> f64 {
    if v <= 1.0 {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * mag >= v * 1.05 {
            return step * mag;
        }
    }
    10.0 * mag
}

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.1} ms")
    }
}

/// One value a column: the second under that column, for as many columns as have happened.
fn stretch(per_second: &[u64], duration_s: f64, width: usize) -> Vec<u64> {
    let total = duration_s.ceil().max(1.0);
    (0..width)
        .map_while(|c| {
            let i = (c as f64 * total / width as f64) as usize;
            per_second.get(i).copied()
        })
        .collect()
}

/// The marks named, then the verdict (or why the run failed), in `h` lines of `w`.
fn notes(r: &RunView, w: usize, h: usize) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = Vec::new();
    if h == 0 {
        return out;
    }
    if let Some(c) = &r.chat {
        out.push(Line::from(fit_phrases(
            &format!(
                "chat {} up · {} drops · {} reconnects",
                c.connected, c.drops_total, c.reconnects_total
            ),
            w,
        )));
    }
    if !r.marks.is_empty() {
        let named: Vec<String> = r
            .marks
            .iter()
            .map(|m| format!("{:.0} s {}", m.t, m.label))
            .collect();
        let text = format!("▏ {}", named.join(", "));
        let left = h.saturating_sub(out.len());
        let room = if r.outcome.is_some() { 1 } else { left };
        out.extend(
            fit_lines(&text, w, room.min(left))
                .into_iter()
                .map(Line::from),
        );
    }
    if let Some(o) = &r.outcome {
        let left = h.saturating_sub(out.len());
        out.extend(fit_lines(o, w, left).into_iter().map(Line::from));
    }
    out
}

/// `text` wrapped to `w` columns in at most `max` lines; when it does not fit, the last line
/// ends in " …" after a whole word.
pub fn fit_lines(text: &str, w: usize, max: usize) -> Vec<String> {
    if max == 0 || w == 0 {
        return Vec::new();
    }
    let mut lines = wrap(text, w, "", "");
    if lines.len() <= max {
        return lines;
    }
    lines.truncate(max);
    if let Some(last) = lines.last_mut() {
        *last = fit_words(&format!("{last} …"), w);
    }
    lines
}

/// `s` in `w` columns: whole if it fits, else whole words and " …"; nothing when not even
/// one word fits (see [`crate::tui::style::fit_words`]).
pub fn fit_words(s: &str, w: usize) -> String {
    crate::tui::style::fit_words(s, w)
}

/// Phrases joined by " · ": as many whole phrases as fit in `w`.
pub fn fit_phrases(s: &str, w: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let s = &*super::clean(s);
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    for p in s.split(" · ") {
        let next = if out.is_empty() {
            p.to_string()
        } else {
            format!("{out} · {p}")
        };
        if next.width() > w {
            break;
        }
        out = next;
    }
    if out.is_empty() {
        return fit_words(s, w);
    }
    out
}
