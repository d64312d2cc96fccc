//! Message payloads.

/// A topic message: UTF-8 text or raw bytes.
///
/// Built from `&str`, `String`, `&[u8]`, `Vec<u8>` and byte arrays, so `publish` takes any of them.
///
/// ```
/// use momento_topics_worker::TopicValue;
/// assert_eq!(TopicValue::from("hi"), TopicValue::Text("hi".into()));
/// assert_eq!(TopicValue::from(&[1u8, 2][..]).len(), 2);
/// assert_eq!(TopicValue::from(vec![9u8]).as_bytes(), &[9]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicValue {
    /// Published as `text/plain`.
    Text(String),
    /// Published as `application/octet-stream`.
    Binary(Vec<u8>),
}

impl TopicValue {
    /// The payload's size in bytes (what Momento's 4 KB limit counts).
    ///
    /// ```
    /// assert_eq!(momento_topics_worker::TopicValue::from("é").len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Whether the payload is empty.
    ///
    /// ```
    /// assert!(momento_topics_worker::TopicValue::from("").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The payload's bytes (UTF-8 for text).
    ///
    /// ```
    /// assert_eq!(momento_topics_worker::TopicValue::from("a").as_bytes(), b"a");
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            TopicValue::Text(t) => t.as_bytes(),
            TopicValue::Binary(b) => b,
        }
    }

    /// The text, if this is a text message.
    ///
    /// ```
    /// assert_eq!(momento_topics_worker::TopicValue::from("a").as_text(), Some("a"));
    /// ```
    pub fn as_text(&self) -> Option<&str> {
        match self {
            TopicValue::Text(t) => Some(t),
            TopicValue::Binary(_) => None,
        }
    }
}

impl From<&str> for TopicValue {
    fn from(s: &str) -> Self {
        TopicValue::Text(s.to_string())
    }
}
impl From<String> for TopicValue {
    fn from(s: String) -> Self {
        TopicValue::Text(s)
    }
}
impl From<&String> for TopicValue {
    fn from(s: &String) -> Self {
        TopicValue::Text(s.clone())
    }
}
impl From<&[u8]> for TopicValue {
    fn from(b: &[u8]) -> Self {
        TopicValue::Binary(b.to_vec())
    }
}
impl From<Vec<u8>> for TopicValue {
    fn from(b: Vec<u8>) -> Self {
        TopicValue::Binary(b)
    }
}
impl From<&Vec<u8>> for TopicValue {
    fn from(b: &Vec<u8>) -> Self {
        TopicValue::Binary(b.clone())
    }
}
impl<const N: usize> From<[u8; N]> for TopicValue {
    fn from(b: [u8; N]) -> Self {
        TopicValue::Binary(b.to_vec())
    }
}
impl<const N: usize> From<&[u8; N]> for TopicValue {
    fn from(b: &[u8; N]) -> Self {
        TopicValue::Binary(b.to_vec())
    }
}
impl From<crate::wire::WireValue> for TopicValue {
    fn from(v: crate::wire::WireValue) -> Self {
        match v {
            crate::wire::WireValue::Text(t) => TopicValue::Text(t),
            crate::wire::WireValue::Binary(b) => TopicValue::Binary(b),
        }
    }
}
