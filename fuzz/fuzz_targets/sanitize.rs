//! The sanitiser: whatever text comes in, no escape, control (but `\n`) or bidi character
//! comes out, and cleaning clean text changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use squint::domain::sanitize::{is_bidi_control, sanitize};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let clean = sanitize(&text);
    assert!(
        clean
            .chars()
            .all(|c| c == '\n' || !(c.is_control() || is_bidi_control(c))),
        "{clean:?}"
    );
    assert_eq!(sanitize(&clean), clean);
});
