//! The reader's and the lab pane's keys, written once. This one table drives key handling
//! (`event`), the footer and the `?` help, so the three cannot disagree. Other screens with
//! actions of their own (the class view, `tui::class`) write their table with the same
//! [`Binding`] and read it with [`action_in`], [`footer_in`] and [`help_in`].

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::state::{Pane, State};
use crate::client::ReplicaAction;

/// Where a footer is shown; each binding says whether, where in the row, how long it stays
/// when the row is short, and with which word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    /// The reader at 100 columns or more.
    ReaderWide,
    ReaderNarrow,
    Lab,
    /// The lab pane with the journal scrolled back from live.
    LabBack,
    /// The class view's list of learners.
    ClassList,
    /// The class view on one learner.
    ClassDetail,
}

/// The two sections of the help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Reading,
    Lab,
    /// The class view's keys.
    Class,
}

/// One row of a key table: keys, what they do, and where the footer and help show them.
pub struct Binding<A: 'static = Action> {
    pub keys: &'static [KeyCode],
    pub ctrl: bool,
    /// Only while the lab pane has the keys (it shadows a reader binding of the same key).
    pub lab_only: bool,
    pub act: fn(KeyCode) -> A,
    /// `?`: the keys as shown and what they do; `None` when an earlier row already says it.
    pub help: Option<(&'static str, &'static str)>,
    pub section: Section,
    /// The footer: where (context, position), how long it stays, and the keys and word it
    /// shows there (see [`Foot`]).
    pub footer: &'static [Foot],
}

/// One key in one footer: `(context, position, keep, keys, word)`. `position` orders the row;
/// `keep` says what goes when the row is too narrow for every key: the highest first, then
/// the next, while `0` (`?`, and Esc where it leads back) always stays. Keys are never cut.
pub type Foot = (Ctx, u8, u8, &'static str, &'static str);

/// A footer entry as drawn: keys, word, keep (see [`Foot`]).
pub type FooterKey = (&'static str, &'static str, u8);

use KeyCode::*;
use Section::{Lab as L, Reading as R};

/// A row of a key table (see [`Binding`]).
pub const fn bind<A>(
    keys: &'static [KeyCode],
    act: fn(KeyCode) -> A,
    section: Section,
    help: Option<(&'static str, &'static str)>,
    footer: &'static [Foot],
) -> Binding<A> {
    Binding {
        keys,
        ctrl: false,
        lab_only: false,
        act,
        help,
        section,
        footer,
    }
}

const fn b(
    keys: &'static [KeyCode],
    act: fn(KeyCode) -> Action,
    section: Section,
    help: Option<(&'static str, &'static str)>,
    footer: &'static [Foot],
) -> Binding {
    bind(keys, act, section, help, footer)
}

const fn lab_pane(mut x: Binding) -> Binding {
    x.lab_only = true;
    x
}

/// The same row, with Ctrl held.
pub const fn ctrl<A>(mut x: Binding<A>) -> Binding<A> {
    x.ctrl = true;
    x
}

use Ctx::{Lab as CL, LabBack as CB, ReaderNarrow as CN, ReaderWide as CW};

/// In the order keys are tried: lab-pane rows come before the reader rows they shadow.
pub static READER: &[Binding] = &[
    // The lab pane's own reading of the movement keys.
    lab_pane(b(
        &[Char('j'), Down],
        |_| Action::ScrollJournal(-1),
        L,
        Some(("j k ↓ ↑", "scroll the journal (lab pane)")),
        &[(CB, 2, 2, "j/k", "scroll")],
    )),
    lab_pane(b(
        &[Char('k'), Up],
        |_| Action::ScrollJournal(1),
        L,
        None,
        &[],
    )),
    // g/G move the journal, never the hidden reader (which would mark a lesson read).
    lab_pane(b(
        &[Char('G'), End],
        |_| Action::ScrollJournal(i64::MIN / 2),
        L,
        None,
        &[],
    )),
    lab_pane(b(
        &[Char('g'), Home],
        |_| Action::ScrollJournal(i64::MAX / 2),
        L,
        Some(("g", "oldest journal entries (lab pane)")),
        &[],
    )),
    lab_pane(b(
        &[Right],
        |_| Action::NextReplica,
        L,
        None,
        &[(CL, 1, 2, "←→", "replica"), (CB, 3, 4, "←→", "replica")],
    )),
    lab_pane(b(&[Left], |_| Action::PrevReplica, L, None, &[])),
    // Reading.
    b(
        &[Char('j'), Down],
        |_| Action::Scroll(1),
        R,
        Some(("j k ↓ ↑", "scroll a line (wheel: 3)")),
        // Scrolling is what a reader does most: it goes last, after `?`.
        &[(CW, 0, 1, "j/k", "scroll"), (CN, 0, 1, "j/k", "scroll")],
    ),
    b(&[Char('k'), Up], |_| Action::Scroll(-1), R, None, &[]),
    b(
        &[PageDown, Char(' ')],
        |_| Action::PageDown,
        R,
        Some(("space PgDn PgUp b", "scroll a page")),
        &[],
    ),
    b(&[PageUp, Char('b')], |_| Action::PageUp, R, None, &[]),
    ctrl(b(
        &[Char('d')],
        |_| Action::PageDown,
        R,
        Some(("Ctrl-D Ctrl-U", "a page down / up")),
        &[],
    )),
    ctrl(b(&[Char('u')], |_| Action::PageUp, R, None, &[])),
    b(
        &[Char('g'), Home],
        |_| Action::Top,
        R,
        Some(("g G", "top / bottom")),
        &[],
    ),
    b(&[Char('G'), End], |_| Action::Bottom, R, None, &[]),
    b(
        &[Char('n')],
        |_| Action::NextLesson,
        R,
        Some(("n p", "next / previous lesson (or click one)")),
        &[(CW, 1, 2, "n/p", "lesson"), (CN, 1, 2, "n/p", "lesson")],
    ),
    b(&[Char('p')], |_| Action::PrevLesson, R, None, &[]),
    b(
        &[Tab, Char(']')],
        |_| Action::NextRequest,
        R,
        Some(("Tab ] Shift-Tab [", "next / previous request block")),
        &[(CW, 2, 3, "Tab", "request"), (CN, 2, 3, "Tab", "request")],
    ),
    b(&[BackTab, Char('[')], |_| Action::PrevRequest, R, None, &[]),
    b(
        &[Enter],
        |_| Action::SendRequest,
        R,
        Some(("Enter S", "open it in the console · send it now")),
        &[],
    ),
    b(
        &[Char('P')],
        |_| Action::Predict,
        R,
        Some(("P", "predict: answer the next prediction")),
        &[(CW, 3, 5, "P", "predict"), (CN, 3, 5, "P", "predict")],
    ),
    b(
        &[Char(':')],
        |_| Action::ToggleMessages,
        R,
        Some((":", "messages: every status message, in full")),
        &[],
    ),
    // The lab, from either pane.
    b(
        &[Char('l')],
        |_| Action::ToggleLab,
        L,
        Some((
            "l",
            "switch keys (and narrow screens) between reader and lab",
        )),
        &[
            (CW, 4, 4, "l", "lab keys"),
            (CN, 4, 4, "l", "lab"),
            (CL, 0, 1, "l", "reader"),
            (CB, 1, 3, "l", "reader"),
        ],
    ),
    b(
        &[Char('m')],
        |_| Action::CycleMode,
        L,
        Some(("m", "mode: local → shared → token")),
        &[
            (CW, 4, 7, "m", "mode"),
            (CN, 5, 7, "m", "mode"),
            (CL, 3, 4, "m", "mode"),
        ],
    ),
    b(
        &[Char('s')],
        |_| Action::TogglePolicy,
        L,
        Some(("s", "policy: round-robin ⇄ sticky")),
        &[(CW, 5, 11, "s", "policy"), (CL, 4, 5, "s", "policy")],
    ),
    b(
        &[
            Char('1'),
            Char('2'),
            Char('3'),
            Char('4'),
            Char('5'),
            Char('6'),
            Char('7'),
            Char('8'),
            Char('9'),
        ],
        |k| match k {
            Char(c) => Action::SelectReplica((c as usize).saturating_sub('1' as usize)),
            _ => Action::SelectReplica(0),
        },
        L,
        Some(("1-9 ←→", "select a replica (←→ in the lab pane)")),
        &[(CW, 6, 10, "1-9", "replica")],
    ),
    b(
        &[Char('r')],
        |_| Action::Replica(ReplicaAction::Restart),
        L,
        Some(("r x u", "restart / stop / start it")),
        &[
            (CW, 7, 8, "r/x/u", "restart/stop/start"),
            (CN, 6, 9, "r", "restart"),
            (CL, 2, 3, "r/x/u", "restart/stop/start"),
            (CB, 4, 5, "r/x/u", "restart/stop/start"),
        ],
    ),
    b(
        &[Char('x')],
        |_| Action::Replica(ReplicaAction::Stop),
        L,
        None,
        &[],
    ),
    b(
        &[Char('u')],
        |_| Action::Replica(ReplicaAction::Start),
        L,
        None,
        &[],
    ),
    b(
        &[Char('d')],
        |_| Action::ToggleDenylist,
        L,
        Some(("d", "denylist on / off")),
        &[(CW, 8, 13, "d", "deny"), (CL, 5, 6, "d", "deny")],
    ),
    b(
        &[Char('a')],
        |_| Action::ToggleAttacker,
        L,
        Some(("a", "attacker on alice: start / stop")),
        &[(CW, 9, 12, "a", "attack"), (CL, 6, 7, "a", "attack")],
    ),
    b(
        &[Char('R')],
        |_| Action::Revoke,
        L,
        Some(("R", "revoke alice's credentials")),
        &[(CL, 7, 8, "R", "revoke")],
    ),
    b(
        &[Char('F')],
        |_| Action::ScrollJournal(i64::MIN / 2),
        L,
        Some(("F G", "follow the journal live again")),
        &[(CB, 0, 1, "F", "live")],
    ),
    b(
        &[Char('L')],
        |_| Action::Load(crate::tui::load::LoadAction::Open),
        L,
        Some((
            "L",
            "load lab: run a scenario under traffic, watch it as live charts",
        )),
        &[
            (CW, 10, 9, "L", "load"),
            (CN, 6, 8, "L", "load"),
            (CL, 8, 9, "L", "load"),
            (CB, 5, 6, "L", "load"),
        ],
    ),
    // Everywhere.
    b(
        &[Char('?')],
        |_| Action::ToggleHelp,
        L,
        Some(("? Esc", "help / close")),
        &[
            (CW, 20, 0, "?", "help"),
            (CN, 20, 0, "?", "help"),
            (CL, 20, 0, "?", "help"),
            (CB, 20, 0, "?", "help"),
        ],
    ),
    b(&[Esc], |_| Action::CloseOverlay, L, None, &[]),
    b(
        &[Char('q')],
        |_| Action::Quit,
        L,
        Some(("q Ctrl-C", "quit")),
        &[
            (CW, 21, 6, "q", "quit"),
            (CN, 21, 6, "q", "quit"),
            (CL, 21, 10, "q", "quit"),
            (CB, 21, 7, "q", "quit"),
        ],
    ),
    ctrl(b(&[Char('c')], |_| Action::Quit, L, None, &[])),
];

/// Reader keys that open another screen (their own modules handle them), for the help.
const READING_ELSEWHERE: &[(&str, &str)] = &[
    ("c t", "request console · token inspector"),
    (
        "o",
        "work on the next unfinished problem (in it, n/p move between problems; or click one)",
    ),
];

/// Rows of the help that are not keys.
const HELP_NOTES: &[(&str, &str)] = &[("", "Outline: · unread ✓ read; problems: service, answer")];

/// The reader's (or the lab pane's) action for a key.
pub fn action(s: &State, k: &KeyEvent) -> Option<Action> {
    action_in(READER, k, s.pane == Pane::Lab)
}

/// The action `table` binds to a key; rows marked `lab_only` count only when `lab` is true.
pub fn action_in<A>(table: &[Binding<A>], k: &KeyEvent, lab: bool) -> Option<A> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    table
        .iter()
        .filter(|x| x.ctrl == ctrl && (lab || !x.lab_only))
        .find(|x| x.keys.contains(&k.code))
        .map(|x| (x.act)(k.code))
}

/// The footer's keys for the reader or the lab pane, in the order they are shown.
pub fn footer(ctx: Ctx) -> Vec<FooterKey> {
    footer_in(READER, ctx)
}

/// The footer's keys of `table` in the context `ctx`, in the order they are shown, each with
/// how long it stays when the row is short.
pub fn footer_in<A>(table: &[Binding<A>], ctx: Ctx) -> Vec<FooterKey> {
    let mut row: Vec<(u8, FooterKey)> = table
        .iter()
        .flat_map(|x| x.footer.iter())
        .filter(|(c, ..)| *c == ctx)
        .map(|&(_, rank, keep, keys, word)| (rank, (keys, word, keep)))
        .collect();
    row.sort_by_key(|(rank, _)| *rank);
    row.into_iter().map(|(_, k)| k).collect()
}

/// The help's rows: a section title, then each binding that says something.
pub fn help() -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    for (section, title) in [(Section::Reading, "Reading"), (Section::Lab, "Lab")] {
        out.extend(help_in(READER, &[(section, title)]));
        if section == Section::Reading {
            out.extend_from_slice(READING_ELSEWHERE);
        }
    }
    out.extend_from_slice(HELP_NOTES);
    out
}

/// The help's rows of `table`: each section's title, then each of its bindings that says
/// something.
pub fn help_in<A>(
    table: &[Binding<A>],
    sections: &[(Section, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    for &(section, title) in sections {
        out.push(("", title));
        out.extend(
            table
                .iter()
                .filter(|x| x.section == section)
                .filter_map(|x| x.help),
        );
    }
    out
}

/// [`help`], built once.
pub static HELP: std::sync::LazyLock<Vec<(&'static str, &'static str)>> =
    std::sync::LazyLock::new(help);

#[cfg(test)]
mod tests {
    use super::*;

    // Every key the table binds is reachable: no row is hidden behind an earlier one with
    // the same key, except the lab pane's rows, which shadow the reader's on purpose.
    #[test]
    fn no_binding_is_shadowed_by_accident() {
        for (i, x) in READER.iter().enumerate() {
            for k in x.keys {
                let earlier = READER[..i]
                    .iter()
                    .find(|y| y.ctrl == x.ctrl && y.keys.contains(k) && y.lab_only == x.lab_only);
                assert!(earlier.is_none(), "{k:?} is bound twice in the same place");
            }
        }
    }

    #[test]
    fn every_footer_key_is_listed_in_the_help() {
        let help = help();
        for ctx in [Ctx::ReaderWide, Ctx::ReaderNarrow, Ctx::Lab, Ctx::LabBack] {
            for (keys, ..) in footer(ctx) {
                let first = keys.split(['/', ' ']).next().unwrap_or(keys);
                assert!(
                    help.iter().any(|(k, _)| k.contains(first)),
                    "{keys} in the {ctx:?} footer but not in the help"
                );
            }
        }
    }
}
