//! `segflow lsp`: a language server (LSP 3.17 over stdio) for `rules/*.yaml`,
//! `workflows/*.yaml` and `segflow.toml`, so the editor a merchant writes rules in shows
//! `segflow check`'s problems as they type, completes the language's names and the shop's own
//! (segments, templates, attributes and event types seen in the store), explains a name on
//! hover, jumps from `in_segment("…")` and `send:` to their files, and applies "did you mean".
//!
//! Built on `lsp-server` and `lsp-types` (rust-analyzer's synchronous scaffold): the checks are
//! synchronous library calls, so a blocking message loop on one thread is all a server needs,
//! without an async runtime beside it.

mod complete;
mod docs;
mod navigate;
mod position;
mod transport;
mod workspace;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, GotoDefinition, HoverRequest, Request as _,
};
use lsp_types::{
    CodeActionParams, CodeActionProviderCapability, CompletionOptions, CompletionParams,
    Diagnostic, DiagnosticSeverity, GotoDefinitionParams, GotoDefinitionResponse, HoverParams,
    HoverProviderCapability, InitializeParams, Location, NumberOrString, OneOf,
    PublishDiagnosticsParams, Range, ServerCapabilities, TextDocumentPositionParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};

use crate::dsl::diagnostic::FileDiagnostic;
use workspace::{Checked, Workspace};

/// Why the server stopped.
#[derive(Debug, thiserror::Error)]
pub enum LspError {
    #[error("the language server protocol: {0}")]
    Protocol(#[from] lsp_server::ProtocolError),
    #[error("a message could not be read: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the connection to the editor closed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the connection to the editor closed")]
    Closed,
    #[error("the editor sent exit without shutdown")]
    NoShutdown,
}

/// Serves the editor on stdin and stdout until it shuts the server down. `cwd` is the
/// repository when the editor names no workspace root.
pub fn serve(cwd: &Path) -> Result<(), LspError> {
    let (connection, io) = transport::stdio();
    let session = session(&connection, cwd);
    drop(connection);
    match session {
        // The session ended on the protocol (the channel closed: the reader stopped, on a
        // message over the size limit or a cut-off header, say); the reader's error says why.
        // The reader has stopped then, so joining it cannot wait for the editor.
        Ok(()) | Err(LspError::Protocol(_)) => match io.join() {
            Err(e) => Err(LspError::Io(e)),
            Ok(()) => session,
        },
        // Any other error: the reader may still wait on the editor's input; the process exits.
        Err(e) => Err(e),
    }
}

fn session(connection: &Connection, cwd: &Path) -> Result<(), LspError> {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "\"".into(), " ".into()]),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    };
    let init = connection.initialize(serde_json::to_value(capabilities)?)?;
    let init: InitializeParams = serde_json::from_value(init)?;
    let root = root_of(&init).unwrap_or_else(|| cwd.to_path_buf());
    let mut server = Server {
        ws: Workspace::new(root, Default::default()),
        published: BTreeSet::new(),
        checked: Checked::default(),
        connection,
    };
    server.publish()?;
    // A message read while coalescing notifications, handled next.
    let mut pending: Option<Message> = None;
    loop {
        let message = match pending.take() {
            Some(m) => m,
            None => match connection.receiver.recv() {
                Ok(m) => m,
                Err(_) => break,
            },
        };
        match message {
            Message::Request(req) => {
                if connection.handle_shutdown(&req)? {
                    break;
                }
                server.request(req)?;
            }
            // `exit` before `shutdown` (after it, `handle_shutdown` takes it): exit code 1.
            Message::Notification(n) if n.method == "exit" => return Err(LspError::NoShutdown),
            Message::Notification(n) => {
                // The changes already waiting (a burst of keystrokes) are applied first, so
                // one check answers them all instead of one check per keystroke.
                let mut changed = server.notification(n);
                while let Ok(next) = connection.receiver.try_recv() {
                    match next {
                        Message::Notification(n) if n.method != "exit" => {
                            changed |= server.notification(n)
                        }
                        other => {
                            pending = Some(other);
                            break;
                        }
                    }
                }
                if changed {
                    server.publish()?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

#[allow(deprecated)]
fn root_of(init: &InitializeParams) -> Option<PathBuf> {
    let folder = init
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| f.uri.clone());
    folder
        .or_else(|| init.root_uri.clone())
        .and_then(|u| path_of(&u))
}

fn path_of(uri: &Uri) -> Option<PathBuf> {
    let path = url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()?;
    Some(workspace::real(&path))
}

fn uri_of(path: &Path) -> Option<Uri> {
    let url = url::Url::from_file_path(path).ok()?;
    Uri::from_str(url.as_str()).ok()
}

struct Server<'a> {
    ws: Workspace,
    /// The files that have problems published, to clear them once fixed.
    published: BTreeSet<PathBuf>,
    /// The last check of everything, made when a document changed; requests read it rather
    /// than checking again at every keystroke's completion.
    checked: Checked,
    connection: &'a Connection,
}

/// One check's problem in the editor's terms.
fn diagnostic(d: &FileDiagnostic) -> Diagnostic {
    let range = d.diagnostic.span.map_or_else(Range::default, |s| {
        position::range(&d.file.text, s.start, s.end.max(s.start))
    });
    let mut message = d.diagnostic.message.clone();
    if let Some(help) = &d.diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    Diagnostic {
        range,
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String(d.diagnostic.code.as_str().into())),
        source: Some("segflow".into()),
        message,
        ..Diagnostic::default()
    }
}

impl Server<'_> {
    fn send(&self, message: Message) -> Result<(), LspError> {
        self.connection
            .sender
            .send(message)
            .map_err(|_| LspError::Closed)
    }

    /// Checks everything and publishes every file's problems, clearing the fixed ones.
    fn publish(&mut self) -> Result<(), LspError> {
        let checked = self.ws.check();
        let mut by_file: std::collections::BTreeMap<PathBuf, Vec<Diagnostic>> = Default::default();
        for d in &checked.diagnostics {
            by_file
                .entry(PathBuf::from(&d.file.name))
                .or_default()
                .push(diagnostic(d));
        }
        let config = self.ws.root.join("segflow.toml");
        if let Some(d) = self.config_problem(&config) {
            by_file.entry(config).or_default().push(d);
        }
        let now: BTreeSet<PathBuf> = by_file.keys().cloned().collect();
        for cleared in self.published.difference(&now) {
            by_file.entry(cleared.clone()).or_default();
        }
        for (path, diagnostics) in by_file {
            let Some(uri) = uri_of(&path) else { continue };
            let params = PublishDiagnosticsParams::new(uri, diagnostics, None);
            self.send(Message::Notification(Notification::new(
                PublishDiagnostics::METHOD.into(),
                params,
            )))?;
        }
        self.published = now;
        self.checked = checked;
        Ok(())
    }

    /// A problem of `segflow.toml` as the editor has it, located where the TOML reader says.
    fn config_problem(&self, path: &Path) -> Option<Diagnostic> {
        let text = self.ws.text(path)?;
        let Err(error) = toml::from_str::<crate::config::Config>(&text) else {
            // Read well, but refused on loading (a value out of range): shown on the file.
            return self.ws.config_error.as_ref().map(|message| Diagnostic {
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some("segflow".into()),
                message: message.clone(),
                ..Diagnostic::default()
            });
        };
        let range = error
            .span()
            .map_or_else(Range::default, |s| position::range(&text, s.start, s.end));
        Some(Diagnostic {
            range,
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some("segflow".into()),
            message: error.message().to_string(),
            ..Diagnostic::default()
        })
    }

    /// Applies a notification; whether it changed a file, so the problems must be published.
    fn notification(&mut self, n: Notification) -> bool {
        let changed = match self.apply(&n.method, n.params) {
            Ok(changed) => changed,
            Err(e) => {
                // A notification has no answer: a malformed one is logged and dropped.
                eprintln!("segflow lsp: ignored a malformed {}: {e}", n.method);
                None
            }
        };
        let Some(path) = changed else {
            return false;
        };
        if path.file_name().is_some_and(|f| f == "segflow.toml") {
            // The folders may have moved: read the configuration again, keeping the docs.
            let docs = std::mem::take(&mut self.ws.docs);
            self.ws = Workspace::new(self.ws.root.clone(), docs);
        }
        true
    }

    /// Applies a notification to the open documents; the file it changed, if any.
    fn apply(
        &mut self,
        method: &str,
        params: serde_json::Value,
    ) -> Result<Option<PathBuf>, serde_json::Error> {
        let n = Notification::new(method.to_string(), params);
        Ok(match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let p: lsp_types::DidOpenTextDocumentParams = serde_json::from_value(n.params)?;
                path_of(&p.text_document.uri).inspect(|path| {
                    self.ws.docs.insert(path.clone(), p.text_document.text);
                })
            }
            DidChangeTextDocument::METHOD => {
                let p: lsp_types::DidChangeTextDocumentParams = serde_json::from_value(n.params)?;
                // Full sync: the last change holds the whole text.
                match (
                    path_of(&p.text_document.uri),
                    p.content_changes.into_iter().last(),
                ) {
                    (Some(path), Some(change)) => {
                        self.ws.docs.insert(path.clone(), change.text);
                        Some(path)
                    }
                    _ => None,
                }
            }
            DidCloseTextDocument::METHOD => {
                let p: lsp_types::DidCloseTextDocumentParams = serde_json::from_value(n.params)?;
                path_of(&p.text_document.uri).inspect(|path| {
                    self.ws.docs.remove(path);
                })
            }
            DidSaveTextDocument::METHOD => {
                let p: lsp_types::DidSaveTextDocumentParams = serde_json::from_value(n.params)?;
                path_of(&p.text_document.uri)
            }
            _ => None,
        })
    }

    fn request(&mut self, req: Request) -> Result<(), LspError> {
        let id = req.id.clone();
        let method = req.method.clone();
        let response = match self.answer(req) {
            Ok(Some(result)) => Response::new_ok(id, result),
            Ok(None) => Response::new_err(
                id,
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("segflow lsp does not answer {method}"),
            ),
            Err(e) => Response::new_err(
                id,
                lsp_server::ErrorCode::InvalidParams as i32,
                format!("the parameters of {method} are not valid: {e}"),
            ),
        };
        self.send(Message::Response(response))
    }

    /// The result of a request; `None` for a method the server does not answer.
    fn answer(&mut self, req: Request) -> Result<Option<serde_json::Value>, serde_json::Error> {
        Ok(Some(match req.method.as_str() {
            Completion::METHOD => {
                let p: CompletionParams = serde_json::from_value(req.params)?;
                serde_json::to_value(self.completion(&p.text_document_position))?
            }
            HoverRequest::METHOD => {
                let p: HoverParams = serde_json::from_value(req.params)?;
                let target = self.target(&p.text_document_position_params);
                let store = self.ws.store();
                let hover = target.and_then(|t| {
                    navigate::hover(&t, &self.checked, &self.ws.paths.templates, store.as_ref())
                });
                serde_json::to_value(hover)?
            }
            GotoDefinition::METHOD => {
                let p: GotoDefinitionParams = serde_json::from_value(req.params)?;
                let target = self.target(&p.text_document_position_params);
                let location = target
                    .and_then(|t| {
                        navigate::definition(
                            &t,
                            &self.checked,
                            &self.ws.paths.rules,
                            &self.ws.paths.templates,
                        )
                    })
                    .and_then(|path| uri_of(&path))
                    .map(|uri| {
                        GotoDefinitionResponse::Scalar(Location::new(uri, Range::default()))
                    });
                serde_json::to_value(location)?
            }
            CodeActionRequest::METHOD => {
                let p: CodeActionParams = serde_json::from_value(req.params)?;
                let path = path_of(&p.text_document.uri);
                let mine: Vec<&FileDiagnostic> = self
                    .checked
                    .diagnostics
                    .iter()
                    .filter(|d| path.as_deref() == Some(Path::new(&d.file.name)))
                    .collect();
                serde_json::to_value(navigate::fixes(&mine, &p.range, &p.text_document.uri))?
            }
            _ => return Ok(None),
        }))
    }

    /// The document's text and the byte offset of a position in it.
    fn at(&self, p: &TextDocumentPositionParams) -> Option<(String, usize)> {
        let path = path_of(&p.text_document.uri)?;
        let text = self.ws.text(&path)?;
        let offset = position::offset(&text, p.position);
        Some((text, offset))
    }

    fn target(&self, p: &TextDocumentPositionParams) -> Option<navigate::Target> {
        self.at(p)
            .and_then(|(text, at)| navigate::target(&text, at))
    }

    fn completion(&self, p: &TextDocumentPositionParams) -> Vec<lsp_types::CompletionItem> {
        let Some((text, at)) = self.at(p) else {
            return Vec::new();
        };
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let segments: Vec<(String, String)> = self
            .checked
            .segments
            .as_ref()
            .map(|set| {
                set.segments
                    .iter()
                    .map(|s| (s.name.clone(), s.description.clone()))
                    .collect()
            })
            .unwrap_or_else(|| self.segment_names_on_disk());
        let store = self.ws.store();
        complete::complete(
            &text[line_start..at],
            &segments,
            &self.ws.template_names(),
            store.as_ref(),
        )
    }

    /// Segment names from the rule files' names, when the rules do not check (a half-typed
    /// condition must not take the segment names away).
    fn segment_names_on_disk(&self) -> Vec<(String, String)> {
        let Ok(entries) = std::fs::read_dir(&self.ws.paths.rules) else {
            return Vec::new();
        };
        let mut names: Vec<(String, String)> = entries
            .flatten()
            .filter_map(|e| {
                let path = e.path();
                let yaml = matches!(
                    path.extension().and_then(|x| x.to_str()),
                    Some("yaml" | "yml")
                );
                yaml.then(|| {
                    path.file_stem()?
                        .to_str()
                        .map(|s| (s.to_string(), String::new()))
                })?
            })
            .collect();
        names.sort();
        names
    }
}
