//! The load pane's keys, written once: this table drives the keys, the footer and the `?`
//! help while the pane is open.

use std::sync::LazyLock;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::LoadAction;
use crate::tui::action::Action;
use crate::tui::state::State;

pub struct Key {
    pub keys: &'static [KeyCode],
    pub act: fn(KeyCode) -> Action,
    /// The help row: keys as shown, what they do.
    pub help: Option<(&'static str, &'static str)>,
    /// The footer: keys and word, in table order.
    pub footer: Option<(&'static str, &'static str)>,
}

use KeyCode::*;

fn l(a: LoadAction) -> Action {
    Action::Load(a)
}

pub static KEYS: &[Key] = &[
    Key {
        keys: &[Enter],
        act: |_| l(LoadAction::StartStop),
        help: Some(("Enter", "start the run · stop it (the lab is put back)")),
        footer: Some(("Enter", "start/stop")),
    },
    Key {
        keys: &[Right],
        act: |_| l(LoadAction::NextScenario),
        help: Some(("←→ 1-5", "pick the scenario")),
        footer: Some(("←→", "scenario")),
    },
    Key {
        keys: &[Left],
        act: |_| l(LoadAction::PrevScenario),
        help: None,
        footer: None,
    },
    Key {
        keys: &[Char('1'), Char('2'), Char('3'), Char('4'), Char('5')],
        act: |k| match k {
            Char(c) => l(LoadAction::PickScenario(
                (c as usize).saturating_sub('1' as usize),
            )),
            _ => l(LoadAction::PickScenario(0)),
        },
        help: None,
        footer: None,
    },
    Key {
        keys: &[Char('v')],
        act: |_| l(LoadAction::ToggleCompare),
        help: Some((
            "v",
            "side by side: the same scenario in two modes, one after the other",
        )),
        footer: Some(("v", "compare")),
    },
    Key {
        keys: &[Char('m')],
        act: |_| l(LoadAction::CycleMode),
        help: Some((
            "m",
            "the mode to run in (the lab's, local, shared, token); side by side: which two",
        )),
        footer: Some(("m", "mode")),
    },
    Key {
        keys: &[Char('+'), Char('=')],
        act: |_| l(LoadAction::Longer),
        help: Some(("+ -", "a longer / shorter run (5 to 60 s)")),
        footer: Some(("+/-", "length")),
    },
    Key {
        keys: &[Char('-')],
        act: |_| l(LoadAction::Shorter),
        help: None,
        footer: None,
    },
    Key {
        keys: &[Char('w')],
        act: |_| l(LoadAction::ToggleChat),
        help: Some((
            "w",
            "hold 20 WebSocket chat clients open during the run: a restart drops them",
        )),
        footer: Some(("w", "chat")),
    },
    Key {
        keys: &[Esc, Char('L')],
        act: |_| l(LoadAction::Close),
        help: Some(("Esc L", "back to the reader (a run goes on)")),
        footer: Some(("Esc", "back")),
    },
    Key {
        keys: &[Char(':')],
        act: |_| Action::ToggleMessages,
        help: Some((
            ":",
            "every message in full (the top line ends in (:) when one is cut)",
        )),
        footer: None,
    },
    Key {
        keys: &[Char('?')],
        act: |_| Action::ToggleHelp,
        help: Some(("?", "help / close")),
        footer: Some(("?", "help")),
    },
    Key {
        keys: &[Char('q')],
        act: |_| Action::Quit,
        help: Some(("q Ctrl-C", "quit (a run is stopped, the lab put back)")),
        footer: Some(("q", "quit")),
    },
];

/// The pane has every key while it is open: its own, Ctrl-C, and nothing else.
pub fn map(_s: &State, k: &KeyEvent) -> Option<Action> {
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        return (k.code == Char('c')).then_some(Action::Quit);
    }
    KEYS.iter()
        .find(|x| x.keys.contains(&k.code))
        .map(|x| (x.act)(k.code))
}

/// The footer while the pane is open.
pub static FOOTER: LazyLock<Vec<(&'static str, &'static str)>> =
    LazyLock::new(|| KEYS.iter().filter_map(|x| x.footer).collect());

/// The help's section for the pane.
pub static HELP: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    let mut out = vec![("", "Load lab (L)")];
    out.extend(KEYS.iter().filter_map(|x| x.help));
    out.push((
        "",
        "Charts: requests a second per replica, errors a second by reason, p99; ▏ marks a journal event (a mode change, a replica restarted, stopped, started, added or removed)",
    ));
    out
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_footer_key_is_in_the_help_and_no_key_is_bound_twice() {
        for (keys, _) in FOOTER.iter() {
            let first = keys.split(['/', ' ']).next().unwrap_or(keys);
            assert!(
                HELP.iter().any(|(k, _)| k.contains(first)),
                "{keys} in the footer but not in the help"
            );
        }
        for (i, x) in KEYS.iter().enumerate() {
            for k in x.keys {
                assert!(
                    !KEYS[..i].iter().any(|y| y.keys.contains(k)),
                    "{k:?} is bound twice"
                );
            }
        }
    }
}
