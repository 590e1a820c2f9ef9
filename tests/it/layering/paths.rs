//! The module paths Rust source names in code: every `crate::`, `$crate::` and `super::` path,
//! each leaf of a `use` tree apart, resolved from the crate root. Comments, doc comments and the
//! contents of string and character literals are skipped, so they may name anything.

/// A path named in code, resolved from the crate root.
pub(super) struct Named {
    pub(super) line: usize,
    /// `["emit", "sentry", "problems"]` for `crate::emit::sentry::problems`.
    pub(super) path: Vec<String>,
    /// Whether it is named inside a `#[cfg(test)]` module.
    pub(super) in_test: bool,
}

/// Every path that the code of `text`, the file of `module`, names through `crate::`,
/// `$crate::` or `super::`. `super::` climbs from the module the path is in, inline modules
/// (`mod tests { … }`) included.
pub(super) fn named_paths(module: &[String], text: &str) -> Vec<Named> {
    let tokens = tokens(&code_only(text));
    let ident =
        |i: usize, name: &str| matches!(tokens.get(i), Some((Token::Ident(n), _)) if n == name);
    let punct = |i: usize, c: char| tokens.get(i).is_some_and(|(t, _)| *t == Token::Punct(c));
    let sep = |i: usize| tokens.get(i).is_some_and(|(t, _)| *t == Token::PathSep);
    let mut out = Vec::new();
    // The inline modules around the current token: (name, brace depth of its body, test-only).
    let mut inline: Vec<(String, usize, bool)> = Vec::new();
    let mut depth = 0;
    let mut cfg_test = false;
    let mut i = 0;
    while i < tokens.len() {
        let (token, line) = &tokens[i];
        let starts_path = i == 0 || !sep(i - 1);
        let in_test = inline.iter().any(|m| m.2);
        let base = match token {
            Token::Punct('#')
                if punct(i + 1, '[')
                    && ident(i + 2, "cfg")
                    && punct(i + 3, '(')
                    && ident(i + 4, "test")
                    && punct(i + 5, ')') =>
            {
                cfg_test = true;
                None
            }
            Token::Ident(word) if word == "mod" && punct(i + 2, '{') => {
                if let Some((Token::Ident(name), _)) = tokens.get(i + 1) {
                    depth += 1;
                    inline.push((name.clone(), depth, cfg_test || in_test));
                    cfg_test = false;
                    i += 2;
                }
                None
            }
            Token::Punct('{') => {
                depth += 1;
                cfg_test = false;
                None
            }
            Token::Punct(';') => {
                cfg_test = false;
                None
            }
            Token::Punct('}') => {
                if inline.last().is_some_and(|m| m.1 == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                None
            }
            Token::Ident(word)
                if (word == "crate" || word == "$crate") && sep(i + 1) && starts_path =>
            {
                i += 2;
                Some(Vec::new())
            }
            Token::Ident(word) if word == "super" && sep(i + 1) && starts_path => {
                let mut base: Vec<String> = module
                    .iter()
                    .cloned()
                    .chain(inline.iter().map(|m| m.0.clone()))
                    .collect();
                while ident(i, "super") && sep(i + 1) {
                    base.pop();
                    i += 2;
                }
                Some(base)
            }
            _ => None,
        };
        let Some(base) = base else {
            i += 1;
            continue;
        };
        for leaf in use_tree(&tokens, &mut i) {
            let path = base
                .iter()
                .cloned()
                .chain(leaf)
                .filter(|s| s != "self")
                .collect();
            out.push(Named {
                line: *line,
                path,
                in_test,
            });
        }
    }
    out
}

/// The names of the `#[macro_export]` macros that `text` defines.
pub(super) fn exported_macros(text: &str) -> Vec<String> {
    let tokens = tokens(&code_only(text));
    let mut names = Vec::new();
    for (i, (token, _)) in tokens.iter().enumerate() {
        if *token == Token::Ident("macro_export".to_owned())
            && let Some(at) = tokens[i..]
                .iter()
                .position(|(t, _)| *t == Token::Ident("macro_rules".to_owned()))
            && let Some((Token::Ident(name), _)) = tokens.get(i + at + 2)
        {
            names.push(name.clone());
        }
    }
    names
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

/// The source with comments and the contents of string and character literals blanked out.
/// Line breaks stay, so lines keep their numbers.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let after_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        // `r"…"`, `r#"…"#`, `br"…"`: where the hashes start.
        let raw = match (c, at(i + 1)) {
            ('r', '"' | '#') if !after_ident => Some(i + 1),
            ('b', 'r') if !after_ident => Some(i + 2),
            _ => None,
        };
        let raw_hashes = raw.and_then(|start| {
            let hashes = (start..chars.len())
                .take_while(|&j| chars[j] == '#')
                .count();
            (at(start + hashes) == '"').then_some((start + hashes + 1, hashes))
        });
        let end = if c == '/' && at(i + 1) == '/' {
            (i..chars.len())
                .find(|&j| chars[j] == '\n')
                .unwrap_or(chars.len())
        } else if c == '/' && at(i + 1) == '*' {
            let mut nesting = 0;
            let mut j = i;
            while j < chars.len() {
                if chars[j] == '/' && at(j + 1) == '*' {
                    nesting += 1;
                    j += 2;
                } else if chars[j] == '*' && at(j + 1) == '/' {
                    nesting -= 1;
                    j += 2;
                    if nesting == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            j
        } else if let Some((body, hashes)) = raw_hashes {
            let mut j = body;
            while j < chars.len() && !(chars[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#')) {
                j += 1;
            }
            j + 1 + hashes
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            j + 1
        } else if c == '\'' && at(i + 1) == '\\' {
            (i + 3..chars.len())
                .find(|&j| chars[j] == '\'')
                .map_or(chars.len(), |j| j + 1)
        } else if c == '\'' && at(i + 2) == '\'' {
            i + 3
        } else {
            // Code, or a lifetime such as `'a`.
            out.push(c);
            i += 1;
            continue;
        };
        let end = end.min(chars.len());
        out.extend(
            chars[i..end]
                .iter()
                .map(|&c| if c == '\n' { '\n' } else { ' ' }),
        );
        i = end;
    }
    out
}

/// Identifiers (`$crate` among them), `::` and single punctuation, with their lines.
fn tokens(code: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = code.chars().collect();
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push((Token::PathSep, line));
            i += 2;
        } else if is_ident(c) || (c == '$' && chars.get(i + 1).is_some_and(|&n| is_ident(n))) {
            let end = (i + 1..chars.len())
                .find(|&j| !is_ident(chars[j]))
                .unwrap_or(chars.len());
            out.push((Token::Ident(chars[i..end].iter().collect()), line));
            i = end;
        } else {
            out.push((Token::Punct(c), line));
            i += 1;
        }
    }
    out
}

/// The leaves of the path or `use` tree at `*i`, which ends past it: `a::{b, c::*}` gives `a::b`
/// and `a::c::*`. A path in an expression stops before what follows it (`(`, `<`, `!`).
fn use_tree(tokens: &[(Token, usize)], i: &mut usize) -> Vec<Vec<String>> {
    match tokens.get(*i) {
        Some((Token::Punct('{'), _)) => {
            *i += 1;
            let mut leaves = Vec::new();
            while let Some((token, _)) = tokens.get(*i) {
                match token {
                    Token::Punct('}') => {
                        *i += 1;
                        break;
                    }
                    Token::Punct(',') => *i += 1,
                    _ => {
                        let before = *i;
                        leaves.extend(use_tree(tokens, i));
                        *i = (*i).max(before + 1);
                    }
                }
            }
            leaves
        }
        Some((Token::Punct('*'), _)) => {
            *i += 1;
            vec![vec!["*".to_owned()]]
        }
        Some((Token::Ident(name), _)) => {
            *i += 1;
            let continues = matches!(tokens.get(*i), Some((Token::PathSep, _)))
                && matches!(
                    tokens.get(*i + 1),
                    Some((Token::Ident(_) | Token::Punct('{' | '*'), _))
                );
            if continues {
                *i += 1;
                let mut leaves = use_tree(tokens, i);
                for leaf in &mut leaves {
                    leaf.insert(0, name.clone());
                }
                leaves
            } else {
                if matches!(tokens.get(*i), Some((Token::Ident(word), _)) if word == "as") {
                    *i += 2;
                }
                vec![vec![name.clone()]]
            }
        }
        _ => vec![Vec::new()],
    }
}
