//! The results-journal reader: any bytes (torn lines, garbage, binary) are read without a
//! panic; every result it returns is for a distinct image, and bad lines are real line numbers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use squint::session::parse_results;

fuzz_target!(|data: &[u8]| {
    let log = parse_results(data);
    let mut images: Vec<&str> = log.results.iter().map(|r| r.image.as_str()).collect();
    images.sort_unstable();
    let before = images.len();
    images.dedup();
    assert_eq!(images.len(), before, "one result per image");
    let lines = data.split(|&b| b == b'\n').count();
    assert!(log.bad_lines.iter().all(|&n| n >= 1 && n <= lines));
});
