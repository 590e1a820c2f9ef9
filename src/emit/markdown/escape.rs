//! Text made safe for Markdown: table cells, one-line text and fences. Inline code spans are
//! [`crate::wording::code`], shared with the words of `wording` and with `slofile diff`.

use crate::wording::longest_backtick_run;

/// Text made safe for one Markdown table cell: no line breaks, `|` escaped.
pub fn cell(text: &str) -> String {
    if is_one_plain_line(text) && !text.contains('|') {
        return text.to_owned();
    }
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    paragraphs.join("<br><br>").replace('|', "\\|")
}

/// Text on one line, for headings, list items and shell comments.
pub fn inline(text: &str) -> String {
    if is_one_plain_line(text) {
        return text.to_owned();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `text` is already one line of words separated by single spaces, which is what `cell`
/// and `inline` make of text, and by far the most common case.
fn is_one_plain_line(text: &str) -> bool {
    !text.starts_with(' ')
        && !text.ends_with(' ')
        && !text.contains("  ")
        && !text.chars().any(|c| c.is_whitespace() && c != ' ')
}

/// A code fence longer than any backtick run in `text`.
pub fn fence(text: &str) -> String {
    "`".repeat((longest_backtick_run(text) + 1).max(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn plain_lines_pass_through_cell_and_inline_unchanged(text in "[ a-z|\t\n\u{a0}]{0,12}") {
            let cell_slow = {
                let paragraphs: Vec<String> = text
                    .split("\n\n")
                    .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|p| !p.is_empty())
                    .collect();
                paragraphs.join("<br><br>").replace('|', "\\|")
            };
            proptest::prop_assert_eq!(cell(&text), cell_slow);
            proptest::prop_assert_eq!(
                inline(&text),
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
    }

    #[test]
    fn cells_never_break_a_table_row() {
        assert_eq!(cell("a | b"), "a \\| b");
        assert_eq!(cell("one\ntwo\n\nthree"), "one two<br><br>three");
        assert_eq!(cell("  padded  "), "padded");
    }

    #[test]
    fn fences_survive_backticks() {
        assert_eq!(fence("plain"), "```");
        assert_eq!(fence("has ``` inside"), "````");
    }
}
