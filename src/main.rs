//! The `nts` binary: see `nts --help`.

fn main() -> std::process::ExitCode {
    nts::cli::main()
}
