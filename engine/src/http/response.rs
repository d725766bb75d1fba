//! `ResponseReader`: one response, incrementally, from whatever bytes have arrived.
//!
//! The caller owns the receive buffer and feeds the unconsumed part; the reader says how many
//! bytes it consumed and whether it needs more, has just finished the head (so the caller may look
//! at the head bytes before they are dropped), or is done. Body bytes can be discarded (a plain
//! load test) or appended to a caller buffer (checks and extraction), subject to a size limit.

use super::error::ParseError;
use super::head::{parse_head, Framing, Head};

/// Size limits applied while reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest head (status line + fields), and largest trailer section.
    pub max_head_bytes: usize,
    /// Largest body (decoded bytes).
    pub max_body_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_head_bytes: 64 * 1024,
            max_body_bytes: 64 * 1024 * 1024,
        }
    }
}

/// What a `feed` call achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Everything given was consumed (or a partial element was left); feed more bytes later.
    NeedMore,
    /// The head was just parsed; the consumed bytes were the head.
    Head,
    /// The response is complete.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Length(u64),
    ChunkSize,
    ChunkData(u64),
    ChunkDataEnd,
    Trailers,
    UntilClose,
    Done,
}

/// Longest chunk-size line accepted (size, extensions, CRLF).
const MAX_CHUNK_LINE: usize = 4096;

/// Reads one response at a time; `begin` re-arms it for the next.
#[derive(Debug, Clone)]
pub struct ResponseReader {
    limits: Limits,
    state: State,
    head_request: bool,
    head: Option<Head>,
    body_len: u64,
    seen_bytes: bool,
    continued: bool,
}

impl ResponseReader {
    /// A reader with the given limits, ready for a response to a non-HEAD request.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            state: State::Head,
            head_request: false,
            head: None,
            body_len: 0,
            seen_bytes: false,
            continued: false,
        }
    }

    /// Prepares for the response to a new request.
    pub fn begin(&mut self, head_request: bool) {
        self.state = State::Head;
        self.head_request = head_request;
        self.head = None;
        self.body_len = 0;
        self.seen_bytes = false;
        self.continued = false;
    }

    /// Whether a `100 Continue` interim response has arrived (for `Expect: 100-continue`).
    pub fn continued(&self) -> bool {
        self.continued
    }

    /// The final head (after any 1xx interim responses), once parsed.
    pub fn head(&self) -> Option<&Head> {
        self.head.as_ref()
    }

    /// Decoded body bytes so far.
    #[cfg(test)]
    pub fn body_len(&self) -> u64 {
        self.body_len
    }

    /// Consumes bytes from `buf` (the unconsumed received bytes). Body bytes are appended to
    /// `body` when given. Returns the number of bytes consumed and what happened.
    pub fn feed(
        &mut self,
        buf: &[u8],
        mut body: Option<&mut Vec<u8>>,
    ) -> Result<(usize, Event), ParseError> {
        if !buf.is_empty() {
            self.seen_bytes = true;
        }
        let mut pos = 0;
        loop {
            let rest = &buf[pos..];
            match self.state {
                State::Done => {
                    return if rest.is_empty() {
                        Ok((pos, Event::Done))
                    } else {
                        Err(ParseError::UnexpectedBytes)
                    };
                }
                State::Head => {
                    let Some(head) =
                        parse_head(rest, self.head_request, self.limits.max_head_bytes)?
                    else {
                        return Ok((pos, Event::NeedMore));
                    };
                    pos += head.len;
                    // 1xx (but 101) are interim: the real response follows (RFC 9110 §15.2).
                    if (100..200).contains(&head.status) && head.status != 101 {
                        self.continued |= head.status == 100;
                        continue;
                    }
                    self.state = match head.framing {
                        Framing::None => State::Done,
                        Framing::Length(n) if n > self.limits.max_body_bytes => {
                            return Err(ParseError::BodyTooLarge)
                        }
                        Framing::Length(0) => State::Done,
                        Framing::Length(n) => State::Length(n),
                        Framing::Chunked => State::ChunkSize,
                        Framing::UntilClose => State::UntilClose,
                    };
                    self.head = Some(head);
                    if self.state == State::Done && pos < buf.len() {
                        return Err(ParseError::UnexpectedBytes);
                    }
                    return Ok((
                        pos,
                        if self.state == State::Done {
                            Event::Done
                        } else {
                            Event::Head
                        },
                    ));
                }
                State::Length(remaining) => {
                    let take = remaining.min(rest.len() as u64) as usize;
                    self.body(&rest[..take], body.as_deref_mut())?;
                    pos += take;
                    let left = remaining - take as u64;
                    if left > 0 {
                        self.state = State::Length(left);
                        return Ok((pos, Event::NeedMore));
                    }
                    self.state = State::Done;
                }
                State::UntilClose => {
                    self.body(rest, body.as_deref_mut())?;
                    return Ok((buf.len(), Event::NeedMore));
                }
                State::ChunkSize => match httparse::parse_chunk_size(rest) {
                    // The limits hold however the bytes arrive: in one read as in many.
                    Ok(httparse::Status::Complete((n, _))) if n > MAX_CHUNK_LINE => {
                        return Err(ParseError::InvalidChunkSize)
                    }
                    // A chunk announcing more than the body may still hold fails at its size
                    // line, as an over-limit Content-Length does at the head: not after its
                    // bytes, nor at the timeout when a server never sends them.
                    Ok(httparse::Status::Complete((_, size)))
                        if size > self.limits.max_body_bytes.saturating_sub(self.body_len) =>
                    {
                        return Err(ParseError::BodyTooLarge)
                    }
                    Ok(httparse::Status::Complete((n, size))) => {
                        pos += n;
                        self.state = if size == 0 {
                            State::Trailers
                        } else {
                            State::ChunkData(size)
                        };
                    }
                    Ok(httparse::Status::Partial) if rest.len() > MAX_CHUNK_LINE => {
                        return Err(ParseError::InvalidChunkSize)
                    }
                    Ok(httparse::Status::Partial) => return Ok((pos, Event::NeedMore)),
                    Err(_) => return Err(ParseError::InvalidChunkSize),
                },
                State::ChunkData(remaining) => {
                    let take = remaining.min(rest.len() as u64) as usize;
                    self.body(&rest[..take], body.as_deref_mut())?;
                    pos += take;
                    let left = remaining - take as u64;
                    if left > 0 {
                        self.state = State::ChunkData(left);
                        return Ok((pos, Event::NeedMore));
                    }
                    self.state = State::ChunkDataEnd;
                }
                State::ChunkDataEnd => match rest {
                    [b'\r', b'\n', ..] => {
                        pos += 2;
                        self.state = State::ChunkSize;
                    }
                    [b'\n', ..] => {
                        pos += 1;
                        self.state = State::ChunkSize;
                    }
                    [] | [b'\r'] => return Ok((pos, Event::NeedMore)),
                    _ => return Err(ParseError::InvalidChunkEnd),
                },
                State::Trailers => {
                    let mut fields = [httparse::EMPTY_HEADER; super::head::MAX_HEADERS];
                    match httparse::parse_headers(rest, &mut fields) {
                        Ok(httparse::Status::Complete((n, _)))
                            if n > self.limits.max_head_bytes =>
                        {
                            return Err(ParseError::InvalidTrailers)
                        }
                        Ok(httparse::Status::Complete((n, _))) => {
                            pos += n;
                            self.state = State::Done;
                        }
                        Ok(httparse::Status::Partial)
                            if rest.len() >= self.limits.max_head_bytes =>
                        {
                            return Err(ParseError::InvalidTrailers)
                        }
                        Ok(httparse::Status::Partial) => return Ok((pos, Event::NeedMore)),
                        Err(_) => return Err(ParseError::InvalidTrailers),
                    }
                }
            }
        }
    }

    /// The peer closed the connection. Completes a close-delimited body; anything else is an
    /// error (truncated response, or closed before any byte).
    pub fn finish_on_eof(&mut self) -> Result<(), ParseError> {
        match self.state {
            State::UntilClose | State::Done => {
                self.state = State::Done;
                Ok(())
            }
            State::Head if !self.seen_bytes => Err(ParseError::ClosedBeforeResponse),
            _ => Err(ParseError::Truncated),
        }
    }

    fn body(&mut self, bytes: &[u8], sink: Option<&mut Vec<u8>>) -> Result<(), ParseError> {
        self.body_len += bytes.len() as u64;
        if self.body_len > self.limits.max_body_bytes {
            return Err(ParseError::BodyTooLarge);
        }
        if let Some(sink) = sink {
            sink.extend_from_slice(bytes);
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
