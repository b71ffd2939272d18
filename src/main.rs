//! The `squint` binary: everything lives in the library; this only hands over the exit code.

fn main() {
    squint::allocator::tune();
    // The process-wide TLS provider for HTTPS servers; failing here only means one was set.
    let _ = rustls::crypto::ring::default_provider().install_default();
    std::process::exit(squint::cli::main_with_args());
}
