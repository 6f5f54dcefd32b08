//! A photo as staff upload it, a `data:` URL: whatever it claims, only a PNG or JPEG of at
//! most 512 KB is accepted, with the type its bytes show.
#![no_main]

use inventory::domain::{Photo, MAX_PHOTO_BYTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    let Ok(photo) = Photo::parse_data_url(raw) else {
        return;
    };
    assert!(!photo.bytes.is_empty() && photo.bytes.len() <= MAX_PHOTO_BYTES);
    match photo.content_type {
        "image/png" => assert!(photo.bytes.starts_with(b"\x89PNG\r\n\x1a\n")),
        "image/jpeg" => assert!(photo.bytes.starts_with(&[0xFF, 0xD8, 0xFF])),
        other => panic!("accepted {other}"),
    }
});
