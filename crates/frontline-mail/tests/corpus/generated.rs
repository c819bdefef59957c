//! The corpus messages too big to commit, built on each run. Each is named in `EXPECTED` as
//! `@name`; `build` makes its bytes.

use std::fmt::Write;

/// Every generated case, for the manifest check that none is left without an expectation.
pub const NAMES: &[&str] = &[
    "attachment-30mb",
    "base64-zeros-18mb",
    "text-one-line-20mb",
    "mime-nesting-100",
    "mime-nesting-5000",
    "rfc822-nesting-100",
    "rfc822-nesting-5000",
    "rfc2231-continuations-50000",
    "subject-broken-encoded-words-100000",
    "rfc822-base64-nesting-12",
    "to-10000-recipients",
    "references-10000",
    "subject-encoded-words-1mb",
    "attachments-2000",
    "empty-parts-100000",
    "headers-50000",
    "html-nested-divs-1mb",
    "dsn-100000-failed",
];

pub fn build(name: &str) -> Option<Vec<u8>> {
    let message = match name {
        // Over the 25 MB limit: refused before any parsing.
        "attachment-30mb" => with_attachment(30 * 1024 * 1024, b'x'),
        // The nearest mail gets to a decompression bomb: a part that decodes to many MB of
        // zeros. Base64 only shrinks (4 to 3), so it stays under the limit it came in with.
        "base64-zeros-18mb" => with_attachment(18 * 1024 * 1024, 0),
        "text-one-line-20mb" => {
            let mut m = headers("one 20 MB line of text");
            m.push_str("Content-Type: text/plain\r\n\r\n");
            m.push_str(&"a".repeat(20 * 1024 * 1024));
            m.push_str("\r\n");
            m
        }
        "mime-nesting-100" => nested_multipart(100),
        "mime-nesting-5000" => nested_multipart(5000),
        "rfc822-nesting-100" => {
            let mut inner =
                String::from("From: core@example.org\r\nSubject: core\r\n\r\ncore text\r\n");
            for level in 0..100 {
                inner = format!(
                    "From: l{level}@example.org\r\nSubject: level {level}\r\n\
                     Content-Type: multipart/mixed; boundary=\"r{level}\"\r\n\r\n\
                     --r{level}\r\nContent-Type: text/plain\r\n\r\nlevel {level}\r\n\
                     --r{level}\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--r{level}--\r\n"
                );
            }
            let mut m = headers("100 forwards deep");
            m.push_str(
                "Content-Type: multipart/mixed; boundary=top\r\n\r\n\
                 --top\r\nContent-Type: text/plain\r\n\r\nforwarding a forward\r\n\
                 --top\r\nContent-Type: message/rfc822\r\n\r\n",
            );
            m.push_str(&inner);
            m.push_str("\r\n--top--\r\n");
            m
        }
        "rfc822-nesting-5000" => {
            let mut m = headers("5000 forwards deep");
            m.push_str(
                "Content-Type: multipart/mixed; boundary=top\r\n\r\n\
                 --top\r\nContent-Type: text/plain\r\n\r\nforwarding a forward\r\n\
                 --top\r\nContent-Type: message/rfc822\r\n\r\n",
            );
            for level in 0..5000 {
                let _ = write!(
                    m,
                    "From: l{level}@example.org\r\nContent-Type: message/rfc822\r\n\r\n"
                );
            }
            m.push_str("From: core@example.org\r\n\r\ncore\r\n--top--\r\n");
            m
        }
        "rfc2231-continuations-50000" => {
            let mut m = headers("a file name in fifty thousand pieces");
            m.push_str(
                "Content-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n\
                        Content-Type: text/plain\r\n\r\nattached\r\n--c\r\n\
                        Content-Type: application/octet-stream\r\nContent-Disposition: attachment",
            );
            for i in (0..50_000).rev() {
                let _ = write!(m, ";\r\n filename*{i}*=utf-8''%41");
            }
            m.push_str("\r\n\r\ndata\r\n--c--\r\n");
            m
        }
        "subject-broken-encoded-words-100000" => {
            let mut m = envelope();
            m.push_str("Subject: ");
            m.push_str(&"=?utf-8?q?".repeat(100_000));
            m.push_str("\r\nFrom: =?");
            m.push_str(&"=?x?".repeat(50_000));
            m.push_str(" <a@example.org>\r\n\r\nBody.\r\n");
            m
        }
        "rfc822-base64-nesting-12" => {
            let mut inner = b"From: core@example.org\r\nSubject: core\r\n\r\ncore\r\n".to_vec();
            for level in 0..12 {
                let mut m = format!(
                    "From: l{level}@example.org\r\nSubject: level {level}\r\n\
                     Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n\
                     Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                );
                m.push_str(&base64_lines(&inner));
                let _ = write!(m, "\r\n--b{level}--\r\n");
                inner = m.into_bytes();
            }
            let mut m = headers("12 base64 forwards deep");
            m.push_str("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n");
            m.push_str(&base64_lines(&inner));
            m
        }
        "to-10000-recipients" => {
            let mut m = envelope_without_to();
            m.push_str("To: ");
            for i in 0..10_000 {
                if i > 0 {
                    m.push_str(",\r\n ");
                }
                let _ = write!(m, "\"Person {i}\" <person{i}@example.org>");
            }
            m.push_str("\r\nSubject: ten thousand recipients\r\n\r\nHello all.\r\n");
            m
        }
        "references-10000" => {
            let mut m = headers("ten thousand references");
            m.push_str("In-Reply-To: ");
            for i in 0..10_000 {
                let _ = write!(m, "<irt-{i}@example.org> ");
            }
            m.push_str("\r\nReferences:");
            for i in 0..10_000 {
                let _ = write!(m, "\r\n <ref-{i}@example.org>");
            }
            m.push_str("\r\n\r\nBody.\r\n");
            m
        }
        "subject-encoded-words-1mb" => {
            let mut m = envelope();
            m.push_str("Subject:");
            // "Hello\r\nBcc: x" in every word: none of it may start a header line.
            for _ in 0..25_000 {
                m.push_str(" =?utf-8?B?SGVsbG8NCkJjYzogeA==?=\r\n");
            }
            m.push_str("\r\nBody.\r\n");
            m
        }
        "attachments-2000" => {
            let mut m = headers("two thousand attachments");
            m.push_str("Content-Type: multipart/mixed; boundary=a\r\n\r\n");
            m.push_str("--a\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n");
            for i in 0..2000 {
                let _ = write!(
                    m,
                    "--a\r\nContent-Type: application/octet-stream\r\n\
                     Content-Disposition: attachment; filename=\"file-{i}.bin\"\r\n\r\n{i}\r\n"
                );
            }
            m.push_str("--a--\r\n");
            m
        }
        "empty-parts-100000" => {
            let mut m = headers("a hundred thousand empty parts");
            m.push_str("Content-Type: multipart/mixed; boundary=e\r\n\r\n");
            m.push_str(&"--e\r\n".repeat(100_000));
            m.push_str("--e\r\nContent-Type: text/plain\r\n\r\nthe text\r\n--e--\r\n");
            m
        }
        "headers-50000" => {
            let mut m = envelope();
            for i in 0..50_000 {
                let _ = write!(m, "X-Header-{i}: value {i}\r\n");
            }
            m.push_str("Subject: fifty thousand headers\r\n\r\nBody.\r\n");
            m
        }
        "html-nested-divs-1mb" => {
            let mut m = headers("deeply nested HTML");
            m.push_str("Content-Type: text/html; charset=utf-8\r\n\r\n");
            m.push_str(&"<div>".repeat(100_000));
            m.push_str("deep text");
            m.push_str(&"</div>".repeat(100_000));
            m.push_str("<script type=\"text/javascript\">alert(1)</script>\r\n");
            m
        }
        "dsn-100000-failed" => {
            let mut m = envelope_without_to();
            m.push_str(
                "To: support@example.com\r\nSubject: Undelivered Mail\r\n\
                 Content-Type: multipart/report; report-type=delivery-status; boundary=d\r\n\r\n\
                 --d\r\nContent-Type: text/plain\r\n\r\nfailed\r\n\
                 --d\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n",
            );
            for i in 0..100_000 {
                let _ = write!(
                    m,
                    "Final-Recipient: rfc822; r{i}@example.org\r\nAction: failed\r\n\r\n"
                );
            }
            m.push_str("--d--\r\n");
            m
        }
        _ => return None,
    };
    Some(message.into_bytes())
}

fn envelope_without_to() -> String {
    "From: Generator <generator@example.org>\r\n\
     Date: Fri, 11 Dec 2026 12:00:00 +0000\r\n\
     Message-ID: <generated@example.org>\r\nMIME-Version: 1.0\r\n"
        .to_owned()
}

fn envelope() -> String {
    envelope_without_to() + "To: support@example.com\r\n"
}

fn headers(subject: &str) -> String {
    format!("{}Subject: {subject}\r\n", envelope())
}

fn with_attachment(bytes: usize, fill: u8) -> String {
    let mut m = headers("one big attachment");
    m.push_str("Content-Type: multipart/mixed; boundary=big\r\n\r\n");
    m.push_str("--big\r\nContent-Type: text/plain\r\n\r\nThe file is attached.\r\n");
    m.push_str(
        "--big\r\nContent-Type: application/octet-stream; name=\"big.bin\"\r\n\
         Content-Disposition: attachment; filename=\"big.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n",
    );
    // `bytes` of one value encode as one repeated line, far faster than encoding them.
    let line = base64_lines(&[fill; 57]) + "\r\n";
    m.push_str(&line.repeat(bytes / 57));
    m.push_str("--big--\r\n");
    m
}

fn nested_multipart(levels: usize) -> String {
    let mut m = headers(&format!("{levels} levels of multipart"));
    for level in 0..levels {
        let _ = write!(
            m,
            "Content-Type: multipart/mixed; boundary=\"n{level}\"\r\n\r\n--n{level}\r\n"
        );
    }
    m.push_str("Content-Type: text/plain\r\n\r\ndeep text\r\n");
    for level in (0..levels).rev() {
        let _ = write!(m, "--n{level}--\r\n");
    }
    m
}

/// Base64 in 76-character lines, written here so the test needs no encoder crate.
fn base64_lines(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len() / 3 * 4 + bytes.len() / 57 * 2 + 8);
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for (j, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if j <= chunk.len() {
                out.push(ALPHABET[(n >> shift & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
