// Templates, static files and translations under frontend/ are embedded into the binary:
// rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=../../frontend/templates");
    println!("cargo:rerun-if-changed=../../frontend/static");
    println!("cargo:rerun-if-changed=../../frontend/locales");
}
