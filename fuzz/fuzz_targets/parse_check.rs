//! Fuzzes one expression through the parser and the checker: neither may panic or overflow the
//! stack, every diagnostic's span must be a valid range of the input, and rendering it (which
//! slices the input with the span) must work.

#![no_main]

use libfuzzer_sys::fuzz_target;
use segflow::dsl::diagnostic::{render, Diagnostic, FileDiagnostic, SourceFile};
use segflow::dsl::{check, parser, span::OffsetMap};

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    let ctx = check::Context {
        segments: vec!["vip".into()],
    };
    let diagnostics: Vec<Diagnostic> = match parser::parse(&src, &OffsetMap::identity(src.len())) {
        Err(d) => vec![d],
        Ok(node) => check::check(&node, &ctx).err().unwrap_or_default(),
    };
    let file = SourceFile::new("fuzz", src.as_ref());
    for d in &diagnostics {
        if let Some(span) = d.span {
            assert!(span.start <= span.end && span.end <= src.len(), "{d:?}");
            assert!(
                src.is_char_boundary(span.start) && src.is_char_boundary(span.end),
                "{d:?}"
            );
        }
    }
    let wrapped: Vec<FileDiagnostic> = diagnostics
        .into_iter()
        .map(|diagnostic| FileDiagnostic {
            diagnostic,
            file: file.clone(),
        })
        .collect();
    render(&wrapped, false);
});
