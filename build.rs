//! The default course is embedded with include_dir, which does not notice new files:
//! rebuild when anything under lessons/ or problems/ changes.
fn main() {
    println!("cargo:rerun-if-changed=lessons");
    println!("cargo:rerun-if-changed=problems");
    println!("cargo:rerun-if-changed=course.toml");
}
