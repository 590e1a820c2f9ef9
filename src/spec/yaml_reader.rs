//! YAML with source spans.
//!
//! serde-saphyr parses each document into a [`Node`] tree whose every key and value knows where
//! it came from. The tree converts to JSON for schema checks and typed deserialization, and keeps a
//! JSON-pointer index so that any later stage can point a diagnostic at the exact node.

use crate::diagnostics::ByteSpan;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::hash::Hasher;

/// Where a parsed node is in the source text, `shift` bytes into it.
fn span_of<T>(spanned: &Spanned<T>, shift: usize) -> ByteSpan {
    let span = spanned.referenced.span();
    ByteSpan {
        offset: span.byte_offset().unwrap_or(span.offset()) as usize + shift,
        len: span.byte_len().unwrap_or(span.len()) as usize,
    }
}

/// A parsed YAML value. Scalars are typed by YAML 1.2's core schema with strict booleans, so that
/// `no` stays a string.
#[derive(Debug)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(i128::try_from(v).map_or(Node::Float(v as f64), Node::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<Node, E> {
        Err(E::custom("binary values are not supported"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key()? {
            let value = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

/// Where a node sits in the source: its value, and the key that introduced it, if any.
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeSpan {
    pub value: ByteSpan,
    pub key: Option<ByteSpan>,
}

/// A node that JSON cannot hold as written.
#[derive(Debug, Clone)]
pub struct BadKey {
    pub span: ByteSpan,
    pub kind: BadKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadKind {
    /// A list or mapping used as a key.
    NotScalarKey,
    /// An integer beyond 64 bits.
    TooLarge,
}

/// One YAML document: its JSON form, and the span of every node by JSON pointer.
#[derive(Debug)]
pub struct Document {
    pub json: serde_json::Value,
    /// Node spans by a digest of their JSON pointer. Specs of thousands of SLOs have millions of
    /// nodes, so neither the pointers nor full-width offsets are kept.
    spans: HashMap<u64, CompactSpan>,
    pub bad_keys: Vec<BadKey>,
    /// The span of the whole document's root node.
    pub root: ByteSpan,
}

/// A [`NodeSpan`] in 32-bit offsets; spec files are far smaller than 4 GiB.
#[derive(Debug, Clone, Copy)]
struct CompactSpan {
    value: (u32, u32),
    key: Option<(u32, u32)>,
}

impl CompactSpan {
    fn new(span: NodeSpan) -> Self {
        let narrow = |s: ByteSpan| {
            (
                u32::try_from(s.offset).unwrap_or(u32::MAX),
                u32::try_from(s.len).unwrap_or(u32::MAX),
            )
        };
        CompactSpan {
            value: narrow(span.value),
            key: span.key.map(narrow),
        }
    }

    fn widen(self) -> NodeSpan {
        let wide = |(offset, len): (u32, u32)| ByteSpan {
            offset: offset as usize,
            len: len as usize,
        };
        NodeSpan {
            value: wide(self.value),
            key: self.key.map(wide),
        }
    }
}

/// The digest a pointer is indexed by: 64 bits of SipHash, so that two pointers of one document
/// practically never share one.
fn digest(pointer: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(pointer.as_bytes());
    hasher.finish()
}

impl Document {
    /// Converts a parsed node of `source`. `shift` is added to every offset, for text the parser
    /// did not see (a byte-order mark).
    pub fn from_node(node: &Spanned<Node>, shift: usize, source: &str) -> Document {
        let mut doc = Document {
            json: serde_json::Value::Null,
            spans: HashMap::new(),
            bad_keys: Vec::new(),
            root: span_of(node, shift),
        };
        let mut pointer = String::new();
        doc.json = doc.convert(node, &mut pointer, None, shift, source);
        doc
    }

    fn convert(
        &mut self,
        node: &Spanned<Node>,
        pointer: &mut String,
        key: Option<ByteSpan>,
        shift: usize,
        source: &str,
    ) -> serde_json::Value {
        use serde_json::Value;
        self.spans.insert(
            digest(pointer),
            CompactSpan::new(NodeSpan {
                value: span_of(node, shift),
                key,
            }),
        );
        match &node.value {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => i64::try_from(*i).map_or_else(
                |_| {
                    self.bad_keys.push(BadKey {
                        span: span_of(node, shift),
                        kind: BadKind::TooLarge,
                    });
                    float_value(*i as f64)
                },
                Value::from,
            ),
            Node::Float(f) => {
                // The parser reads integers beyond 128 bits as floats; the text tells them apart.
                let span = span_of(node, shift);
                let literal = source
                    .get(span.offset..span.offset + span.len)
                    .unwrap_or_default()
                    .trim_start_matches(['-', '+']);
                if !literal.is_empty() && literal.bytes().all(|b| b.is_ascii_digit()) {
                    self.bad_keys.push(BadKey {
                        span,
                        kind: BadKind::TooLarge,
                    });
                }
                float_value(*f)
            }
            Node::Str(s) => Value::String(s.clone()),
            Node::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    let _ = write!(pointer, "/{index}");
                    out.push(self.convert(item, pointer, None, shift, source));
                    pointer.truncate(len);
                }
                Value::Array(out)
            }
            Node::Map(entries) => {
                let mut out = serde_json::Map::new();
                for (key_node, value) in entries {
                    let Some(name) = scalar_key(&key_node.value) else {
                        self.bad_keys.push(BadKey {
                            span: span_of(key_node, shift),
                            kind: BadKind::NotScalarKey,
                        });
                        continue;
                    };
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&escape_pointer(&name));
                    let key_span = span_of(key_node, shift);
                    let converted = self.convert(value, pointer, Some(key_span), shift, source);
                    pointer.truncate(len);
                    out.insert(name, converted);
                }
                Value::Object(out)
            }
        }
    }

    /// The span of the node at `pointer`, or of its nearest ancestor that has one.
    pub fn span(&self, pointer: &str) -> ByteSpan {
        self.node_span(pointer).value
    }

    /// The span of the key that introduced the node at `pointer`, or else of the node itself.
    pub fn key_span(&self, pointer: &str) -> ByteSpan {
        let span = self.node_span(pointer);
        span.key.unwrap_or(span.value)
    }

    /// The spans of the node at exactly `pointer`, if there is one.
    pub fn exact_span(&self, pointer: &str) -> Option<NodeSpan> {
        self.spans.get(&digest(pointer)).map(|span| span.widen())
    }

    fn node_span(&self, pointer: &str) -> NodeSpan {
        let mut current = pointer;
        loop {
            if let Some(span) = self.exact_span(current) {
                return span;
            }
            match current.rfind('/') {
                Some(cut) => current = &current[..cut],
                None => {
                    return NodeSpan {
                        value: self.root,
                        key: None,
                    };
                }
            }
        }
    }
}

fn float_value(f: f64) -> serde_json::Value {
    serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

fn scalar_key(node: &Node) -> Option<String> {
    match node {
        Node::Str(s) => Some(s.clone()),
        Node::Int(i) => Some(i.to_string()),
        Node::Float(f) => Some(f.to_string()),
        Node::Bool(b) => Some(b.to_string()),
        Node::Null => Some("null".to_owned()),
        Node::Seq(_) | Node::Map(_) => None,
    }
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> Cow<'_, str> {
    if segment.contains(['~', '/']) {
        Cow::Owned(segment.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(segment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Document {
        let options = serde_saphyr::options! { strict_booleans: true };
        let node: Spanned<Node> = serde_saphyr::from_str_with_options(src, options).unwrap();
        Document::from_node(&node, 0, src)
    }

    #[test]
    fn strict_booleans_keep_no_a_string() {
        let doc = parse("a: no\nb: true\n");
        assert_eq!(doc.json["a"], "no");
        assert_eq!(doc.json["b"], true);
    }

    #[test]
    fn pointers_find_keys_and_values() {
        let src = "slos:\n  - id: x\n    objective: 99.5%\n";
        let doc = parse(src);
        let value = doc.span("/slos/0/objective");
        assert_eq!(&src[value.offset..value.offset + value.len], "99.5%");
        let key = doc.key_span("/slos/0/objective");
        assert_eq!(&src[key.offset..key.offset + key.len], "objective");
        // A pointer below a leaf falls back to the leaf.
        let deeper = doc.span("/slos/0/objective/nothing");
        assert_eq!(deeper, value);
    }

    #[test]
    fn slash_and_tilde_in_keys_are_escaped() {
        let doc = parse("\"a/b~c\": 1\n");
        assert!(doc.exact_span("/a~1b~0c").is_some());
    }
}
