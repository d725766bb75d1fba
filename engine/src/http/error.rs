//! Codec failures, and the error class each one is counted under.

use crate::metrics::{ErrorClass, Failure};

/// Why a response could not be read. Each maps to one `ErrorClass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The status line is not `HTTP/1.x NNN reason`.
    #[error("invalid status line")]
    InvalidStatusLine,
    /// A header line is not `name: value`.
    #[error("invalid header line")]
    InvalidHeader,
    /// More header fields than the parser's table holds.
    #[error("too many header fields")]
    TooManyHeaders,
    /// The head (status line + headers) is larger than the limit.
    #[error("response head larger than the limit")]
    HeadTooLarge,
    /// Content-Length is not a decimal number.
    #[error("invalid Content-Length")]
    InvalidContentLength,
    /// Several Content-Length fields disagree (RFC 9112 §6.3 rule 5).
    #[error("conflicting Content-Length fields")]
    ConflictingContentLength,
    /// A chunk-size line is not hexadecimal.
    #[error("invalid chunk size")]
    InvalidChunkSize,
    /// Chunk data is not followed by CRLF.
    #[error("chunk data not followed by CRLF")]
    InvalidChunkEnd,
    /// The trailer section is larger than the head limit or malformed.
    #[error("invalid or oversized trailer section")]
    InvalidTrailers,
    /// The body is larger than the configured limit.
    #[error("response body larger than the limit")]
    BodyTooLarge,
    /// The connection closed in the middle of a response.
    #[error("connection closed mid-response")]
    Truncated,
    /// The connection closed before any byte of the response.
    #[error("connection closed before the response")]
    ClosedBeforeResponse,
    /// Bytes arrived after a complete response, before any new request (wrong length).
    #[error("unexpected bytes after the response")]
    UnexpectedBytes,
}

impl ParseError {
    /// The class counted for this error, with a static detail for the summary.
    pub fn failure(self) -> Failure {
        let class = match self {
            ParseError::BodyTooLarge => ErrorClass::BodyTooLarge,
            ParseError::Truncated => ErrorClass::TruncatedResponse,
            ParseError::ClosedBeforeResponse => ErrorClass::ConnectionClosed,
            _ => ErrorClass::MalformedResponse,
        };
        Failure::new(class, self.detail())
    }

    /// The same text as `Display`, as a `&'static str`.
    pub fn detail(self) -> &'static str {
        match self {
            ParseError::InvalidStatusLine => "invalid status line",
            ParseError::InvalidHeader => "invalid header line",
            ParseError::TooManyHeaders => "too many header fields",
            ParseError::HeadTooLarge => "response head larger than the limit",
            ParseError::InvalidContentLength => "invalid Content-Length",
            ParseError::ConflictingContentLength => "conflicting Content-Length fields",
            ParseError::InvalidChunkSize => "invalid chunk size",
            ParseError::InvalidChunkEnd => "chunk data not followed by CRLF",
            ParseError::InvalidTrailers => "invalid or oversized trailer section",
            ParseError::BodyTooLarge => "response body larger than the limit",
            ParseError::Truncated => "connection closed mid-response",
            ParseError::ClosedBeforeResponse => "connection closed before the response",
            ParseError::UnexpectedBytes => "unexpected bytes after the response",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_matches_display() {
        use ParseError::*;
        for e in [
            InvalidStatusLine,
            InvalidHeader,
            TooManyHeaders,
            HeadTooLarge,
            InvalidContentLength,
            ConflictingContentLength,
            InvalidChunkSize,
            InvalidChunkEnd,
            InvalidTrailers,
            BodyTooLarge,
            Truncated,
            ClosedBeforeResponse,
            UnexpectedBytes,
        ] {
            assert_eq!(e.to_string(), e.detail());
        }
    }
}
