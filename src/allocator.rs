//! Tunes the C allocator for image-sized buffers, once, before any thread starts.
//!
//! glibc's malloc serves a large block by `mmap` at first, but after such a block is freed it
//! raises its threshold to that size, and from then on serves image-sized blocks (a 5 MB
//! photo read into memory) from its per-thread heaps, which keep the freed space: with 16
//! requests in flight, peak memory grew by about twice the bytes actually in flight. A fixed
//! threshold of 1 MiB keeps every block that large a mapping of its own, returned to the
//! system the moment it is freed; smaller blocks are served as before. Costs a few page
//! faults per large image. Never changes anything on other platforms or C libraries, and
//! never allocates.

/// Blocks of at least this many bytes get a mapping of their own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 1 << 20;

/// Call first thing in `main`, before any thread exists.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread runs.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}
