//! Styles for each role; without colour only modifiers (bold, italic, underline, reverse) remain.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Theme {
    pub color: bool,
}

/// Callout kinds drawn distinctly from plain block quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Callout {
    Note,
    Warning,
    Tip,
}

impl Callout {
    /// Recognises the `**Note:**` style label that opens a callout.
    pub(crate) fn from_label(label: &str) -> Option<Self> {
        match label
            .trim()
            .trim_end_matches(':')
            .to_ascii_lowercase()
            .as_str()
        {
            "note" => Some(Self::Note),
            "warning" => Some(Self::Warning),
            "tip" => Some(Self::Tip),
            _ => None,
        }
    }
}

impl Theme {
    fn paint(self, color: Color, style: Style) -> Style {
        if self.color { style.fg(color) } else { style }
    }

    pub fn heading(self, level: usize) -> Style {
        match level {
            1 => self.paint(Color::Cyan, Style::new().bold()),
            2 => self.paint(Color::Cyan, Style::new().bold()),
            _ => self.paint(Color::Blue, Style::new().bold()),
        }
    }
    pub fn rule(self) -> Style {
        self.paint(Color::DarkGray, Style::new())
    }
    pub fn inline_code(self) -> Style {
        self.paint(Color::Yellow, Style::new())
    }
    pub fn frame(self) -> Style {
        self.paint(Color::DarkGray, Style::new())
    }
    pub fn label(self) -> Style {
        self.paint(Color::DarkGray, Style::new().italic())
    }
    pub fn quote_bar(self) -> Style {
        self.paint(Color::DarkGray, Style::new())
    }
    pub fn quote_text(self) -> Style {
        Style::new().add_modifier(Modifier::ITALIC)
    }
    pub fn callout_bar(self, kind: Callout) -> Style {
        let color = match kind {
            Callout::Note => Color::Blue,
            Callout::Warning => Color::Yellow,
            Callout::Tip => Color::Green,
        };
        self.paint(color, Style::new().bold())
    }
    pub fn link(self) -> Style {
        self.paint(Color::Blue, Style::new().underlined())
    }
    pub fn link_ref(self) -> Style {
        self.paint(Color::DarkGray, Style::new())
    }
    pub fn table_header(self) -> Style {
        Style::new().bold()
    }
    pub fn request_frame(self) -> Style {
        self.paint(Color::Magenta, Style::new())
    }
    pub fn request_title(self) -> Style {
        self.paint(Color::Magenta, Style::new().bold())
    }
    pub fn diagram(self) -> Style {
        self.paint(Color::Cyan, Style::new())
    }
    pub fn note(self) -> Style {
        self.paint(Color::DarkGray, Style::new().italic())
    }
    // Code highlighting roles.
    pub fn keyword(self) -> Style {
        self.paint(Color::Magenta, Style::new().bold())
    }
    pub fn name(self) -> Style {
        self.paint(Color::Cyan, Style::new())
    }
    pub fn string(self) -> Style {
        self.paint(Color::Green, Style::new())
    }
    pub fn number(self) -> Style {
        self.paint(Color::Yellow, Style::new())
    }
    pub fn comment(self) -> Style {
        self.paint(Color::DarkGray, Style::new().italic())
    }
    pub fn plain(self) -> Style {
        Style::new()
    }
}
