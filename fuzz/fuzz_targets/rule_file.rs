//! Fuzzes a whole rule file through `SegmentSet::from_files`: YAML, the offset map from the
//! decoded `where:` scalar back into the file, the parser and the checker. Nothing may panic,
//! every diagnostic's span must be a valid range of the file, and rendering must work.

#![no_main]

use libfuzzer_sys::fuzz_target;
use segflow::dsl::diagnostic::{render, SourceFile};
use segflow::segment::SegmentSet;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let file = SourceFile::new("rules/vip.yaml", text.as_ref());
    if let Err(diagnostics) = SegmentSet::from_files(vec![(file, "vip".to_string())]) {
        assert!(!diagnostics.is_empty());
        for d in &diagnostics {
            if let Some(span) = d.diagnostic.span {
                let text = &d.file.text;
                assert!(span.start <= span.end && span.end <= text.len(), "{d:?}");
                assert!(
                    text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                    "{d:?}"
                );
            }
        }
        render(&diagnostics, false);
    }
});
