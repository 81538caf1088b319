fn main() {
    match forgetful::cli::run() {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("forgetful: {err:#}");
            std::process::exit(2);
        }
    }
}
