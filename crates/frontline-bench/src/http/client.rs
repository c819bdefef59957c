//! A minimal HTTP/1.1 keep-alive client: one TCP connection, one request at a time, the
//! response read just far enough to know its status and where it ends. The load generator
//! shares two cores with the server it measures, so it does as little work per request as it
//! can (no header map, no body decoding, no pool).

use std::net::SocketAddr;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Why a request got no well-formed answer; the key under which the report counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    Connect,
    Timeout,
    /// The server closed the connection before answering.
    Closed,
    Io,
    BadResponse,
}

impl Failure {
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Connect => "connect",
            Failure::Timeout => "timeout",
            Failure::Closed => "closed",
            Failure::Io => "io",
            Failure::BadResponse => "bad_response",
        }
    }
}

pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    /// The server said `Connection: close` (or sent a body delimited by closing).
    closed: bool,
}

impl Conn {
    pub async fn connect(address: SocketAddr) -> Result<Conn, Failure> {
        let stream = TcpStream::connect(address)
            .await
            .map_err(|_| Failure::Connect)?;
        stream.set_nodelay(true).map_err(|_| Failure::Connect)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
            closed: false,
        })
    }

    /// Send one complete request, given as consecutive parts (a head and a large shared body,
    /// say, written without copying them together), and read its response; the status code.
    pub async fn send(&mut self, request: &[&[u8]]) -> Result<u16, Failure> {
        for part in request {
            self.stream.write_all(part).await.map_err(|_| Failure::Io)?;
        }
        let head_end = loop {
            if let Some(at) = find(&self.buf, b"\r\n\r\n") {
                break at + 4;
            }
            self.fill().await?;
        };
        let head = &self.buf[..head_end];
        let status = parse_status(head).ok_or(Failure::BadResponse)?;
        let mut length = None;
        let mut chunked = false;
        for line in head.split(|b| *b == b'\n').skip(1) {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let Some(colon) = line.iter().position(|b| *b == b':') else {
                continue;
            };
            let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
            if name.eq_ignore_ascii_case(b"content-length") {
                length = std::str::from_utf8(value).ok().and_then(|v| v.parse().ok());
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                chunked = value.eq_ignore_ascii_case(b"chunked");
            } else if name.eq_ignore_ascii_case(b"connection") {
                self.closed |= value.eq_ignore_ascii_case(b"close");
            }
        }
        self.buf.drain(..head_end);
        if chunked {
            self.skip_chunked().await?;
        } else if let Some(length) = length {
            // Dropped as it comes: a 20 MB download never sits whole in the buffer.
            let mut remaining: usize = length;
            loop {
                let take = remaining.min(self.buf.len());
                self.buf.drain(..take);
                remaining -= take;
                if remaining == 0 {
                    break;
                }
                self.fill().await?;
            }
        } else if !(status == 204 || status == 304 || (100..200).contains(&status)) {
            // No length: the body runs until the server closes the connection.
            loop {
                match self.fill().await {
                    Ok(()) => {}
                    Err(Failure::Closed) => break,
                    Err(e) => return Err(e),
                }
            }
            self.buf.clear();
            self.closed = true;
        }
        Ok(status)
    }

    /// Whether the connection can carry another request.
    pub fn reusable(&self) -> bool {
        !self.closed
    }

    async fn fill(&mut self) -> Result<(), Failure> {
        self.buf.reserve(64 * 1024);
        match self.stream.read_buf(&mut self.buf).await {
            Ok(0) => Err(Failure::Closed),
            Ok(_) => Ok(()),
            Err(_) => Err(Failure::Io),
        }
    }

    async fn skip_chunked(&mut self) -> Result<(), Failure> {
        loop {
            let line_end = loop {
                if let Some(at) = find(&self.buf, b"\r\n") {
                    break at;
                }
                self.fill().await?;
            };
            let size_text = self.buf[..line_end]
                .split(|b| *b == b';')
                .next()
                .unwrap_or_default();
            let size = std::str::from_utf8(trim(size_text))
                .ok()
                .and_then(|s| usize::from_str_radix(s, 16).ok())
                .ok_or(Failure::BadResponse)?;
            self.buf.drain(..line_end + 2);
            if size == 0 {
                // Trailers (none expected), then the final empty line.
                loop {
                    if let Some(at) = find(&self.buf, b"\r\n") {
                        self.buf.drain(..at + 2);
                        if at == 0 {
                            return Ok(());
                        }
                    } else {
                        self.fill().await?;
                    }
                }
            }
            while self.buf.len() < size + 2 {
                self.fill().await?;
            }
            self.buf.drain(..size + 2);
        }
    }
}

/// One request on `conn` (connecting first if needed), bounded by `timeout`. A connection
/// that failed or that the server is closing is dropped, so the next request reconnects.
pub async fn exchange(
    conn: &mut Option<Conn>,
    address: SocketAddr,
    request: &[&[u8]],
    timeout: Duration,
) -> Result<u16, Failure> {
    let attempt = async {
        if conn.is_none() {
            *conn = Some(Conn::connect(address).await?);
        }
        let c = conn.as_mut().expect("connected above");
        c.send(request).await
    };
    let result = match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(Failure::Timeout),
    };
    if result.is_err() || conn.as_ref().is_some_and(|c| !c.reusable()) {
        *conn = None;
    }
    result
}

/// A request to send: its head (with any small body) built for this request, then perhaps a
/// range of a large body every request shares (an upload's bytes), so building a 20 MB upload
/// copies nothing.
pub struct Outgoing {
    pub head: Vec<u8>,
    pub shared: Option<(Arc<Vec<u8>>, Range<usize>)>,
}

impl Outgoing {
    /// The parts `exchange` writes one after the other.
    pub fn parts(&self) -> [&[u8]; 2] {
        let tail = match &self.shared {
            Some((bytes, range)) => &bytes[range.clone()],
            None => &[],
        };
        [&self.head, tail]
    }
}

impl From<Vec<u8>> for Outgoing {
    fn from(head: Vec<u8>) -> Outgoing {
        Outgoing { head, shared: None }
    }
}

/// A complete HTTP/1.1 request.
pub fn request(
    method: &str,
    host: &str,
    path: &str,
    token: Option<&str>,
    json: Option<&str>,
) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
    if let Some(token) = token {
        out.push_str("Authorization: Bearer ");
        out.push_str(token);
        out.push_str("\r\n");
    }
    match json {
        Some(body) => {
            out.push_str("Content-Type: application/json\r\nContent-Length: ");
            out.push_str(&body.len().to_string());
            out.push_str("\r\n\r\n");
            out.push_str(body);
        }
        None => out.push_str("\r\n"),
    }
    out.into_bytes()
}

fn parse_status(head: &[u8]) -> Option<u16> {
    // "HTTP/1.1 200 OK"
    if !head.starts_with(b"HTTP/1.") || head.len() < 12 {
        return None;
    }
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &bytes[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A server that answers every request with the given raw responses, in turn.
    async fn canned(responses: Vec<&'static [u8]>) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            for response in responses {
                let _ = socket.read(&mut buf).await.unwrap();
                socket.write_all(response).await.unwrap();
            }
        });
        address
    }

    #[tokio::test]
    async fn reads_length_and_chunked_bodies_on_one_connection() {
        let address = canned(vec![
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello",
            b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ])
        .await;
        let mut conn = None;
        let req = request("GET", "x", "/", None, None);
        let req: &[&[u8]] = &[req.as_slice()];
        let t = Duration::from_secs(5);
        assert_eq!(exchange(&mut conn, address, req, t).await, Ok(200));
        assert_eq!(exchange(&mut conn, address, req, t).await, Ok(201));
        assert!(conn.as_ref().unwrap().buf.is_empty());
        assert_eq!(exchange(&mut conn, address, req, t).await, Ok(404));
        assert!(conn.is_none(), "Connection: close drops the connection");
    }

    #[tokio::test]
    async fn sends_a_request_in_parts_and_reads_a_large_body_through() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let body = vec![7u8; 3 * 1024 * 1024];
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut received = Vec::new();
            while !received.ends_with(b"tail") {
                let mut buf = vec![0u8; 64 * 1024];
                let n = socket.read(&mut buf).await.unwrap();
                received.extend_from_slice(&buf[..n]);
            }
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
            socket.write_all(head.as_bytes()).await.unwrap();
            socket.write_all(&body).await.unwrap();
            received
        });
        let shared = Arc::new(b"xxbody tail".to_vec());
        let outgoing = Outgoing {
            head: b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n".to_vec(),
            shared: Some((shared, 2..11)),
        };
        let mut conn = None;
        let t = Duration::from_secs(5);
        assert_eq!(
            exchange(&mut conn, address, &outgoing.parts(), t).await,
            Ok(200)
        );
        assert!(conn.as_ref().unwrap().buf.is_empty());
        assert!(
            conn.as_ref().unwrap().buf.capacity() < 1024 * 1024,
            "the body was not kept"
        );
        let received = server.await.unwrap();
        assert!(received.ends_with(b"\r\n\r\nbody tail"), "{received:?}");
    }

    #[test]
    fn builds_requests_with_bodies() {
        let r = request("POST", "h:1", "/p", Some("t"), Some("{}"));
        assert_eq!(
            String::from_utf8(r).unwrap(),
            "POST /p HTTP/1.1\r\nHost: h:1\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        );
    }
}
