//! A transport that writes each email as `<message-id>.eml` into a folder, for development,
//! previews and audits. Files appear atomically (written under a temporary name, then renamed),
//! so a reader never sees half a message and a retried send simply replaces the same file.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::message::OutgoingEmail;
use super::transport::{SendError, Transport};

/// Writes emails into a folder.
#[derive(Debug, Clone)]
pub struct FileTransport {
    dir: PathBuf,
}

impl FileTransport {
    /// A transport writing into `dir`, which is created if missing.
    pub fn new(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(FileTransport {
            dir: dir.to_path_buf(),
        })
    }

    /// The file an email with this Message-ID is written to.
    pub fn path_for(&self, message_id: &str) -> PathBuf {
        self.dir.join(format!("{}.eml", file_stem(message_id)))
    }
}

/// The Message-ID without angle brackets, with anything unsafe in a file name replaced.
fn file_stem(message_id: &str) -> String {
    message_id
        .trim_matches(|c| c == '<' || c == '>')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Transport for FileTransport {
    fn send(&self, msg: &OutgoingEmail) -> Result<(), SendError> {
        let target = self.path_for(msg.message_id());
        let temp = self
            .dir
            .join(format!(".{}.tmp", file_stem(msg.message_id())));
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&temp)?;
            file.write_all(&msg.formatted())?;
            file.sync_all()?;
            std::fs::rename(&temp, &target)
        };
        // A full or unwritable disk may recover, so the sender retries rather than gives up.
        write().map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            SendError::transient(format!("cannot write {}: {e}", target.display()))
        })
    }
}
