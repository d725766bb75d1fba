//! Reading a log ahead of the parser, on a thread of its own: it fills big buffers with whole
//! lines (inflating gzip there too) and hands them over a bounded channel, so the kernel's copy
//! and the inflating overlap with parsing; emptied buffers come back to be refilled. Memory stays
//! bounded: a few buffers of [`CHUNK`] bytes, longer only to hold a line longer than that.

use std::io::{self, Read};

use crossbeam_channel::{bounded, Receiver, Sender};

/// Bytes read per chunk (plus the start of a line the previous chunk cut).
const CHUNK: usize = 1 << 20;
/// Chunks read ahead of the parser.
const AHEAD: usize = 2;

/// Calls `each` with successive runs of whole lines read from `source` (the last may lack its
/// final newline), in order; stops at the first error, `each`'s or a read's (`io_error` says
/// which file).
pub fn for_each_chunk<E>(
    source: Box<dyn Read + Send>,
    io_error: impl Fn(io::Error) -> E,
    mut each: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E> {
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = bounded(AHEAD);
        let (empty_tx, empty_rx) = bounded(AHEAD + 2);
        std::thread::Builder::new()
            .name("horde-log-reader".into())
            .spawn_scoped(scope, move || fill(source, &full_tx, &empty_rx))
            .map_err(&io_error)?;
        // Returning drops both channel ends here, which ends the reader if it is still going.
        for chunk in full_rx {
            let (buf, len) = chunk.map_err(&io_error)?;
            each(&buf[..len])?;
            let _recycled = empty_tx.try_send(buf);
        }
        Ok(())
    })
}

/// A buffer and how many of its first bytes hold lines (the rest is room, already zeroed, so
/// that refilling a recycled buffer does not zero it again).
type Chunk = (Vec<u8>, usize);

/// The reader thread: fills buffers (recycled ones when the parser has returned some) with about
/// [`CHUNK`] bytes, cut after their last newline, until the end of `source`, a read error (sent
/// on), or the parser hanging up.
fn fill(
    mut source: Box<dyn Read + Send>,
    full: &Sender<io::Result<Chunk>>,
    empty: &Receiver<Vec<u8>>,
) {
    let mut carry = Vec::new();
    loop {
        let mut buf = empty.try_recv().unwrap_or_default();
        if buf.len() < carry.len() {
            buf.resize(carry.len(), 0);
        }
        buf[..carry.len()].copy_from_slice(&carry);
        let mut len = carry.len();
        carry.clear();
        // Read on until the buffer holds a newline (a line may be longer than a chunk).
        let end = loop {
            let from = len;
            match read_more(&mut source, &mut buf, &mut len, CHUNK) {
                Ok(true) => break true,
                Ok(false) => {}
                Err(e) => {
                    let _ = full.send(Err(e));
                    return;
                }
            }
            if let Some(at) = memchr::memrchr(b'\n', &buf[from..len]) {
                carry.extend_from_slice(&buf[from + at + 1..len]);
                len = from + at + 1;
                break false;
            }
        };
        if len > 0 && full.send(Ok((buf, len))).is_err() {
            return;
        }
        if end {
            return;
        }
    }
}

/// Reads up to `n` more bytes from `source` into `buf` after its first `len`, counting them in
/// `len`; true at the end of `source`.
fn read_more(
    source: &mut dyn Read,
    buf: &mut Vec<u8>,
    len: &mut usize,
    n: usize,
) -> io::Result<bool> {
    let target = *len + n;
    if buf.len() < target {
        buf.resize(target, 0);
    }
    while *len < target {
        match source.read(&mut buf[*len..target]) {
            Ok(0) => return Ok(true),
            Ok(read) => *len += read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that hands out at most `step` bytes per read.
    struct Trickle(Vec<u8>, usize, usize);

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = out.len().min(self.1).min(self.0.len() - self.2);
            out[..n].copy_from_slice(&self.0[self.2..self.2 + n]);
            self.2 += n;
            Ok(n)
        }
    }

    fn chunks(text: &[u8], step: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let source = Box::new(Trickle(text.to_vec(), step, 0));
        for_each_chunk(
            source,
            |e| e,
            |c| {
                out.push(c.to_vec());
                Ok(())
            },
        )
        .unwrap();
        out
    }

    #[test]
    fn chunks_hold_whole_lines_and_add_up_to_the_file() {
        let mut text = Vec::new();
        for i in 0..200_000 {
            text.extend_from_slice(format!("line {i} {}\n", "x".repeat(i % 97)).as_bytes());
        }
        text.extend_from_slice(b"a last line without its newline");
        for step in [7, 65_536, usize::MAX] {
            let got = chunks(&text, step);
            assert!(got.len() > 2);
            assert!(got[..got.len() - 1].iter().all(|c| c.ends_with(b"\n")));
            assert_eq!(got.concat(), text);
        }
    }

    #[test]
    fn a_line_longer_than_a_chunk_stays_whole() {
        let long = vec![b'y'; 3 * CHUNK + 5];
        let text = [b"short\n".as_slice(), &long, b"\nend\n"].concat();
        let got = chunks(&text, usize::MAX);
        assert_eq!(got.concat(), text);
        assert!(got.iter().any(|c| c.len() > 3 * CHUNK));
        assert!(got.iter().all(|c| c.ends_with(b"\n")));
    }

    #[test]
    fn errors_stop_the_reading() {
        let text = b"a\n".repeat(CHUNK);
        let mut seen = 0;
        let stopped = for_each_chunk(
            Box::new(Trickle(text, usize::MAX, 0)),
            |e| e.to_string(),
            |_| {
                seen += 1;
                Err("enough".to_string())
            },
        );
        assert_eq!((stopped, seen), (Err("enough".to_string()), 1));
    }
}
