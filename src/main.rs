// The balancer and replicas allocate for every request they proxy or answer; glibc's
// allocator spent ~8% of the balancer's time (benches/nginx.sh under perf).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    match forgetful::cli::run() {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            // `forgetful read 4 | head` closing the pipe early is not an error worth reporting.
            let broken_pipe = err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                std::process::exit(0);
            }
            eprintln!("forgetful: {err:#}");
            std::process::exit(2);
        }
    }
}
