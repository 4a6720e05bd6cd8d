//! The `lms` command.

fn main() -> std::process::ExitCode {
    lms_api::cli::main()
}
