//! TCP sockets for the ring: creation with the options horde relies on, and errno classification.

use std::io;
use std::os::fd::IntoRawFd;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::metrics::{ErrorClass, Failure};

/// Opens a TCP socket for `addr` with TCP_NODELAY (requests leave at once) and SO_TIMESTAMPNS (the
/// kernel stamps each received segment, so completion times are exact even when the worker reads
/// them later). The socket stays blocking: io_uring polls internally, while O_NONBLOCK would make
/// it hand back -EAGAIN.
pub fn open(addr: &SockAddr) -> io::Result<i32> {
    let socket = Socket::new(
        Domain::from(i32::from(addr.family())),
        Type::STREAM.cloexec(),
        Some(Protocol::TCP),
    )?;
    socket.set_tcp_nodelay(true)?;
    let fd = socket.into_raw_fd();
    let on: libc::c_int = 1;
    // SAFETY: plain setsockopt on a socket we own, with a correctly sized int option.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPNS,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        let e = io::Error::last_os_error();
        close(fd);
        return Err(e);
    }
    Ok(fd)
}

/// Closes a socket we own.
pub fn close(fd: i32) {
    // SAFETY: `fd` is owned by the caller and not used afterwards.
    unsafe { libc::close(fd) };
}

/// Classifies a failed connect.
pub fn connect_failure(errno: i32) -> Failure {
    match errno {
        libc::ECONNREFUSED => Failure::new(ErrorClass::ConnectRefused, "connection refused"),
        libc::ETIMEDOUT => Failure::new(ErrorClass::ConnectTimeout, "connect timed out (kernel)"),
        libc::ENETUNREACH => Failure::new(ErrorClass::ConnectFailed, "network unreachable"),
        libc::EHOSTUNREACH => Failure::new(ErrorClass::ConnectFailed, "host unreachable"),
        libc::EADDRNOTAVAIL => Failure::new(ErrorClass::ConnectFailed, "no free local port"),
        libc::EMFILE | libc::ENFILE => {
            Failure::new(ErrorClass::ConnectFailed, "too many open files")
        }
        _ => Failure::new(ErrorClass::ConnectFailed, "connect failed"),
    }
}

/// Classifies a failed send or receive on an established connection.
pub fn io_failure(errno: i32, sending: bool) -> Failure {
    match errno {
        libc::ECONNRESET => Failure::new(ErrorClass::ConnectionReset, "connection reset by peer"),
        libc::EPIPE if sending => Failure::new(ErrorClass::SendFailed, "peer closed while sending"),
        libc::EPIPE => Failure::new(ErrorClass::ConnectionReset, "broken pipe"),
        libc::ETIMEDOUT => {
            Failure::new(ErrorClass::ConnectionReset, "connection timed out (kernel)")
        }
        _ if sending => Failure::new(ErrorClass::SendFailed, "send failed"),
        _ => Failure::new(ErrorClass::Io, "receive failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert_eq!(
            connect_failure(libc::ECONNREFUSED).class,
            ErrorClass::ConnectRefused
        );
        assert_eq!(
            io_failure(libc::ECONNRESET, false).class,
            ErrorClass::ConnectionReset
        );
        assert_eq!(io_failure(libc::EPIPE, true).class, ErrorClass::SendFailed);
    }

    #[test]
    fn opens_and_closes() {
        let addr = SockAddr::from("127.0.0.1:9".parse::<std::net::SocketAddr>().unwrap());
        let fd = open(&addr).unwrap();
        assert!(fd >= 0);
        close(fd);
    }
}
