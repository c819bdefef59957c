//! The mail stack itself: it starts, answers on all four ports with the right greetings, and
//! leaves nothing behind. Skips where the stack cannot run (see `MailStack::start`).

use std::time::Duration;

use frontline_test_support::MailStack;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;

async fn greeting(port: u16) -> String {
    let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(5),
        BufReader::new(stream).read_line(&mut line),
    )
    .await
    .expect("a greeting within 5 s")
    .unwrap();
    line
}

#[tokio::test]
async fn a_mail_stack_greets_on_its_plain_ports_and_is_gone_after_drop() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    eprintln!("mail stack up in {:?}", stack.startup);
    assert!(greeting(stack.imap_port).await.starts_with("* OK"));
    assert!(greeting(stack.smtp_port).await.starts_with("220 "));
    // The TLS ports accept connections; the TLS clients' tests speak to them.
    for port in [stack.imaps_port, stack.smtps_port] {
        TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    }
    assert!(
        stack
            .tls_cert_pem()
            .starts_with(b"-----BEGIN CERTIFICATE-----")
    );
    assert_eq!(stack.address("support"), "support@example.test");

    let dir = stack.dir().to_owned();
    let ports = [
        stack.imap_port,
        stack.smtp_port,
        stack.imaps_port,
        stack.smtps_port,
    ];
    drop(stack);
    assert!(!dir.exists(), "{} is left behind", dir.display());
    for port in ports {
        assert!(
            TcpStream::connect(("127.0.0.1", port)).await.is_err(),
            "port {port} still answers"
        );
    }
}
