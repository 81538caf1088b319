//! The editing keys people expect from a shell prompt, in every text field of the app. The
//! text-area crate already does Ctrl-A/E, Ctrl-K, Ctrl-W and Alt-B/F as readline does; it
//! reads Ctrl-U as undo, which in a prompt clears to the start of the line, and has no key
//! that empties a whole field.

use ratatui_textarea::{Input, Key, TextArea};

/// Feeds one key to a field, readline-style. Returns whether the text changed.
pub fn input(field: &mut TextArea<'_>, key: Input) -> bool {
    match key {
        // Ctrl-U: delete from the cursor back to the start of the line.
        Input {
            key: Key::Char('u'),
            ctrl: true,
            alt: false,
            ..
        } => field.delete_line_by_head(),
        // Ctrl-L: empty the whole field (a fresh start without 300 Backspaces).
        Input {
            key: Key::Char('l'),
            ctrl: true,
            alt: false,
            ..
        } => {
            let had_text = !field.is_empty();
            field.select_all();
            field.cut();
            had_text
        }
        other => field.input(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctrl(c: char) -> Input {
        Input {
            key: Key::Char(c),
            ctrl: true,
            alt: false,
            shift: false,
        }
    }

    #[test]
    fn ctrl_u_clears_to_line_start_and_ctrl_l_empties_the_field() {
        let mut t = TextArea::from(["first line", "POST /login alice"]);
        t.move_cursor(ratatui_textarea::CursorMove::Bottom);
        t.move_cursor(ratatui_textarea::CursorMove::End);
        assert!(input(&mut t, ctrl('u')));
        assert_eq!(t.lines(), ["first line", ""]);
        assert!(input(&mut t, ctrl('l')));
        assert!(t.is_empty(), "{:?}", t.lines());
        assert!(!input(&mut t, ctrl('l')), "nothing left to clear");
    }
}
