//! Colour for the terminal, and nothing when the output is not one.

/// How a piece of text should look.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tone {
    /// Unstyled.
    Plain,
    /// A bug found or a fix verified: the outcome the gallery wants.
    Good,
    /// A miss or a failed verification.
    Bad,
    /// Pending, absent, or secondary text.
    Muted,
    /// Headings.
    Strong,
}

/// Paints text when colour is on.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    color: bool,
}

impl Style {
    /// A painter; `color` false makes every method the identity.
    pub fn new(color: bool) -> Style {
        Style { color }
    }

    /// `text` in `tone`.
    pub fn paint(self, text: &str, tone: Tone) -> String {
        let code = match tone {
            _ if !self.color => return text.to_string(),
            Tone::Plain => return text.to_string(),
            Tone::Good => "32",
            Tone::Bad => "1;31",
            Tone::Muted => "2",
            Tone::Strong => "1",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    /// `text` padded to `width` columns, then painted, so colour codes do not shift columns.
    pub fn cell(self, text: &str, width: usize, tone: Tone) -> String {
        let padded = format!("{text:<width$}");
        self.paint(&padded, tone)
    }
}
