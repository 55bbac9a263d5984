//! The server's stdio transport: `lsp-server`'s, but with a limit on the size a message may
//! claim. Its own reader allocates whatever `Content-Length` says, so one bad header from the
//! peer (`99999999999999`) would abort the process; here such a message ends the session with
//! an error instead, and the process exits with 1.

use std::io::{self, BufRead, Write};
use std::thread::JoinHandle;

use crossbeam_channel::bounded;
use lsp_server::{Connection, Message};

/// The largest message accepted: far above any rule file an editor sends.
pub const MAX_MESSAGE: usize = 64 << 20;

/// The reader and writer threads; joined after the session ends.
pub struct Threads {
    reader: JoinHandle<io::Result<()>>,
    writer: JoinHandle<io::Result<()>>,
}

impl Threads {
    pub fn join(self) -> io::Result<()> {
        let reader = self
            .reader
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the reader panicked")));
        let writer = self
            .writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer panicked")));
        reader.and(writer)
    }
}

/// Reads one framed message's bytes (headers and body) from `input`, checking the length;
/// `None` at the end of the input.
pub fn read_framed(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut framed = Vec::new();
    let mut length = None;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return if framed.is_empty() {
                Ok(None)
            } else {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the input ended inside a message header",
                ))
            };
        }
        framed.extend_from_slice(line.as_bytes());
        if line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                let n: usize = value.trim().parse().map_err(|_| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("Content-Length `{}` is not a number", value.trim()),
                    )
                })?;
                if n > MAX_MESSAGE {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("a message of {n} bytes is over the limit of {MAX_MESSAGE}"),
                    ));
                }
                length = Some(n);
            }
        }
    }
    let n = length.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "a message has no Content-Length",
        )
    })?;
    let start = framed.len();
    framed.resize(start + n, 0);
    input.read_exact(&mut framed[start..])?;
    Ok(Some(framed))
}

/// A connection over stdin and stdout.
pub fn stdio() -> (Connection, Threads) {
    let (to_editor, outgoing) = bounded::<Message>(0);
    let (incoming, from_editor) = bounded::<Message>(0);
    let writer = std::thread::spawn(move || {
        let mut stdout = io::stdout().lock();
        for message in outgoing {
            message.write(&mut stdout)?;
            stdout.flush()?;
        }
        Ok(())
    });
    let reader = std::thread::spawn(move || {
        let mut stdin = io::stdin().lock();
        while let Some(framed) = read_framed(&mut stdin)? {
            let Some(message) = Message::read(&mut framed.as_slice())? else {
                return Ok(());
            };
            let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
            if incoming.send(message).is_err() || exit {
                return Ok(());
            }
        }
        Ok(())
    });
    (
        Connection {
            sender: to_editor,
            receiver: from_editor,
        },
        Threads { reader, writer },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_over_the_limit_or_without_a_length_is_an_error_not_an_allocation() {
        let ok = b"Content-Length: 2\r\n\r\n{}";
        assert_eq!(read_framed(&mut &ok[..]).unwrap().unwrap(), ok.to_vec());
        let huge = b"Content-Length: 99999999999999\r\n\r\n{}";
        assert!(read_framed(&mut &huge[..])
            .unwrap_err()
            .to_string()
            .contains("over the limit"));
        let max = b"Content-Length: 18446744073709551615\r\n\r\n";
        assert!(read_framed(&mut &max[..]).is_err());
        let none = b"Content-Type: x\r\n\r\n{}";
        assert!(read_framed(&mut &none[..]).is_err());
        assert!(read_framed(&mut &b""[..]).unwrap().is_none());
    }
}
