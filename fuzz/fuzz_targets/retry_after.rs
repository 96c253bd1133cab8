//! The `Retry-After` / `retry-after-ms` parser on random header values.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&flag, value)) = input.split_first() else { return };
    let _ = openrouter::fuzzing::retry_after(value, flag & 1 == 1);
});
