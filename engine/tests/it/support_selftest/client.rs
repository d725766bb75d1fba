//! A deliberately plain HTTP/1.1 client over a blocking `TcpStream`, for the self-tests only:
//! every read has a timeout, and it panics on anything it does not expect.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Long enough for any healthy answer on loopback, short enough that a broken server fails a
/// test instead of hanging it.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// One connection and the bytes read from it but not consumed yet.
pub struct Client {
    stream: TcpStream,
    buffer: Vec<u8>,
}

/// A response read by [`Client::read_response`], its body already de-chunked.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut matching = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        matching.next().map(|(_, value)| value.as_str())
    }
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect to the server");
        stream
            .set_read_timeout(Some(TIMEOUT))
            .expect("set a read timeout");
        stream
            .set_write_timeout(Some(TIMEOUT))
            .expect("set a write timeout");
        Client {
            stream,
            buffer: Vec::new(),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send to the server");
    }

    pub fn get(&mut self, path: &str) {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: selftest\r\n\r\n").as_bytes());
    }

    /// Exactly `len` bytes, as sent.
    pub fn read_bytes(&mut self, len: usize) -> Vec<u8> {
        while self.buffer.len() < len {
            assert!(
                self.fill() > 0,
                "closed after {:?}",
                String::from_utf8_lossy(&self.buffer)
            );
        }
        self.buffer.drain(..len).collect()
    }

    /// Everything until the server closes, and how the stream ended (Ok for a clean FIN).
    pub fn read_to_close(&mut self) -> (Vec<u8>, io::Result<()>) {
        let mut bytes = std::mem::take(&mut self.buffer);
        let ending = self.stream.read_to_end(&mut bytes).map(|_| ());
        (bytes, ending)
    }

    /// Reads everything until the server closes cleanly.
    pub fn read_until_fin(&mut self) -> Vec<u8> {
        let (bytes, ending) = self.read_to_close();
        ending.unwrap_or_else(|error| panic!("expected a clean close, got {error}"));
        bytes
    }

    /// Asserts that nothing more arrives for a while and the connection is still open.
    pub fn assert_idle(&mut self) {
        assert!(self.buffer.is_empty(), "unexpected bytes {:?}", self.buffer);
        self.stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("set a timeout");
        let mut byte = [0u8; 1];
        match self.stream.read(&mut byte) {
            Ok(0) => panic!("the server closed the connection"),
            Ok(_) => panic!("unexpected byte {:?}", byte[0] as char),
            Err(error) => assert!(
                matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
                "the connection failed: {error}"
            ),
        }
        self.stream
            .set_read_timeout(Some(TIMEOUT))
            .expect("set a timeout");
    }

    /// One response, framed as RFC 9112 §6.3 says (close-delimited bodies are read to the end).
    pub fn read_response(&mut self) -> Response {
        let (head_len, status, headers) = loop {
            let mut slots = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut slots);
            if let httparse::Status::Complete(head_len) = response
                .parse(&self.buffer)
                .expect("a well-formed response head")
            {
                let headers = response
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect::<Vec<_>>();
                break (
                    head_len,
                    response.code.expect("a complete head has a status"),
                    headers,
                );
            }
            assert!(self.fill() > 0, "closed inside a response head");
        };
        self.buffer.drain(..head_len);
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
        };
        let bodiless = status < 200 || status == 204 || status == 304;
        response.body = if bodiless {
            Vec::new()
        } else if response.header("transfer-encoding") == Some("chunked") {
            self.read_chunked()
        } else if let Some(length) = response.header("content-length") {
            self.read_bytes(length.parse().expect("a numeric Content-Length"))
        } else {
            self.read_until_fin()
        };
        response
    }

    /// A chunked body, trailers skipped.
    fn read_chunked(&mut self) -> Vec<u8> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line();
            let size = line
                .split(';')
                .next()
                .expect("split yields at least one part");
            let size = usize::from_str_radix(size.trim(), 16).expect("a hex chunk size");
            if size == 0 {
                while !self.read_line().is_empty() {}
                return body;
            }
            body.extend(self.read_bytes(size));
            assert_eq!(self.read_bytes(2), b"\r\n", "a chunk ends with CRLF");
        }
    }

    fn read_line(&mut self) -> String {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|pair| pair == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
                self.buffer.drain(..end + 2);
                return line;
            }
            assert!(self.fill() > 0, "closed inside a line");
        }
    }

    /// Reads once into the buffer; 0 on EOF.
    fn fill(&mut self) -> usize {
        let mut chunk = [0u8; 16 * 1024];
        let read = self.stream.read(&mut chunk).expect("read from the server");
        self.buffer.extend_from_slice(&chunk[..read]);
        read
    }
}
