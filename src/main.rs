//! The `segflow` binary: everything happens in `segflow::cli`.

fn main() -> std::process::ExitCode {
    segflow::cli::main()
}
