//! Where each pane goes for a terminal size. Pure, so `draw`, `update` (scroll bounds,
//! render width) and mouse hit-testing all agree.

use ratatui::layout::Rect;

use super::state::Pane;

/// At this width and above, outline | reader | lab all show at once.
pub const WIDE: u16 = 100;
/// Below this width the outline is hidden to leave room for the text.
pub const OUTLINE_MIN: u16 = 60;
const OUTLINE_W: u16 = 22;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub top: Rect,
    pub outline: Option<Rect>,
    pub reader: Option<Rect>,
    pub lab: Option<Rect>,
    pub footer: Rect,
}

pub fn areas(width: u16, height: u16, pane: Pane) -> Areas {
    let full = Rect::new(0, 0, width, height);
    let top = Rect {
        height: full.height.min(1),
        ..full
    };
    let footer_h = u16::from(full.height >= 2);
    let footer = Rect::new(0, full.height.saturating_sub(footer_h), width, footer_h);
    let body = Rect::new(
        0,
        top.height,
        width,
        full.height.saturating_sub(top.height + footer_h),
    );
    let mut out = Areas {
        top,
        footer,
        ..Default::default()
    };

    let (outline, rest) = if width >= OUTLINE_MIN {
        split_h(body, OUTLINE_W)
    } else {
        (None, body)
    };
    out.outline = outline;
    if width >= WIDE {
        let lab_w = ((rest.width * 2) / 5).clamp(36, 60);
        let (reader, lab) = split_h(rest, rest.width.saturating_sub(lab_w));
        out.reader = reader;
        out.lab = Some(lab);
    } else {
        match pane {
            Pane::Reader => out.reader = Some(rest),
            Pane::Lab => out.lab = Some(rest),
        }
    }
    out
}

fn split_h(r: Rect, left: u16) -> (Option<Rect>, Rect) {
    let left = left.min(r.width);
    (
        Some(Rect { width: left, ..r }),
        Rect {
            x: r.x + left,
            width: r.width - left,
            ..r
        },
    )
}

/// The inside of a bordered block.
pub fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_add(1).min(r.right()),
        y: r.y.saturating_add(1).min(r.bottom()),
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

/// Text area of the reader: the inside of its border. (0, 0) when hidden.
pub fn reader_text(width: u16, height: u16, pane: Pane) -> Rect {
    let a = areas(width, height, pane);
    // When the lab has the screen on a narrow terminal, keep rendering for the width the
    // reader would have, so coming back is instant and the scroll position still means the same.
    let r = a.reader.unwrap_or_else(|| {
        areas(width, height, Pane::Reader)
            .reader
            .unwrap_or_default()
    });
    inner(r)
}

/// Lab panel parts: status lines, replica boxes, journal.
#[derive(Debug, Clone, Copy, Default)]
pub struct LabAreas {
    pub info: Rect,
    pub replicas: Rect,
    pub journal: Rect,
    /// Too short for boxes: one line per replica instead.
    pub compact: bool,
}

pub const INFO_H: u16 = 3;
pub const BOX_H: u16 = 5;
pub const BOX_MIN_W: u16 = 11;
pub const BOX_MAX_W: u16 = 16;

/// Columns of replica boxes per row and box width for `n` replicas in `width`.
pub fn replica_grid(n: usize, width: u16) -> (usize, u16) {
    let n = n.max(1);
    let per_row = usize::from((width / BOX_MIN_W).max(1)).min(n);
    let w = (width / per_row as u16).clamp(1, BOX_MAX_W);
    (per_row, w)
}

pub fn lab_areas(lab: Rect, replicas: usize) -> LabAreas {
    let inner = inner(lab);
    let info_h = INFO_H.min(inner.height);
    let (per_row, _) = replica_grid(replicas, inner.width);
    let rows = replicas.div_ceil(per_row).max(1) as u16;
    // Boxes if they fit and leave the journal a few lines; else one line per replica.
    let room = inner.height.saturating_sub(info_h + 3);
    let compact = rows * BOX_H > room;
    let boxes_h = if compact {
        (replicas as u16).min(inner.height.saturating_sub(info_h + 2))
    } else {
        rows * BOX_H
    };
    let info = Rect {
        height: info_h,
        ..inner
    };
    let replicas = Rect {
        y: inner.y + info_h,
        height: boxes_h,
        ..inner
    };
    let journal = Rect {
        y: replicas.y + boxes_h,
        height: inner.height.saturating_sub(info_h + boxes_h),
        ..inner
    };
    LabAreas {
        info,
        replicas,
        journal,
        compact,
    }
}
