//! The `lms` command.

// glibc's malloc was about 15 % of the server's CPU samples under heartbeat load (many small,
// short-lived allocations across two worker threads and the progress writer's thread).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    lms_api::cli::main()
}
