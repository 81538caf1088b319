//! `--plot FILE.svg`: requests a second per replica, 401s and failures a second (and chat
//! connections dropped, when the run had chat clients), and p99 latency over the run, with
//! the scenario's events marked. Drawn by plotters (SVG only).

use std::path::Path;

use plotters::prelude::*;

use super::LoadError;
use super::report::Summary;

/// Colours for replicas a, b, c, … (then round again).
const PALETTE: [RGBColor; 9] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(23, 190, 207),
    RGBColor(188, 189, 34),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(255, 187, 120),
];
const UNAUTHORIZED: RGBColor = RGBColor(214, 39, 40);
const FAILED: RGBColor = RGBColor(255, 127, 14);
const EVENT: RGBColor = RGBColor(90, 90, 90);
const CHAT: RGBColor = RGBColor(0, 0, 0);

/// Writes the chart of `s` to `path`.
pub fn write(s: &Summary, path: &Path) -> Result<(), LoadError> {
    draw(s, path).map_err(|reason| LoadError::Plot {
        path: path.to_path_buf(),
        reason,
    })
}

fn draw(s: &Summary, path: &Path) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::new(path, (1000, 640)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (top, bottom) = root.split_vertically(420);

    // Each point is a rate over its second (the last may be shorter), drawn at its middle.
    let mut spans = Vec::new();
    let mut prev = 0.0;
    for sec in &s.seconds {
        let span = (sec.t - prev).max(1e-3);
        spans.push((sec.t - span / 2.0, span));
        prev = sec.t;
    }
    let per_s = |f: &dyn Fn(&super::stats::Second) -> u64| -> Vec<(f64, f64)> {
        s.seconds
            .iter()
            .zip(&spans)
            .map(|(sec, (t, span))| (*t, f(sec) as f64 / span))
            .collect()
    };
    let names: Vec<String> = s.replicas.iter().map(|r| r.name.clone()).collect();
    let series: Vec<(String, Vec<(f64, f64)>)> = names
        .iter()
        .map(|n| {
            (
                n.clone(),
                per_s(&|sec| sec.by_replica.get(n).copied().unwrap_or(0)),
            )
        })
        .collect();
    let unauthorized = per_s(&|sec| sec.unauthorized);
    let failed = per_s(&|sec| sec.failed);
    let x_max = s.duration_s.max(1.0);
    let y_max = series
        .iter()
        .flat_map(|(_, p)| p.iter())
        .chain(&unauthorized)
        .chain(&failed)
        .map(|(_, y)| *y)
        .fold(1.0, f64::max)
        * 1.15;

    let title = format!(
        "{} · {} mode · {} · {} · {} users",
        s.scenario, s.mode, s.policy, s.route, s.users
    );
    let mut chart = ChartBuilder::on(&top)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .y_desc("requests / s")
        .x_labels(12)
        .draw()
        .map_err(|e| err(&e))?;
    for (i, (name, points)) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
            .map_err(|e| err(&e))?
            .label(format!("replica {name}"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
    }
    chart
        .draw_series(LineSeries::new(
            unauthorized.clone(),
            UNAUTHORIZED.stroke_width(2),
        ))
        .map_err(|e| err(&e))?
        .label("401 logged out")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], UNAUTHORIZED.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(failed.clone(), FAILED.stroke_width(2)))
        .map_err(|e| err(&e))?
        .label("other errors")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], FAILED.stroke_width(2)));
    // The stateful contrast, when the run had chat clients: their drops a second, dashed
    // like an event because each is a connection lost, not a request refused.
    if s.chat.is_some() {
        let drops = per_s(&|sec| sec.chat.as_ref().map_or(0, |c| c.drops));
        chart
            .draw_series(DashedLineSeries::new(drops, 8, 4, CHAT.stroke_width(2)))
            .map_err(|e| err(&e))?
            .label("chat connections dropped")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], CHAT.stroke_width(2)));
    }
    for (i, e) in s.events.iter().enumerate() {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(e.t, 0.0), (e.t, y_max)],
                6,
                4,
                EVENT.stroke_width(1),
            ))
            .map_err(|e| err(&e))?;
        // Staggered, so events close together do not print over each other.
        let y = y_max * (0.96 - 0.07 * (i % 3) as f64);
        chart
            .draw_series(std::iter::once(Text::new(
                format!(" {}", e.what),
                (e.t, y),
                ("sans-serif", 13).into_font().color(&EVENT),
            )))
            .map_err(|e| err(&e))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(|e| err(&e))?;

    let p99: Vec<(f64, f64)> = s
        .seconds
        .iter()
        .zip(&spans)
        .filter_map(|(sec, (t, _))| Some((*t, sec.p99_ms?)))
        .collect();
    let p_max = p99.iter().map(|(_, y)| *y).fold(1.0, f64::max) * 1.15;
    let mut lat = ChartBuilder::on(&bottom)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..x_max, 0f64..p_max)
        .map_err(|e| err(&e))?;
    lat.configure_mesh()
        .x_desc("seconds since the traffic started")
        .y_desc("p99 latency (ms)")
        .x_labels(12)
        .draw()
        .map_err(|e| err(&e))?;
    lat.draw_series(LineSeries::new(p99, BLACK.stroke_width(2)))
        .map_err(|e| err(&e))?
        .label("p99 per second")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(2)));
    for e in &s.events {
        lat.draw_series(DashedLineSeries::new(
            vec![(e.t, 0.0), (e.t, p_max)],
            6,
            4,
            EVENT.stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
    }
    lat.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
