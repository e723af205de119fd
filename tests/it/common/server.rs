//! Local TLS servers for interop tests: bound to 127.0.0.1 on a free port,
//! killed when dropped, and bounded in time.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub port: u16,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts `cmd` (which must listen on `port`) and waits until it accepts
    /// connections, for at most 10 seconds.
    pub fn start(mut cmd: Command, port: u16) -> Server {
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start the test server");
        let server = Server { port, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("the test server did not listen on 127.0.0.1:{port} within 10 s");
    }

    /// `openssl s_server` on 127.0.0.1 that requires a client certificate
    /// issued under `ca_file`, and answers with a status page (`-www`).
    pub fn openssl_mtls(cert: &str, key: &str, ca_file: &str) -> Server {
        let port = free_port();
        let mut cmd = super::tool("timeout");
        cmd.args(["120", "openssl", "s_server", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-cert", cert, "-key", key, "-CAfile", ca_file])
            .args([
                "-Verify",
                "4",
                "-verify_return_error",
                "-www",
                "-naccept",
                "50",
            ]);
        Server::start(cmd, port)
    }
}
