//! Block-style YAML for the files we generate (Prometheus rules, promtool tests, Grafana
//! provisioning), and their `#` comment lines.
//!
//! A general YAML serialiser weighs every scalar against every YAML rule and builds its output
//! in layers; for tens of megabytes of rules that was a fifth of `build`. The generated files
//! only need block mappings, block sequences, literal blocks for multi-line PromQL, and scalars
//! that read back exactly, so this writer streams those straight into one `String`. A scalar is
//! written plain only when it provably reads back as the same string; anything else is
//! double-quoted with YAML escapes, so text from a spec stays data.

use serde::ser::{self, Impossible, Serialize};
use std::fmt::{self, Write as _};

/// The newtype name that asks for a literal block (`|-`); see [`Literal`].
const LITERAL: &str = "$slofile::yaml::literal";

/// Text written as a literal block when it spans lines, so a multi-line PromQL expression reads
/// as written. Text a literal block cannot carry exactly is double-quoted instead.
pub(crate) struct Literal<'a>(pub &'a str);

impl Serialize for Literal<'_> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(LITERAL, self.0)
    }
}

/// Serialises `value` as a YAML document in block style.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut out = String::with_capacity(1 << 14);
    value.serialize(Node {
        out: &mut out,
        at: At::Top,
    })?;
    Ok(out)
}

/// A generated YAML file's text: `value` in block style. Block scalars are chosen explicitly
/// (see [`Literal`]); everything else is a plain or quoted scalar, so label values with quotes,
/// newlines or `#` stay data.
pub(crate) fn to_yaml<T: Serialize>(value: &T) -> String {
    to_string(value).unwrap_or_else(|error| format!("# cannot serialise: {error}\n"))
}

/// `# ` comment lines; control characters in the text cannot end the comment early.
pub(crate) fn comment(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("# {clean}\n")
}

/// Why a value could not be written: only shapes the generated files never use.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error(message.to_string())
    }
}

fn unsupported(what: &str) -> Error {
    Error(format!("{what} cannot be written as generated YAML"))
}

/// Where the next node goes.
#[derive(Clone, Copy)]
enum At {
    /// The start of the document.
    Top,
    /// After `key:`, the key at this indentation.
    Key(usize),
    /// After `- `; a mapping here continues at this indentation.
    Dash(usize),
}

impl At {
    /// What separates the node from what precedes it on its line.
    fn lead(self) -> &'static str {
        match self {
            At::Key(_) => " ",
            At::Top | At::Dash(_) => "",
        }
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A serializer for one node.
struct Node<'a> {
    out: &'a mut String,
    at: At,
}

impl Node<'_> {
    fn scalar(self, text: &str) {
        self.out.push_str(self.at.lead());
        write_scalar(self.out, text);
        self.out.push('\n');
    }

    /// A token that needs no quoting: numbers, booleans, `null`.
    fn token(self, token: fmt::Arguments) -> Result<(), Error> {
        self.out.push_str(self.at.lead());
        self.out
            .write_fmt(token)
            .map_err(|_| Error("cannot format a number".to_owned()))?;
        self.out.push('\n');
        Ok(())
    }

    fn literal(self, text: &str) {
        if !literal_keeps(text) {
            self.scalar(text);
            return;
        }
        let indent = match self.at {
            At::Top => 2,
            At::Key(indent) => indent + 2,
            At::Dash(indent) => indent,
        };
        self.out.push_str(self.at.lead());
        self.out.push_str("|-\n");
        for line in text.split('\n') {
            if !line.is_empty() {
                pad(self.out, indent);
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
    }
}

/// Whether a `|-` block reads back as exactly `text`: several lines, none of which the block's
/// indentation or chomping would change, and no character a block cannot hold.
fn literal_keeps(text: &str) -> bool {
    text.contains('\n')
        && !text.ends_with('\n')
        && !text.starts_with([' ', '\t', '\n'])
        && text
            .split('\n')
            .all(|line| line.is_empty() || !line.trim_start_matches(' ').is_empty())
        && text.chars().all(|c| match c {
            '\n' | '\t' => true,
            c => matches!(c as u32, 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..),
        })
}

/// Writes `text` plain when it provably reads back as the same string, else double-quoted.
fn write_scalar(out: &mut String, text: &str) {
    if reads_back_plain(text) {
        out.push_str(text);
    } else {
        write_quoted(out, text);
    }
}

/// Whether `text`, written plain as a value, is read back by a YAML 1.1 or 1.2 parser as exactly
/// this string. Conservative: text it cannot prove safe is quoted.
fn reads_back_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    // Indicators, quotes, signs and dots may start something else than a string.
    if !(first.is_ascii_alphanumeric() || matches!(first, b'/' | b'('))
        || last == b' '
        || last == b':'
    {
        return false;
    }
    if !plain_characters(text) {
        return false;
    }
    if first.is_ascii_digit() {
        is_not_number(text)
    } else {
        // YAML 1.1 booleans and the special floats without their dot.
        text.len() > 5
            || ![
                "null", "true", "false", "yes", "no", "y", "n", "on", "off", "nan", "inf",
            ]
            .iter()
            .any(|word| text.eq_ignore_ascii_case(word))
    }
}

/// Text starting with a digit is no number, sexagesimal or date in YAML 1.1 or 1.2 when it has a
/// character no numeral uses, is no `0x`, `0o` or `0b` numeral, and does not start like a date:
/// `5m`, `28d`, `0+1.4x61`, `1 - x`.
fn is_not_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let radix =
        bytes[0] == b'0' && matches!(bytes.get(1), Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B'));
    let date = bytes.len() > 4 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-';
    !radix
        && !date
        && bytes.iter().any(|b| {
            !matches!(
                b,
                b'0'..=b'9' | b'.' | b'_' | b':' | b'+' | b'-' | b'e' | b'E'
            )
        })
}

/// No `: ` or ` #` (which would end the scalar) and nothing a plain scalar cannot carry. Most
/// text is ASCII, checked in one pass over its bytes.
fn plain_characters(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Printable ASCII without `: ` or ` #`, tested without an early exit and over two aligned
    // slices, so that the loops run on whole vectors; most text passes here. The rest takes the
    // exact path below.
    let unprintable = bytes.iter().fold(0u8, |found, &b| {
        found | u8::from(!(b' '..=b'~').contains(&b))
    });
    let separators = bytes.iter().zip(bytes.get(1..).unwrap_or_default()).fold(
        0u8,
        |found, (&first, &second)| {
            found
                | (u8::from(first == b':') & u8::from(second == b' '))
                | (u8::from(first == b' ') & u8::from(second == b'#'))
        },
    );
    if unprintable == 0 && separators == 0 {
        return true;
    }
    if !text.is_ascii() {
        return !text.contains(": ") && text.chars().all(is_printable) && !has_comment(text);
    }
    bytes.iter().enumerate().all(|(i, &b)| match b {
        b'#' => i == 0 || bytes[i - 1] != b' ',
        b':' => bytes.get(i + 1) != Some(&b' '),
        b' ' => true,
        b => b.is_ascii_graphic(),
    })
}

/// A `#` after white space starts a comment.
fn has_comment(text: &str) -> bool {
    text.match_indices('#').any(|(index, _)| {
        text[..index]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace)
    })
}

/// Characters that plain and literal scalars carry as they are.
fn is_printable(c: char) -> bool {
    c == ' '
        || c.is_ascii_graphic()
        || (!c.is_ascii()
            && !c.is_control()
            && !matches!(
                c,
                '\u{FEFF}' | '\u{2028}' | '\u{2029}' | '\u{FFFE}' | '\u{FFFF}'
            ))
}

fn write_quoted(out: &mut String, text: &str) {
    out.push('"');
    // Runs of printable ASCII are copied whole; every other character is looked at.
    let mut copied = 0;
    for (index, c) in text.char_indices() {
        if matches!(c, ' '..='~') && c != '\\' && c != '"' {
            continue;
        }
        out.push_str(&text[copied..index]);
        copied = index + c.len_utf8();
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (c as u32) <= 0xFF && c.is_control() => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if !is_printable(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push_str(&text[copied..]);
    out.push('"');
}

fn write_key(out: &mut String, key: &str) {
    if reads_back_plain(key) && !key.contains(':') {
        out.push_str(key);
    } else {
        write_quoted(out, key);
    }
}

/// Serializer methods that write their value as it prints: numbers and booleans.
macro_rules! plain_tokens {
    ($($method:ident: $type:ty),*) => {
        $(fn $method(self, v: $type) -> Result<(), Error> {
            self.token(format_args!("{v}"))
        })*
    };
}

/// Serializer methods for values a writer does not take.
macro_rules! refuse {
    ($what:literal, $($method:ident: $type:ty),*) => {
        $(fn $method(self, _: $type) -> Result<(), Error> {
            Err(unsupported($what))
        })*
    };
}

impl<'a> ser::Serializer for Node<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = Map<'a>;
    type SerializeStructVariant = Impossible<(), Error>;

    plain_tokens!(
        serialize_bool: bool,
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64
    );
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        if v.is_nan() {
            self.token(format_args!(".nan"))
        } else if v.is_infinite() {
            self.token(format_args!("{}.inf", if v < 0.0 { "-" } else { "" }))
        } else {
            self.token(format_args!("{v:?}"))
        }
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.scalar(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.scalar(v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        Err(unsupported("bytes"))
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.token(format_args!("null"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &str) -> Result<(), Error> {
        self.scalar(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if name == LITERAL {
            let mut text = String::new();
            value.serialize(Capture(&mut text))?;
            self.literal(&text);
            Ok(())
        } else {
            value.serialize(self)
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut map = self.serialize_map(Some(1))?;
        ser::SerializeMap::serialize_entry(&mut map, variant, value)?;
        ser::SerializeMap::end(map)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'a>, Error> {
        Ok(Seq {
            out: self.out,
            at: self.at,
            indent: 0,
            count: 0,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(unsupported("a tuple variant"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Map<'a>, Error> {
        Ok(Map {
            out: self.out,
            at: self.at,
            indent: 0,
            count: 0,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Map<'a>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(unsupported("a struct variant"))
    }
}

/// Starts the next entry of a collection at `at`: the first one on the current line after a
/// dash, or on a new line; later ones at the collection's indentation.
fn next_entry(out: &mut String, at: At, indent: &mut usize, count: &mut usize, nested: usize) {
    if *count == 0 {
        *indent = match at {
            At::Top => 0,
            At::Dash(indent) => indent,
            At::Key(indent) => {
                out.push('\n');
                indent + nested
            }
        };
        if let At::Key(_) = at {
            pad(out, *indent);
        }
    } else {
        pad(out, *indent);
    }
    *count += 1;
}

/// A block sequence. Under a key its dashes line up with the key, as `kubectl` and promtool's
/// own examples write them.
struct Seq<'a> {
    out: &'a mut String,
    at: At,
    indent: usize,
    count: usize,
}

impl ser::SerializeSeq for Seq<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        next_entry(self.out, self.at, &mut self.indent, &mut self.count, 0);
        self.out.push_str("- ");
        value.serialize(Node {
            out: self.out,
            at: At::Dash(self.indent + 2),
        })
    }

    fn end(self) -> Result<(), Error> {
        if self.count == 0 {
            self.out.push_str(self.at.lead());
            self.out.push_str("[]\n");
        }
        Ok(())
    }
}

impl ser::SerializeTuple for Seq<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Seq<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

/// A block mapping, nested two spaces under its key.
struct Map<'a> {
    out: &'a mut String,
    at: At,
    indent: usize,
    count: usize,
}

impl Map<'_> {
    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.out.push(':');
        value.serialize(Node {
            out: self.out,
            at: At::Key(self.indent),
        })
    }
}

impl ser::SerializeMap for Map<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        next_entry(self.out, self.at, &mut self.indent, &mut self.count, 2);
        key.serialize(KeyWriter(self.out))
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.value(value)
    }

    fn end(self) -> Result<(), Error> {
        if self.count == 0 {
            self.out.push_str(self.at.lead());
            self.out.push_str("{}\n");
        }
        Ok(())
    }
}

impl ser::SerializeStruct for Map<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        next_entry(self.out, self.at, &mut self.indent, &mut self.count, 2);
        write_key(self.out, key);
        self.value(value)
    }

    fn end(self) -> Result<(), Error> {
        ser::SerializeMap::end(self)
    }
}

/// Writes a mapping key; keys are strings.
struct KeyWriter<'a>(&'a mut String);

/// Takes the text of a [`Literal`].
struct Capture<'a>(&'a mut String);

macro_rules! only_strings {
    ($what:literal) => {
        type Ok = ();
        type Error = Error;
        type SerializeSeq = Impossible<(), Error>;
        type SerializeTuple = Impossible<(), Error>;
        type SerializeTupleStruct = Impossible<(), Error>;
        type SerializeTupleVariant = Impossible<(), Error>;
        type SerializeMap = Impossible<(), Error>;
        type SerializeStruct = Impossible<(), Error>;
        type SerializeStructVariant = Impossible<(), Error>;

        refuse!(
            $what,
            serialize_bool: bool,
            serialize_i8: i8,
            serialize_i16: i16,
            serialize_i32: i32,
            serialize_i64: i64,
            serialize_u8: u8,
            serialize_u16: u16,
            serialize_u32: u32,
            serialize_u64: u64,
            serialize_f32: f32,
            serialize_f64: f64
        );
        fn serialize_char(self, v: char) -> Result<(), Error> {
            self.serialize_str(v.encode_utf8(&mut [0; 4]))
        }
        fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
            Err(unsupported($what))
        }
        fn serialize_none(self) -> Result<(), Error> {
            Err(unsupported($what))
        }
        fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
            value.serialize(self)
        }
        fn serialize_unit(self) -> Result<(), Error> {
            Err(unsupported($what))
        }
        fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
            Err(unsupported($what))
        }
        fn serialize_unit_variant(
            self,
            _: &'static str,
            _: u32,
            variant: &'static str,
        ) -> Result<(), Error> {
            self.serialize_str(variant)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            value.serialize(self)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), Error> {
            Err(unsupported($what))
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
            Err(unsupported($what))
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
            Err(unsupported($what))
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Error> {
            Err(unsupported($what))
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Error> {
            Err(unsupported($what))
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
            Err(unsupported($what))
        }
        fn serialize_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStruct, Error> {
            Err(unsupported($what))
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Error> {
            Err(unsupported($what))
        }
    };
}

impl ser::Serializer for KeyWriter<'_> {
    only_strings!("a key other than a string");

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_key(self.0, v);
        Ok(())
    }
}

impl ser::Serializer for Capture<'_> {
    only_strings!("a literal block other than a string");

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.0.push_str(v);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment("a\nb\rc"), "# a b c\n");
    }

    #[derive(serde::Serialize)]
    struct Doc<'a> {
        name: &'a str,
        empty_list: Vec<u8>,
        empty_map: BTreeMap<String, String>,
        items: Vec<BTreeMap<&'a str, &'a str>>,
        nested: Vec<Vec<i64>>,
        expr: Literal<'a>,
        one_line: Literal<'a>,
        maybe: Option<bool>,
    }

    #[test]
    fn block_layout() {
        let mut item = BTreeMap::new();
        item.insert("a", "x");
        item.insert("b", "y: z");
        let doc = Doc {
            name: "slofile:svc",
            empty_list: vec![],
            empty_map: BTreeMap::new(),
            items: vec![item, BTreeMap::new()],
            nested: vec![vec![1, 2], vec![]],
            expr: Literal("sum(a)\n/\n\nsum(b)"),
            one_line: Literal("up == 0"),
            maybe: None,
        };
        assert_eq!(
            to_string(&doc).unwrap(),
            "name: slofile:svc\nempty_list: []\nempty_map: {}\nitems:\n- a: x\n  b: \"y: z\"\n- {}\n\
             nested:\n- - 1\n  - 2\n- []\nexpr: |-\n  sum(a)\n  /\n\n  sum(b)\none_line: up == 0\n\
             maybe: null\n"
        );
    }

    #[test]
    fn quoting_decisions() {
        for plain in [
            "5m",
            "28d",
            "0+1.4x61",
            "svc-00000",
            "Operation 0 is slow",
            "a:b",
            "/x#y",
            "1 - x:y",
            "(a) > 1",
        ] {
            assert!(reads_back_plain(plain), "{plain}");
        }
        for quoted in [
            "",
            "1",
            "1.5",
            "1e5",
            "0x1f",
            "12:30",
            "2024-01-01",
            "true",
            "No",
            "null",
            "-x",
            "x: y",
            "x #y",
            " x",
            "x ",
            "x:",
            "a\tb",
            "a\nb",
            "\"q\"",
            "'q'",
            "*a",
            "&a",
            "!t",
            "{a}",
            "[a]",
            "%x",
            "@x",
            "`x",
            "|x",
            ">x",
            "?x",
            "#x",
            ".5",
            "~",
            "+1",
        ] {
            assert!(!reads_back_plain(quoted), "{quoted}");
        }
    }

    #[test]
    fn literal_blocks_fall_back_to_quotes() {
        for text in ["a\n", " a\nb", "a\n  \nb", "a\r\nb", "\na"] {
            assert!(!literal_keeps(text), "{text:?}");
        }
        assert!(literal_keeps("a\n  b\n\nc"));
    }

    proptest::proptest! {
        /// Every string comes back exactly through a YAML parser, as a value, a key and a literal.
        #[test]
        fn any_text_reads_back(text in "\\PC*|[ -~\t\n\r\u{85}\u{2028}\u{feff}]*|[0-9a-fxoe.:+ -]*") {
            let mut doc = BTreeMap::new();
            doc.insert(text.clone(), vec![Literal(&text)]);
            let yaml = to_string(&doc).unwrap();
            let back: BTreeMap<String, Vec<String>> = serde_saphyr::from_str(&yaml)
                .map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{yaml}: {e}")))?;
            proptest::prop_assert_eq!(back.len(), 1, "{}", yaml);
            let (key, values) = back.into_iter().next().unwrap();
            proptest::prop_assert_eq!(&key, &text, "{}", yaml);
            proptest::prop_assert_eq!(&values[0], &text, "{}", yaml);
        }

        /// Plain scalars agree with a general YAML serialiser's choice wherever we write them
        /// plain, so the two never disagree on what a value is.
        #[test]
        fn plain_only_where_a_general_serialiser_agrees(text in "[a-zA-Z0-9 ._:/#+-]{1,12}") {
            if reads_back_plain(&text) {
                let general = serde_saphyr::to_string(&text).unwrap();
                proptest::prop_assert_eq!(general.trim_end(), text.as_str());
            }
        }
    }
}
