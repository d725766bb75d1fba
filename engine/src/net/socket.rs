//! TCP sockets for the ring: creation with the options horde relies on, and errno classification.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::IntoRawFd;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::metrics::{ErrorClass, Failure};

/// Opens a TCP socket for `addr` with TCP_NODELAY (requests leave at once) and SO_TIMESTAMPNS (the
/// kernel stamps each received segment, so completion times are exact even when the worker reads
/// them later). The socket stays blocking: io_uring polls internally, while O_NONBLOCK would make
/// it hand back -EAGAIN.
///
/// With a `source` address the socket is bound to it, its port left to `connect` (as
/// IP_BIND_ADDRESS_NO_PORT allows), so that each local address has the whole ephemeral port range
/// towards each destination.
pub fn open(addr: &SockAddr, source: Option<IpAddr>) -> io::Result<i32> {
    let socket = Socket::new(
        Domain::from(i32::from(addr.family())),
        Type::STREAM.cloexec(),
        Some(Protocol::TCP),
    )?;
    socket.set_tcp_nodelay(true)?;
    let fd = socket.into_raw_fd();
    let set = set_on(fd, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS).and_then(|()| match source {
        None => Ok(()),
        Some(ip) => set_on(fd, libc::IPPROTO_IP, libc::IP_BIND_ADDRESS_NO_PORT).and_then(|()| {
            let local = SockAddr::from(SocketAddr::new(ip, 0));
            // SAFETY: bind on a socket we own, with an address that lives across the call.
            match unsafe { libc::bind(fd, local.as_ptr().cast(), local.len()) } {
                0 => Ok(()),
                _ => Err(io::Error::last_os_error()),
            }
        }),
    });
    if let Err(e) = set {
        close(fd);
        return Err(e);
    }
    Ok(fd)
}

/// The local address the `n`-th new connection to `dest` takes: the sources of its family in turn
/// (none of that family, or none at all: the kernel picks).
pub fn source_for(sources: &[IpAddr], dest: &SockAddr, n: u64) -> Option<IpAddr> {
    let v4 = dest.is_ipv4();
    let matching = sources.iter().filter(|s| s.is_ipv4() == v4).count();
    if matching == 0 {
        return None;
    }
    sources
        .iter()
        .filter(|s| s.is_ipv4() == v4)
        .nth((n % matching as u64) as usize)
        .copied()
}

/// Turns an int socket option on.
fn set_on(fd: i32, level: libc::c_int, option: libc::c_int) -> io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: plain setsockopt on a socket we own, with a correctly sized int option.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            option,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
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
        libc::EADDRNOTAVAIL | libc::EADDRINUSE => {
            Failure::new(ErrorClass::NoLocalPorts, "no free local port")
        }
        libc::EMFILE => Failure::new(
            ErrorClass::TooManyOpenFiles,
            "too many open files (the process's limit)",
        ),
        libc::ENFILE => Failure::new(
            ErrorClass::TooManyOpenFiles,
            "too many open files (the system's limit)",
        ),
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
        assert_eq!(
            connect_failure(libc::EMFILE).class,
            ErrorClass::TooManyOpenFiles
        );
        assert_eq!(
            connect_failure(libc::EADDRNOTAVAIL).class,
            ErrorClass::NoLocalPorts
        );
    }

    #[test]
    fn opens_and_closes() {
        let addr = SockAddr::from("127.0.0.1:9".parse::<std::net::SocketAddr>().unwrap());
        let fd = open(&addr, None).unwrap();
        assert!(fd >= 0);
        close(fd);
        let from = "127.0.0.3".parse().unwrap();
        let fd = open(&addr, Some(from)).unwrap();
        close(fd);
    }
}
