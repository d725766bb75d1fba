//! Content decoding (gzip, deflate, br) of a kept body, for checks and extractions.
//!
//! Bodies nobody reads are never decoded: the wire bytes are counted, and that is all a plain load
//! test needs. Decoding is bounded by the body size limit, so a compression bomb is an error, not
//! an allocation of gigabytes.

use std::io::Read;

use crate::http::Coding;
use crate::metrics::{ErrorClass, Failure};

/// Decodes `body` in place (using `scratch`) when `coding` is one horde decodes. Returns the
/// decoded length, or `None` when there was nothing to decode.
pub fn decode(
    coding: Coding,
    body: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    max: u64,
) -> Result<Option<u64>, Failure> {
    scratch.clear();
    let read = match coding {
        Coding::Identity | Coding::Other => return Ok(None),
        Coding::Gzip => limited(flate2::read::MultiGzDecoder::new(&body[..]), max, scratch),
        Coding::Deflate => {
            // RFC 9110 says zlib-wrapped; some servers send raw deflate. Try both.
            limited(flate2::read::ZlibDecoder::new(&body[..]), max, scratch).or_else(|_| {
                scratch.clear();
                limited(flate2::read::DeflateDecoder::new(&body[..]), max, scratch)
            })
        }
        Coding::Brotli => limited(
            brotli_decompressor::Decompressor::new(&body[..], 4096),
            max,
            scratch,
        ),
    };
    match read {
        Ok(n) if n > max => Err(Failure::new(
            ErrorClass::BodyTooLarge,
            "the decoded body exceeded the body size limit",
        )),
        Ok(n) => {
            std::mem::swap(body, scratch);
            Ok(Some(n))
        }
        Err(_) => Err(Failure::new(
            ErrorClass::MalformedResponse,
            "the body does not decode as its Content-Encoding says",
        )),
    }
}

fn limited(reader: impl Read, max: u64, out: &mut Vec<u8>) -> std::io::Result<u64> {
    reader
        .take(max.saturating_add(1))
        .read_to_end(out)
        .map(|n| n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_and_deflate_decode_and_identity_is_left_alone() {
        let text = b"hello gzip\n".repeat(100);
        let mut body = gzip(&text);
        let wire = body.len();
        let n = decode(Coding::Gzip, &mut body, &mut Vec::new(), 1 << 20).unwrap();
        assert_eq!(
            (n, body.as_slice()),
            (Some(text.len() as u64), text.as_slice())
        );
        assert!(wire < text.len());
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(b"raw deflate").unwrap();
        let mut body = raw.finish().unwrap();
        decode(Coding::Deflate, &mut body, &mut Vec::new(), 1 << 20).unwrap();
        assert_eq!(body, b"raw deflate");
        let mut body = b"plain".to_vec();
        assert_eq!(
            decode(Coding::Identity, &mut body, &mut Vec::new(), 10).unwrap(),
            None
        );
    }

    #[test]
    fn bombs_and_garbage_are_errors() {
        let mut body = gzip(&vec![0u8; 1 << 20]);
        let e = decode(Coding::Gzip, &mut body, &mut Vec::new(), 1000).unwrap_err();
        assert_eq!(e.class, ErrorClass::BodyTooLarge);
        let mut body = b"not gzip".to_vec();
        let e = decode(Coding::Gzip, &mut body, &mut Vec::new(), 1000).unwrap_err();
        assert_eq!(e.class, ErrorClass::MalformedResponse);
    }
}
