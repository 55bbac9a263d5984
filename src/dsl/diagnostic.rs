//! Diagnostics: what is wrong, where, and how to fix it.
//!
//! A `Diagnostic` has a stable error code, a one-line message, a labelled span into the file and
//! an optional hint. `FileDiagnostic` pairs it with the file's name and text so that miette can
//! render the line and column with the offending text underlined. Loading and checking collect
//! every diagnostic of every file before anything is reported, so a merchant fixes all mistakes in
//! one pass.

use std::fmt;
use std::sync::Arc;

use super::span::Span;

/// Stable error codes; the README lists them with an example each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// The expression does not parse.
    Syntax,
    /// A field, function or collection name that does not exist.
    UnknownName,
    /// Operand types that do not fit the operator or function.
    TypeMismatch,
    /// A method on a collection used wrongly (`sum` of a string, `count(x)`, ...).
    BadAggregate,
    /// A literal that is malformed or out of range (`2026-02-30`, an overflowing duration).
    BadLiteral,
    /// `in_segment` names a segment that is not defined.
    UnknownSegment,
    /// Segments that refer to each other in a circle through `in_segment`.
    SegmentCycle,
    /// An expression larger or more deeply nested than segflow accepts.
    TooComplex,
    /// A rule or workflow file that is not valid YAML of the expected shape.
    BadFile,
    /// Two files define the same segment.
    DuplicateSegment,
    /// The segment name does not match the file name.
    NameMismatch,
    /// A call with the wrong number of arguments.
    Arity,
    /// A workflow sends a template that has no folder in `workflows/templates/`.
    UnknownTemplate,
    /// Two steps of one workflow have the same id.
    DuplicateStep,
    /// A step that can never run because an `exit` comes before it in the same list.
    UnreachableStep,
    /// A `wait_until` step without a `timeout`.
    MissingTimeout,
    /// A workflow step, trigger or setting of the wrong shape.
    BadStep,
}

impl Code {
    /// Every code, in the order of their numbers.
    pub const ALL: [Code; 17] = [
        Code::Syntax,
        Code::UnknownName,
        Code::TypeMismatch,
        Code::BadAggregate,
        Code::BadLiteral,
        Code::UnknownSegment,
        Code::SegmentCycle,
        Code::TooComplex,
        Code::BadFile,
        Code::DuplicateSegment,
        Code::NameMismatch,
        Code::Arity,
        Code::UnknownTemplate,
        Code::DuplicateStep,
        Code::UnreachableStep,
        Code::MissingTimeout,
        Code::BadStep,
    ];

    /// What the code means, in a few words (for CI annotations and SARIF rules).
    pub fn title(self) -> &'static str {
        match self {
            Code::Syntax => "the condition does not parse",
            Code::UnknownName => "a field, function or collection that does not exist",
            Code::TypeMismatch => "operand types that do not fit",
            Code::BadAggregate => "a collection method used wrongly",
            Code::BadLiteral => "a malformed or out-of-range literal",
            Code::UnknownSegment => "in_segment names an undefined segment",
            Code::SegmentCycle => "segments that refer to each other in a circle",
            Code::TooComplex => "an expression too large or too deeply nested",
            Code::BadFile => "a file that is not valid YAML of the expected shape",
            Code::DuplicateSegment => "two files define the same segment",
            Code::NameMismatch => "the segment name does not match the file name",
            Code::Arity => "a call with the wrong number of arguments",
            Code::UnknownTemplate => "a workflow sends a template that does not exist",
            Code::DuplicateStep => "two steps of one workflow have the same id",
            Code::UnreachableStep => "a step that can never run",
            Code::MissingTimeout => "a wait_until step without a timeout",
            Code::BadStep => "a workflow step, trigger or setting of the wrong shape",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "E001",
            Code::UnknownName => "E002",
            Code::TypeMismatch => "E003",
            Code::BadAggregate => "E004",
            Code::BadLiteral => "E005",
            Code::UnknownSegment => "E006",
            Code::SegmentCycle => "E007",
            Code::TooComplex => "E008",
            Code::BadFile => "E009",
            Code::DuplicateSegment => "E010",
            Code::NameMismatch => "E011",
            Code::Arity => "E012",
            Code::UnknownTemplate => "E013",
            Code::DuplicateStep => "E014",
            Code::UnreachableStep => "E015",
            Code::MissingTimeout => "E016",
            Code::BadStep => "E017",
        }
    }
}

/// One problem found in one file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    /// Where the problem is; `None` for a problem with the file as a whole.
    pub span: Option<Span>,
    /// A few words under the underlined text.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span: Some(span),
            label: label.into(),
            help: None,
        }
    }

    /// A problem with a whole file, with no position.
    pub fn whole_file(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span: None,
            label: String::new(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A source file as the merchant wrote it.
#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            name: name.into(),
            text: text.into(),
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

fn floor_char_boundary(s: &str, mut at: usize) -> usize {
    while at > 0 && !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A diagnostic together with the file it points into; this is what gets rendered.
#[derive(Debug, Clone)]
pub struct FileDiagnostic {
    pub diagnostic: Diagnostic,
    pub file: Arc<SourceFile>,
}

impl FileDiagnostic {
    /// `file:line:col` of the diagnostic, or just the file name.
    pub fn location(&self) -> String {
        match self.diagnostic.span {
            Some(span) => {
                let (line, col) = self.file.line_col(span.start);
                format!("{}:{}:{}", self.file.name, line, col)
            }
            None => self.file.name.clone(),
        }
    }
}

impl fmt::Display for FileDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // With a span, miette shows the file beside the snippet; without one, name it here.
        if self.diagnostic.span.is_none() {
            write!(f, "{}: ", self.file.name)?;
        }
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for FileDiagnostic {}

impl miette::Diagnostic for FileDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.code.as_str()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.diagnostic
            .span
            .map(|_| self as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.diagnostic.span?;
        let label = (!self.diagnostic.label.is_empty()).then(|| self.diagnostic.label.clone());
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(label, span),
        )))
    }
}

impl miette::SourceCode for FileDiagnostic {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self
            .file
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.file.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// Renders diagnostics as text, the way the CLI prints them. `color` is for terminals; tests and
/// pipes get plain text so that the rendered output can be compared exactly.
pub fn render(diagnostics: &[FileDiagnostic], color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    for d in diagnostics {
        // Writing into a String cannot fail; a formatting error would only come from miette's
        // own code, and then the plain message below is still useful.
        if handler.render_report(&mut out, d).is_err() {
            out.push_str(&format!("error[{}]: {}\n", d.diagnostic.code.as_str(), d));
        }
    }
    out
}
