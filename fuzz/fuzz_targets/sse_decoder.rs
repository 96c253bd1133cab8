//! The SSE decoder on random bytes in random pieces: the events must not depend on the pieces.
//! Input: a byte `n` (cuts, up to 15, and a flag for a small event size limit), `2n` bytes of cut
//! offsets, then the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&head, rest)) = input.split_first() else { return };
    let n = usize::from(head & 0x0f);
    let small = head & 0x80 != 0;
    if rest.len() < 2 * n {
        return;
    }
    let (cut_bytes, data) = rest.split_at(2 * n);
    let cuts: Vec<usize> = cut_bytes.chunks(2).map(|c| usize::from(u16::from_le_bytes([c[0], c[1]]))).collect();
    openrouter::fuzzing::sse(data, &cuts, small);
});
