//! Building the configured sender: the transport `[mail] transport` names, the message defaults
//! and the delivery settings. `segflow send` and the daemon's sender thread share it, so both
//! deliver exactly alike.

use super::config::{MailConfig, TransportKind};
use super::{FileTransport, MessageDefaults, Sender, SmtpTransport, Transport};

/// The boxed transport type every configured sender uses.
pub type AnyTransport = Box<dyn Transport + Sync>;

/// The sender `mail` describes; `Err` names the setting to fix.
pub fn configured_sender(mail: &MailConfig) -> Result<Sender<AnyTransport>, String> {
    let defaults = MessageDefaults::from_config(mail)
        .map_err(|e| format!("[mail] in the config: {e}; fix the setting and retry"))?;
    let transport: AnyTransport = match mail.transport {
        TransportKind::Smtp => Box::new(
            SmtpTransport::from_config(&mail.smtp)
                .map_err(|e| format!("[mail.smtp] in the config: {e}"))?,
        ),
        TransportKind::File => Box::new(FileTransport::new(&mail.file.dir).map_err(|e| {
            format!(
                "cannot create the mail folder {}: {e}; set [mail.file] dir to a writable folder",
                mail.file.dir.display()
            )
        })?),
    };
    Ok(Sender::new(transport, defaults, mail.delivery.clone()))
}
