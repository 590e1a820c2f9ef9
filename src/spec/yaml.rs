//! YAML with source spans.
//!
//! serde-saphyr parses each document into a [`Node`] tree whose every key and value knows where
//! it came from. The tree converts to JSON for schema checks and typed deserialization, and keeps a
//! JSON-pointer index so that any later stage can point a diagnostic at the exact node.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::collections::HashMap;
use std::fmt;

/// A byte range in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ByteSpan {
    pub offset: usize,
    pub len: usize,
}

impl ByteSpan {
    fn of<T>(spanned: &Spanned<T>) -> Self {
        let span = spanned.referenced.span();
        ByteSpan {
            offset: span.byte_offset().unwrap_or(span.offset()) as usize,
            len: span.byte_len().unwrap_or(span.len()) as usize,
        }
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

/// A key that JSON cannot hold: not a scalar.
#[derive(Debug, Clone)]
pub struct BadKey {
    pub span: ByteSpan,
}

/// One YAML document: its JSON form, and the span of every node by JSON pointer.
#[derive(Debug)]
pub struct Document {
    pub json: serde_json::Value,
    pub spans: HashMap<String, NodeSpan>,
    pub bad_keys: Vec<BadKey>,
    /// The span of the whole document's root node.
    pub root: ByteSpan,
}

impl Document {
    pub fn from_node(node: &Spanned<Node>) -> Document {
        let mut doc = Document {
            json: serde_json::Value::Null,
            spans: HashMap::new(),
            bad_keys: Vec::new(),
            root: ByteSpan::of(node),
        };
        let mut pointer = String::new();
        doc.json = doc.convert(node, &mut pointer, None);
        doc
    }

    fn convert(
        &mut self,
        node: &Spanned<Node>,
        pointer: &mut String,
        key: Option<ByteSpan>,
    ) -> serde_json::Value {
        use serde_json::Value;
        self.spans.insert(
            pointer.clone(),
            NodeSpan {
                value: ByteSpan::of(node),
                key,
            },
        );
        match &node.value {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => i64::try_from(*i)
                .map(Value::from)
                .unwrap_or_else(|_| float_value(*i as f64)),
            Node::Float(f) => float_value(*f),
            Node::Str(s) => Value::String(s.clone()),
            Node::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                    out.push(self.convert(item, pointer, None));
                    pointer.truncate(len);
                }
                Value::Array(out)
            }
            Node::Map(entries) => {
                let mut out = serde_json::Map::new();
                for (key_node, value) in entries {
                    let Some(name) = scalar_key(&key_node.value) else {
                        self.bad_keys.push(BadKey {
                            span: ByteSpan::of(key_node),
                        });
                        continue;
                    };
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&escape_pointer(&name));
                    let converted = self.convert(value, pointer, Some(ByteSpan::of(key_node)));
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

    fn node_span(&self, pointer: &str) -> NodeSpan {
        let mut current = pointer;
        loop {
            if let Some(span) = self.spans.get(current) {
                return *span;
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
    serde_json::Number::from_f64(f)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
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
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Document {
        let options = serde_saphyr::options! { strict_booleans: true };
        let node: Spanned<Node> = serde_saphyr::from_str_with_options(src, options).unwrap();
        Document::from_node(&node)
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
        assert!(doc.spans.contains_key("/a~1b~0c"));
    }
}
