//! The error-body parser and the error's `Display`/`Debug` on random bodies, for a request that
//! carried a random key: no panic, and the key is never shown. Input: 2 bytes of status, a byte
//! (key length, up to 63, and a flag for a compressed body), the key, then the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    if input.len() < 3 {
        return;
    }
    let status = u16::from_le_bytes([input[0], input[1]]);
    let key_len = usize::from(input[2] & 0x3f);
    let compressed = input[2] & 0x80 != 0;
    let rest = &input[3..];
    if rest.len() < key_len {
        return;
    }
    let (key, body) = rest.split_at(key_len);
    openrouter::fuzzing::error_body(status, body, key, compressed);
});
