//! Splitting a bounce mailbox file into messages. A file that starts with a `From ` line is an
//! mbox (RFC 4155): each message begins at a `From ` line at the start of the file or after an
//! empty line, and the `>From ` quoting of mboxrd is undone; any other file is one message, as
//! an `.eml` file is.

/// The messages of `data`, in file order. An empty file has none.
pub fn split(data: &[u8]) -> Vec<Vec<u8>> {
    if data.iter().all(u8::is_ascii_whitespace) {
        return Vec::new();
    }
    if !data.starts_with(b"From ") {
        return vec![data.to_vec()];
    }
    let mut messages = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    let mut previous_blank = true;
    for line in data.split_inclusive(|&b| b == b'\n') {
        let blank = line.iter().all(|b| matches!(b, b'\r' | b'\n'));
        if previous_blank && line.starts_with(b"From ") {
            if let Some(message) = current.take() {
                messages.push(message);
            }
            current = Some(Vec::new());
            previous_blank = false;
            continue;
        }
        previous_blank = blank;
        let Some(message) = current.as_mut() else {
            continue;
        };
        // mboxrd quotes every body line `>*From ` with one more `>`.
        let unquoted = line
            .iter()
            .position(|&b| b != b'>')
            .is_some_and(|n| n > 0 && line[n..].starts_with(b"From "));
        message.extend_from_slice(if unquoted { &line[1..] } else { line });
    }
    messages.extend(current);
    // The empty line before the next `From ` belongs to the mbox format, not the message.
    for message in &mut messages {
        while message.ends_with(b"\n\n") || message.ends_with(b"\r\n\r\n") {
            let cut = if message.ends_with(b"\r\n") { 2 } else { 1 };
            message.truncate(message.len() - cut);
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn an_eml_file_is_one_message() {
        assert_eq!(split(b"Subject: x\n\nbody\n").len(), 1);
        assert!(split(b"\n \r\n").is_empty());
    }

    #[test]
    fn mbox_messages_split_at_from_lines_after_a_blank_line() {
        let mbox = b"From a@b Thu Dec  3 10:00:00 2026\nSubject: one\n\nhello\nFrom here on\n>From quoted\n\nFrom c@d Thu Dec  3 11:00:00 2026\nSubject: two\n\nbody\n";
        let messages = split(mbox);
        assert_eq!(messages.len(), 2);
        assert_eq!(
            String::from_utf8_lossy(&messages[0]),
            "Subject: one\n\nhello\nFrom here on\nFrom quoted\n"
        );
        assert_eq!(
            String::from_utf8_lossy(&messages[1]),
            "Subject: two\n\nbody\n"
        );
    }
}
