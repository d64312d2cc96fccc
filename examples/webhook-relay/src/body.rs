//! The body-size limit, applied before and while the body is read.
//!
//! A declared `Content-Length` over the limit is refused before a byte is read; a body sent
//! without one (chunked) is read chunk by chunk into a [`BodyBuffer`] that refuses the first
//! chunk crossing the limit, so the Worker never holds more than the limit plus one chunk.

use crate::reply::RelayError;

/// Checks a declared `Content-Length` against `limit`: 413 when over, 400 when unparseable.
///
/// ```
/// use webhook_relay::body::check_content_length;
/// assert!(check_content_length(Some("100"), 100).is_ok());
/// assert!(check_content_length(None, 100).is_ok()); // chunked: checked while reading
/// assert_eq!(check_content_length(Some("101"), 100).unwrap_err().status(), 413);
/// assert_eq!(check_content_length(Some("ten"), 100).unwrap_err().status(), 400);
/// ```
pub fn check_content_length(declared: Option<&str>, limit: usize) -> Result<(), RelayError> {
    let Some(declared) = declared else {
        return Ok(());
    };
    let trimmed = declared.trim();
    if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RelayError::Malformed("Content-Length is not a number of bytes".into()));
    }
    // More digits than usize holds is certainly over any limit.
    match trimmed.parse::<usize>() {
        Ok(length) if length <= limit => Ok(()),
        _ => Err(RelayError::PayloadTooLarge { limit }),
    }
}

/// Collects a streamed body up to a limit.
///
/// ```
/// use webhook_relay::body::BodyBuffer;
/// let mut buffer = BodyBuffer::new(5);
/// buffer.push(b"abc").unwrap();
/// assert_eq!(buffer.push(b"def").unwrap_err().status(), 413);
/// ```
#[derive(Debug)]
pub struct BodyBuffer {
    limit: usize,
    bytes: Vec<u8>,
}

impl BodyBuffer {
    /// An empty buffer refusing more than `limit` bytes.
    ///
    /// ```
    /// # use webhook_relay::body::BodyBuffer;
    /// assert!(BodyBuffer::new(0).into_bytes().is_empty());
    /// ```
    pub fn new(limit: usize) -> BodyBuffer {
        BodyBuffer { limit, bytes: Vec::new() }
    }

    /// Appends `chunk`, or fails with 413 (keeping nothing of it) when it crosses the limit.
    ///
    /// ```
    /// # use webhook_relay::body::BodyBuffer;
    /// let mut b = BodyBuffer::new(3);
    /// b.push(b"abc").unwrap();
    /// assert_eq!(b.into_bytes(), b"abc");
    /// ```
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), RelayError> {
        if chunk.len() > self.limit - self.bytes.len() {
            return Err(RelayError::PayloadTooLarge { limit: self.limit });
        }
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    /// The body read so far.
    ///
    /// ```
    /// # use webhook_relay::body::BodyBuffer;
    /// let mut b = BodyBuffer::new(9);
    /// b.push(b"a").unwrap();
    /// b.push(b"b").unwrap();
    /// assert_eq!(b.into_bytes(), b"ab");
    /// ```
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Checks that a verified body is what its `Content-Type` says: JSON types (`application/json`,
/// `…+json`) must parse as JSON; anything else passes. Run only after the signature checked out,
/// so the relay never parses an unauthenticated body.
///
/// ```
/// use webhook_relay::body::check_declared_type;
/// assert!(check_declared_type(Some("application/json; charset=utf-8"), b"{\"a\":1}").is_ok());
/// assert_eq!(check_declared_type(Some("application/json"), b"{oops").unwrap_err().status(), 400);
/// assert!(check_declared_type(Some("text/plain"), b"{oops").is_ok());
/// assert!(check_declared_type(None, b"\xff").is_ok());
/// ```
pub fn check_declared_type(content_type: Option<&str>, body: &[u8]) -> Result<(), RelayError> {
    let Some(content_type) = content_type else {
        return Ok(());
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let is_json = essence == "application/json" || essence.ends_with("+json");
    if is_json && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
        return Err(RelayError::Malformed(format!(
            "the body is not valid JSON although its Content-Type is {essence}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_length_edge_cases() {
        assert!(check_content_length(Some(" 42 "), 42).is_ok());
        assert!(check_content_length(Some("0"), 0).is_ok());
        for bad in ["", "-1", "+5", "1e3", "0x10", "4 2"] {
            let err = check_content_length(Some(bad), 1000).unwrap_err();
            assert_eq!(err.status(), 400, "{bad:?}");
        }
        let huge = "9".repeat(40);
        assert_eq!(check_content_length(Some(&huge), 1000).unwrap_err().status(), 413);
    }

    #[test]
    fn a_buffer_takes_exactly_the_limit_and_refuses_one_byte_more() {
        let mut buffer = BodyBuffer::new(10);
        for chunk in [&b"0123"[..], b"4567", b"89"] {
            buffer.push(chunk).unwrap();
        }
        assert_eq!(buffer.push(b"x").unwrap_err(), RelayError::PayloadTooLarge { limit: 10 });
        assert_eq!(buffer.into_bytes(), b"0123456789");
        let mut empty_chunks = BodyBuffer::new(0);
        assert!(empty_chunks.push(b"").is_ok());
    }

    #[test]
    fn json_types_are_checked_and_others_are_not() {
        for content_type in ["application/json", "Application/JSON", "application/cloudevents+json"]
        {
            assert!(check_declared_type(Some(content_type), b"[1,2]").is_ok());
            assert!(check_declared_type(Some(content_type), b"").is_err(), "{content_type}");
            assert!(check_declared_type(Some(content_type), b"{\"a\":").is_err());
        }
        assert!(check_declared_type(Some("application/x-www-form-urlencoded"), b"a=1").is_ok());
    }
}
