//! `segflow test`: runs the rule tests of the repository and prints each segment's verdict,
//! with who is missing and who should not be there when it fails.

use crate::cli::{CliError, CliResult, Context};
use crate::rule_test::{explain, run, test_files};

pub fn test(ctx: &Context) -> CliResult {
    let set = ctx.load_rules()?;
    let files = test_files(&ctx.paths.tests);
    if files.is_empty() {
        return Err(CliError::Message(format!(
            "no rule tests in {}; write one as tests/NAME.yaml (`segflow init` scaffolds one, README \"Testing rules\")",
            ctx.paths.tests.display()
        )));
    }
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        let outcome = run(file, &set, &ctx.config);
        match &outcome.result {
            Err(e) => {
                failed += 1;
                println!("test {} ... error\n  {}: {e}", outcome.name, file.display());
            }
            Ok(segments) => {
                for s in segments {
                    if s.passed() {
                        passed += 1;
                        println!("test {} {} ... ok", outcome.name, s.segment);
                    } else {
                        failed += 1;
                        println!("test {} {} ... FAILED", outcome.name, s.segment);
                        for line in explain(s) {
                            println!("  {line}");
                        }
                    }
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        return Err(CliError::Message(format!(
            "{failed} rule test{} failed",
            if failed == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}
